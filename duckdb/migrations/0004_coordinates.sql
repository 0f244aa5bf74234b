-- Where the GeoIP database places each event's address: latitude and
-- longitude in degrees, rounded to 2 decimals (about 1 km); NULL when
-- unknown, as for every event stored before.
ALTER TABLE events ADD COLUMN IF NOT EXISTS latitude  FLOAT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS longitude FLOAT;
