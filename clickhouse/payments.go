package clickhouse

import (
	"context"
	"fmt"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics/sqlq"
)

// deletionSelection is the condition of the events an EventDeletion
// selects: the rows DeleteEvents deletes and whose transaction ids
// PaymentTransactionIDs lists.
func deletionSelection(del openfast.EventDeletion) *sqlq.Query {
	q := newQuery()
	q.Add("website_id = ? AND type = ?", del.WebsiteID, uint8(del.Type))
	if del.Visitor != nil {
		q.Add(" AND visitor_id = " + uuidLiteral(*del.Visitor))
	}
	if del.Goal != "" {
		q.Add(" AND goal = ?", del.Goal)
	}
	if del.TransactionID != "" {
		q.Add(" AND transaction_id = ?", del.TransactionID)
	}
	if !del.Start.IsZero() {
		q.Add(" AND ts >= ?", ceilMicros(del.Start))
	}
	if !del.End.IsZero() {
		q.Add(" AND ts <= ?", del.End.UnixMicro())
	}
	return q
}

// PaymentTransactionIDs returns the distinct transaction ids of the
// payments a deletion selects, in order; its Type is taken to be
// EventPayment.
func (d *DB) PaymentTransactionIDs(ctx context.Context, del openfast.EventDeletion) ([]string, error) {
	del.Type = openfast.EventPayment
	q := deletionSelection(del)
	rows, err := d.conn.Query(ctx, "SELECT DISTINCT transaction_id FROM events WHERE "+q.String()+" AND transaction_id != '' ORDER BY transaction_id", q.Args...)
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
