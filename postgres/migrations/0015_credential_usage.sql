-- How many requests each key and token authenticated, per UTC day. Every
-- process adds its counts (an upsert that adds), so that several processes
-- sharing the store add up. Rows older than 90 days are deleted; rows of
-- deleted credentials are never read and go with them.
CREATE TABLE credential_usage (
    kind          text   NOT NULL, -- 'apikey' or 'access_token'
    credential_id text   NOT NULL,
    day           date   NOT NULL,
    requests      bigint NOT NULL,
    PRIMARY KEY (kind, credential_id, day)
);
CREATE INDEX credential_usage_day ON credential_usage(day);
