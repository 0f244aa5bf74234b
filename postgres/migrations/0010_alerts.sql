-- Alerts (§6.14): a mail to the website's owner when a goal is reached,
-- and their history, kept after an alert is deleted (alert_id is not a
-- foreign key) and bounded by the store to the newest entries of each
-- website (openfast.MaxAlertLogsPerWebsite).
CREATE TABLE alerts (
    id          text COLLATE "C" PRIMARY KEY,
    website_id  text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    name        text NOT NULL,
    goal_name   text NOT NULL,
    subject     text,
    message     text NOT NULL,
    enabled     boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX alerts_website ON alerts(website_id, created_at);

CREATE TABLE alert_logs (
    id            text COLLATE "C" PRIMARY KEY,
    website_id    text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    alert_id      text COLLATE "C" NOT NULL,
    alert_name    text NOT NULL,
    goal_name     text NOT NULL,
    status        text NOT NULL CHECK (status IN ('sent', 'failed')),
    error         text,
    visitor_id    text,
    firings       integer NOT NULL,
    triggered_at  timestamptz NOT NULL
);
CREATE INDEX alert_logs_website ON alert_logs(website_id, triggered_at, id);
CREATE INDEX alert_logs_alert ON alert_logs(alert_id, triggered_at, id);
