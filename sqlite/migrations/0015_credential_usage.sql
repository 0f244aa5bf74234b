-- How many requests each key and token authenticated, per UTC day (day is
-- 'YYYY-MM-DD'). Every process adds its counts (an upsert that adds), so
-- that several processes sharing a store add up. Rows older than 90 days
-- are deleted; rows of deleted credentials are never read and go with them.
CREATE TABLE credential_usage (
    kind          TEXT    NOT NULL, -- 'apikey' or 'access_token'
    credential_id TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    requests      INTEGER NOT NULL,
    PRIMARY KEY (kind, credential_id, day)
) WITHOUT ROWID;
CREATE INDEX credential_usage_day ON credential_usage(day);
