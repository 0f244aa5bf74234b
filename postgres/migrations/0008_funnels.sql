-- Funnels: ordered steps (pageviews of a path, goals) whose completion the
-- funnel analytics read counts. steps is a JSON array of
-- {id, name, type, url?, goalName?}. A deleted funnel stays, inactive,
-- until MaxInactiveFunnelsPerWebsite newer deletions push it out. Among a
-- website's active funnels the slug (made from the name) is unique.
CREATE TABLE funnels (
    id           text COLLATE "C" PRIMARY KEY,
    website_id   text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    name         text NOT NULL,
    slug         text NOT NULL,
    steps        jsonb NOT NULL,
    window_days  integer NOT NULL,
    is_active    boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX funnels_active_slug ON funnels(website_id, slug) WHERE is_active;
CREATE INDEX funnels_website ON funnels(website_id, created_at);
