-- Goal customizations: the display name, colour (a hex value of the
-- palette) and description of a website's goal. Display-only metadata.
CREATE TABLE goal_customizations (
    website_id   text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    goal_name    text COLLATE "C" NOT NULL,
    display_name text,
    color        text,
    description  text,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (website_id, goal_name)
);
