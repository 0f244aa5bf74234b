-- Payment providers connected to websites: one row per website and
-- provider (stripe, lemonsqueezy, polar, paddle). credentials is the
-- sealed blob (AES-256-GCM, bound to the website and provider) that only
-- the server's secret key opens; the sync state says where the next sync
-- resumes and how the last one ended.
CREATE TABLE integrations (
    website_id          text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    provider            text COLLATE "C" NOT NULL,
    credentials         bytea NOT NULL,
    has_webhook_secret  boolean NOT NULL DEFAULT false,
    currency            text NOT NULL DEFAULT '',
    key_expires_at      timestamptz,
    connected_at        timestamptz NOT NULL,
    sync_cursor         text NOT NULL DEFAULT '',
    synced_at           timestamptz,
    sync_error          text NOT NULL DEFAULT '',
    PRIMARY KEY (website_id, provider)
);
