-- Daily salts of cookieless visitor ids: random, one per UTC day, deleted
-- after the next day.
CREATE TABLE salts (
    day   TEXT PRIMARY KEY,
    salt  BLOB NOT NULL
);
