-- Keys and tokens may expire: expires_at is the instant from which the
-- credential is refused; NULL for never, DataFast's behaviour.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE access_tokens ADD COLUMN expires_at timestamptz;
