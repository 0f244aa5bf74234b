-- Imports: events read from a file by `openfast import` carry the id of
-- their import in import_id (NULL for every event the server tracked), so
-- that an import can be listed and deleted as a whole. imports records
-- each one; rows counts the events stored, updated in the transaction of
-- each batch; complete is false while an import runs, and stays false for
-- one that stopped halfway (delete it and run it again).
ALTER TABLE events ADD COLUMN IF NOT EXISTS import_id VARCHAR;

CREATE TABLE IF NOT EXISTS imports (
    id         VARCHAR PRIMARY KEY,
    website_id VARCHAR   NOT NULL,
    source     VARCHAR   NOT NULL,
    file_name  VARCHAR   NOT NULL,
    rows       BIGINT    NOT NULL,
    created_at TIMESTAMP NOT NULL,
    complete   BOOLEAN   NOT NULL
);
