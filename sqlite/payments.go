package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// claimPayment inserts a claim, or takes over one made before the cutoff,
// in one statement: the row counts as changed only if the insert or the
// takeover happened.
const claimPayment = `INSERT INTO payment_claims (website_id, transaction_id, claimed_at) VALUES (?, ?, ?)
	ON CONFLICT (website_id, transaction_id) DO UPDATE SET claimed_at = excluded.claimed_at
	WHERE payment_claims.claimed_at < ?`

// ClaimPayment claims a website's transaction id (see
// openfast.PaymentClaimStore).
func (db *DB) ClaimPayment(ctx context.Context, websiteID, transactionID string, now, staleBefore time.Time) (bool, error) {
	cutoff := int64(-1 << 63) // never: no claim is older
	if !staleBefore.IsZero() {
		cutoff = ms(staleBefore)
	}
	res, err := db.write.ExecContext(ctx, claimPayment, websiteID, transactionID, ms(now), cutoff)
	if err != nil {
		return false, fmt.Errorf("claim payment %s: %w", transactionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim payment %s: %w", transactionID, err)
	}
	return n == 1, nil
}

// releaseChunk bounds the ids of one DELETE (SQLite bounds the parameters
// of a statement).
const releaseChunk = 500

// ReleasePayments deletes a website's claims on these transaction ids.
func (db *DB) ReleasePayments(ctx context.Context, websiteID string, transactionIDs []string) error {
	if len(transactionIDs) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for ids := range chunks(transactionIDs, releaseChunk) {
			args := make([]any, 0, len(ids)+1)
			args = append(args, websiteID)
			for _, id := range ids {
				args = append(args, id)
			}
			q := `DELETE FROM payment_claims WHERE website_id = ? AND transaction_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release %d payment claims: %w", len(transactionIDs), err)
	}
	return nil
}

// chunks yields s in slices of at most n.
func chunks(s []string, n int) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}
