-- Keys and tokens may expire: expires_at is the instant (Unix
-- milliseconds) from which the credential is refused; NULL for never,
-- DataFast's behaviour.
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE access_tokens ADD COLUMN expires_at INTEGER;

-- A key rolled with a grace period keeps the hash of its previous value,
-- which works until previous_expires_at (Unix milliseconds).
ALTER TABLE api_keys ADD COLUMN previous_hash BLOB;
ALTER TABLE api_keys ADD COLUMN previous_expires_at INTEGER;
CREATE INDEX api_keys_previous_hash ON api_keys(previous_hash) WHERE previous_hash IS NOT NULL;
