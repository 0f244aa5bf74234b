-- Metadata: users, websites, memberships, invitations, credentials, audit log.
-- Times are Unix milliseconds (UTC). Credentials are stored as the SHA-256
-- of the raw value and its masked displayKey, never the raw value.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT,
    image       TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE websites (
    id           TEXT PRIMARY KEY,
    tracking_id  TEXT NOT NULL UNIQUE,
    owner_id     TEXT NOT NULL REFERENCES users(id),
    domain       TEXT NOT NULL,
    name         TEXT,
    timezone     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    settings     TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX websites_owner_domain ON websites(owner_id, domain);

CREATE TABLE members (
    website_id  TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (website_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    website_id   TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('member', 'viewer')),
    invited_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    accepted_at  INTEGER
);
CREATE UNIQUE INDEX invitations_pending ON invitations(website_id, email) WHERE accepted_at IS NULL;
CREATE INDEX invitations_email ON invitations(email);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    website_id    TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    name          TEXT,
    display_key   TEXT NOT NULL,
    hash          BLOB NOT NULL UNIQUE,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX api_keys_website ON api_keys(website_id);

CREATE TABLE access_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT,
    display_key   TEXT NOT NULL,
    hash          BLOB NOT NULL UNIQUE,
    permissions   TEXT NOT NULL,
    website_ids   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX access_tokens_user ON access_tokens(user_id);

CREATE TABLE audit_log (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id          TEXT,
    actor_user_id       TEXT NOT NULL,
    actor_display_key   TEXT NOT NULL,
    action              TEXT NOT NULL,
    target_type         TEXT NOT NULL,
    target_id           TEXT NOT NULL,
    target_display_key  TEXT NOT NULL,
    ip                  TEXT NOT NULL,
    created_at          INTEGER NOT NULL
);
CREATE INDEX audit_log_website ON audit_log(website_id, id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, id) WHERE website_id IS NULL;
