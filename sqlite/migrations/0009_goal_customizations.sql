-- Goal customizations: the display name, colour (a hex value of the
-- palette) and description of a website's goal. Display-only metadata.
CREATE TABLE goal_customizations (
    website_id   TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    goal_name    TEXT NOT NULL,
    display_name TEXT,
    color        TEXT,
    description  TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (website_id, goal_name)
) WITHOUT ROWID;
