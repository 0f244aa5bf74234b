-- Signing in to the dashboard. users.password_hash: an argon2id PHC string,
-- NULL for a user without a password (made by the admin command, or
-- invited and not yet accepted). sessions: the signed-in browsers; hash is
-- the SHA-256 of the cookie's value, which is stored nowhere.
ALTER TABLE users ADD COLUMN password_hash text;

CREATE TABLE sessions (
    id            text COLLATE "C" PRIMARY KEY,
    user_id       text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash          bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    user_agent    text NOT NULL,
    ip            text NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, last_seen_at);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
