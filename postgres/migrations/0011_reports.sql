-- Scheduled mail: weekly reports and traffic alerts. mail_claims: one row
-- per website, kind (weekly, viral) and period (the local date of the
-- reported week's Monday, or of the alert's day), inserted before the mail
-- is sent so that of several servers one sends it; the outcome is written
-- after. mail_opt_outs: who refused which kind of mail of which website.
-- mail_keys: the one key (id 1) that signs unsubscribe links.
CREATE TABLE mail_claims (
    website_id   text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    kind         text COLLATE "C" NOT NULL,
    period       text COLLATE "C" NOT NULL,
    claimed_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    sent         integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    PRIMARY KEY (website_id, kind, period)
);

CREATE TABLE mail_opt_outs (
    user_id     text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website_id  text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    kind        text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, website_id, kind)
);
CREATE INDEX mail_opt_outs_website ON mail_opt_outs(website_id);

CREATE TABLE mail_keys (
    id   integer PRIMARY KEY CHECK (id = 1),
    key  bytea NOT NULL
);
