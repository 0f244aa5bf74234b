-- Daily salts of cookieless visitor ids: random, one per UTC day, deleted
-- after the next day.
CREATE TABLE salts (
    day   text PRIMARY KEY,
    salt  bytea NOT NULL
);
