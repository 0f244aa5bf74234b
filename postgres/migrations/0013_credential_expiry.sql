-- Keys and tokens may expire: expires_at is the instant from which the
-- credential is refused; NULL for never, DataFast's behaviour.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE access_tokens ADD COLUMN expires_at timestamptz;

-- A key rolled with a grace period keeps the hash of its previous value,
-- which works until previous_expires_at.
ALTER TABLE api_keys ADD COLUMN previous_hash bytea;
ALTER TABLE api_keys ADD COLUMN previous_expires_at timestamptz;
CREATE INDEX api_keys_previous_hash ON api_keys(previous_hash) WHERE previous_hash IS NOT NULL;
