-- Signing in to the dashboard. users.password_hash: an argon2id PHC string,
-- NULL for a user without a password (made by the admin command, or
-- invited and not yet accepted). sessions: the signed-in browsers; hash is
-- the SHA-256 of the cookie's value, which is stored nowhere.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash          BLOB NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    user_agent    TEXT NOT NULL,
    ip            TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, last_seen_at);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
