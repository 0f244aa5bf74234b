package postgres

import (
	"context"
	"fmt"
	"time"
)

// ClaimPayment claims a website's transaction id (see
// openfast.PaymentClaimStore). It is one statement: of concurrent claims
// on an id, the first inserts, and the others wait for its commit, then
// find its fresh claim and change nothing; of concurrent takeovers, the
// first updates the stale row, and the others then see it fresh.
func (db *DB) ClaimPayment(ctx context.Context, websiteID, transactionID string, now, staleBefore time.Time) (bool, error) {
	var cutoff *time.Time // NULL: no claim is taken over
	if !staleBefore.IsZero() {
		cutoff = &staleBefore
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO payment_claims (website_id, transaction_id, claimed_at) VALUES ($1, $2, $3)
		ON CONFLICT (website_id, transaction_id) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
		WHERE payment_claims.claimed_at < $4`, websiteID, transactionID, ms(now), cutoff)
	if err != nil {
		return false, fmt.Errorf("claim payment %s: %w", transactionID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleasePayments deletes a website's claims on these transaction ids.
func (db *DB) ReleasePayments(ctx context.Context, websiteID string, transactionIDs []string) error {
	if len(transactionIDs) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM payment_claims WHERE website_id = $1 AND transaction_id = ANY($2)`, websiteID, transactionIDs); err != nil {
		return fmt.Errorf("release %d payment claims: %w", len(transactionIDs), err)
	}
	return nil
}
