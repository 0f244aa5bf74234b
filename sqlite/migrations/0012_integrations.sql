-- Payment providers connected to websites: one row per website and
-- provider (stripe, lemonsqueezy, polar, paddle). credentials is the
-- sealed blob (AES-256-GCM, bound to the website and provider) that only
-- the server's secret key opens; the sync state says where the next sync
-- resumes and how the last one ended. Times are Unix milliseconds.
CREATE TABLE integrations (
    website_id          TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    provider            TEXT NOT NULL,
    credentials         BLOB NOT NULL,
    has_webhook_secret  INTEGER NOT NULL DEFAULT 0,
    currency            TEXT NOT NULL DEFAULT '',
    key_expires_at      INTEGER,
    connected_at        INTEGER NOT NULL,
    sync_cursor         TEXT NOT NULL DEFAULT '',
    synced_at           INTEGER,
    sync_error          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (website_id, provider)
) WITHOUT ROWID;
