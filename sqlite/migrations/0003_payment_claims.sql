-- Claims on the transaction ids of the payments recorded through the
-- server-side payment route: one row per payment, so that one request of
-- several with the same id records it. claimed_at (Unix milliseconds) lets
-- a claim left by a request that stopped before its write be taken over.
CREATE TABLE payment_claims (
    website_id      TEXT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    transaction_id  TEXT NOT NULL,
    claimed_at      INTEGER NOT NULL,
    PRIMARY KEY (website_id, transaction_id)
) WITHOUT ROWID;
