package duckdb

import (
	"context"
	"fmt"

	"github.com/openfast/openfast"
)

// deletionSelection is the WHERE clause of the events an EventDeletion
// selects, and its arguments: the rows DeleteEvents deletes and whose
// transaction ids PaymentTransactionIDs lists.
func (d *DB) deletionSelection(del openfast.EventDeletion) (string, []any) {
	q := `site = ? AND type = ?`
	args := []any{d.site(del.WebsiteID), uint8(del.Type)}
	if del.Visitor != nil {
		q += ` AND visitor_id = CAST(? AS UUID)`
		args = append(args, del.Visitor.String())
	}
	if del.Goal != "" {
		q += ` AND goal = ?`
		args = append(args, del.Goal)
	}
	if del.TransactionID != "" {
		q += ` AND transaction_id = ?`
		args = append(args, del.TransactionID)
	}
	if !del.Start.IsZero() {
		q += ` AND ts >= ?`
		args = append(args, del.Start.UTC())
	}
	if !del.End.IsZero() {
		q += ` AND ts <= ?`
		args = append(args, del.End.UTC())
	}
	return q, args
}

// PaymentTransactionIDs returns the distinct transaction ids of the
// payments a deletion selects, in order; its Type is taken to be
// EventPayment.
func (d *DB) PaymentTransactionIDs(ctx context.Context, del openfast.EventDeletion) ([]string, error) {
	del.Type = openfast.EventPayment
	where, args := d.deletionSelection(del)
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT transaction_id FROM events WHERE `+where+` AND transaction_id <> '' ORDER BY transaction_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list payment transaction ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list payment transaction ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list payment transaction ids: %w", err)
	}
	return ids, nil
}
