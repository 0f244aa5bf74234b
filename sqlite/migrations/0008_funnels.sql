-- Funnels: ordered steps (pageviews of a path, goals) whose completion the
-- funnel analytics read counts. steps is a JSON array of
-- {id, name, type, url?, goalName?}. A deleted funnel stays, inactive,
-- until MaxInactiveFunnelsPerWebsite newer deletions push it out. Among a
-- website's active funnels the slug (made from the name) is unique.
CREATE TABLE funnels (
    id           TEXT PRIMARY KEY,
    website_id   TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    slug         TEXT NOT NULL,
    steps        TEXT NOT NULL,
    window_days  INTEGER NOT NULL,
    is_active    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX funnels_active_slug ON funnels(website_id, slug) WHERE is_active = 1;
CREATE INDEX funnels_website ON funnels(website_id, created_at);
