-- The event database as files made before numbered migrations have it.
-- Every statement is safe to run again on such a file: tables are created
-- only when missing, and columns added only when missing.

-- events holds every event, one row each. Columns are typed; visitor and
-- session ids are UUIDs (128-bit integers inside DuckDB), so that
-- count(DISTINCT ...) stays cheap. Low-cardinality strings are
-- dictionary-compressed by DuckDB. The columns after transaction_id are
-- the website's number and the live analytics index (renamed by 0002; see
-- docs/analytics-index.md). Their order is the order in which the store
-- appends a row.
CREATE TABLE IF NOT EXISTS events (
    website_id        VARCHAR   NOT NULL,
    ts                TIMESTAMP NOT NULL,
    type              UTINYINT  NOT NULL,
    visitor_id        UUID      NOT NULL,
    session_id        UUID      NOT NULL,
    hostname          VARCHAR   NOT NULL,
    path              VARCHAR   NOT NULL,
    entry_path        VARCHAR   NOT NULL,
    session_referrer  VARCHAR   NOT NULL,
    referrer          VARCHAR   NOT NULL,
    referrer_host     VARCHAR   NOT NULL,
    utm_source        VARCHAR   NOT NULL,
    utm_medium        VARCHAR   NOT NULL,
    utm_campaign      VARCHAR   NOT NULL,
    utm_term          VARCHAR   NOT NULL,
    utm_content       VARCHAR   NOT NULL,
    ref               VARCHAR   NOT NULL,
    source            VARCHAR   NOT NULL,
    via               VARCHAR   NOT NULL,
    country           VARCHAR   NOT NULL,
    region            VARCHAR   NOT NULL,
    city              VARCHAR   NOT NULL,
    browser           VARCHAR   NOT NULL,
    os                VARCHAR   NOT NULL,
    device            VARCHAR   NOT NULL,
    screen_width      USMALLINT NOT NULL,
    screen_height     USMALLINT NOT NULL,
    viewport_width    USMALLINT NOT NULL,
    viewport_height   USMALLINT NOT NULL,
    language          VARCHAR   NOT NULL,
    goal              VARCHAR   NOT NULL,
    props             VARCHAR   NOT NULL,
    ad_click_ids      VARCHAR   NOT NULL,
    revenue_cents     BIGINT    NOT NULL,
    currency          VARCHAR   NOT NULL,
    event_id          VARCHAR   NOT NULL,
    transaction_id    VARCHAR   NOT NULL,
    vprev             BIGINT,
    sprev             BIGINT,
    sprev2            BIGINT,
    pprev             BIGINT,
    rprev             BIGINT,
    cprev             BIGINT,
    site              INTEGER,
    pvprev            BIGINT,
    pvnext            BIGINT
);

-- Files made before the website numbers and the index get their columns,
-- in the same order; their rows are then pending, which the indexer
-- indexes, and the store numbers their websites when it opens them.
ALTER TABLE events ADD COLUMN IF NOT EXISTS vprev  BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS sprev  BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS sprev2 BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS pprev  BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS rprev  BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS cprev  BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS site   INTEGER;
ALTER TABLE events ADD COLUMN IF NOT EXISTS pvprev BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS pvnext BIGINT;

-- sites numbers the websites that have events (see duckdb/site.go).
CREATE TABLE IF NOT EXISTS sites (
    website_id VARCHAR PRIMARY KEY,
    n          INTEGER NOT NULL UNIQUE
);

-- pvnext_updates passes the live index's updates of open goals to one
-- UPDATE; it is emptied in the transaction that fills it.
CREATE TABLE IF NOT EXISTS pvnext_updates (
    site       INTEGER NOT NULL,
    visitor_id UUID    NOT NULL,
    since      BIGINT  NOT NULL,
    next       BIGINT  NOT NULL
);

-- ingest_journals records the last batch loaded from each ingest journal.
CREATE TABLE IF NOT EXISTS ingest_journals (
    journal    VARCHAR PRIMARY KEY,
    last_batch UBIGINT NOT NULL
);

-- Files made before journals had names recorded the last batch of their
-- one journal in ingest_journal; it becomes the batch of the journal
-- named "local", the name ingest gives that journal
-- (ingest.LegacyJournalName, duckdb's legacyJournal).
CREATE TABLE IF NOT EXISTS ingest_journal (
    id         UTINYINT PRIMARY KEY,
    last_batch UBIGINT  NOT NULL
);
INSERT INTO ingest_journals SELECT 'local', last_batch FROM ingest_journal WHERE id = 1 ON CONFLICT DO NOTHING;
DROP TABLE ingest_journal;
