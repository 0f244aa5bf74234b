-- Claims on the transaction ids of the payments recorded through the
-- server-side payment route: one row per payment, so that one request of
-- several (on any server) with the same id records it. claimed_at lets a
-- claim left by a request that stopped before its write be taken over.
CREATE TABLE payment_claims (
    website_id      text COLLATE "C" NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    transaction_id  text COLLATE "C" NOT NULL,
    claimed_at      timestamptz NOT NULL,
    PRIMARY KEY (website_id, transaction_id)
);
