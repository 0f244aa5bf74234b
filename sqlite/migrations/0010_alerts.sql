-- Alerts (§6.14): a mail to the website's owner when a goal is reached,
-- and their history, kept after an alert is deleted (alert_id is not a
-- foreign key) and bounded by the store to the newest entries of each
-- website (openfast.MaxAlertLogsPerWebsite).
CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    website_id  TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    goal_name   TEXT NOT NULL,
    subject     TEXT,
    message     TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX alerts_website ON alerts(website_id, created_at);

CREATE TABLE alert_logs (
    id            TEXT PRIMARY KEY,
    website_id    TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    alert_id      TEXT NOT NULL,
    alert_name    TEXT NOT NULL,
    goal_name     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
    error         TEXT,
    visitor_id    TEXT,
    firings       INTEGER NOT NULL,
    triggered_at  INTEGER NOT NULL
);
CREATE INDEX alert_logs_website ON alert_logs(website_id, triggered_at, id);
CREATE INDEX alert_logs_alert ON alert_logs(alert_id, triggered_at, id);
