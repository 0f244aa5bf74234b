-- Scheduled mail: weekly reports and traffic alerts. mail_claims: one row
-- per website, kind (weekly, viral) and period (the local date of the
-- reported week's Monday, or of the alert's day), inserted before the mail
-- is sent so that of several servers one sends it; the outcome is written
-- after. mail_opt_outs: who refused which kind of mail of which website.
-- mail_keys: the one key (id 1) that signs unsubscribe links. Times are
-- Unix milliseconds.
CREATE TABLE mail_claims (
    website_id   TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    period       TEXT NOT NULL,
    claimed_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    sent         INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (website_id, kind, period)
) WITHOUT ROWID;

CREATE TABLE mail_opt_outs (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website_id  TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, website_id, kind)
) WITHOUT ROWID;
CREATE INDEX mail_opt_outs_website ON mail_opt_outs(website_id);

CREATE TABLE mail_keys (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    key  BLOB NOT NULL
);
