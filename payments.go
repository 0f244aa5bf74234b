package openfast

import (
	"context"
	"time"
)

// PaymentClaimTakeover is how old a claim on a transaction id must be,
// with its payment still missing from the event store, before another
// request may take it over: the server that made it stopped between the
// claim and the write. A request must give up writing its payment well
// before this age (its context's deadline), or a takeover could record
// the payment twice.
const PaymentClaimTakeover = time.Minute

// PaymentClaim is a website's claim on a payment transaction id: the
// payment is recorded, or being recorded, by whoever holds it.
type PaymentClaim struct {
	WebsiteID     string
	TransactionID string
	ClaimedAt     time.Time
}

// PaymentClaimStore keeps the transaction ids of the payments recorded
// through the server-side payment route, one claim each, so that of
// several requests (on several servers of a cluster) with one transaction
// id, one records the payment. It is shared by the servers, like the rest
// of the metadata store.
//
// The sequence of POST /api/v1/payments: ClaimPayment; if it is refused,
// the payment is a duplicate (check PaymentExists on the synced event
// store to tell one recorded from one being recorded); if it is granted,
// check PaymentExists all the same (payments recorded before claims
// existed, or a claim taken over from a server that wrote its payment
// after all), then write the event, and ReleasePayments if the write
// fails. DELETE /api/v1/payments releases the claims of the payments it
// deletes (EventStore.PaymentTransactionIDs), so that they can be
// recorded again.
type PaymentClaimStore interface {
	// ClaimPayment claims a website's transaction id at now, atomically:
	// claimed is true if there was no claim, or if the claim was made
	// before staleBefore (it is then taken over: its time becomes now, and
	// of several requests taking it over at once one succeeds). A zero
	// staleBefore never takes a claim over; the server-side route passes
	// now.Add(-PaymentClaimTakeover).
	ClaimPayment(ctx context.Context, websiteID, transactionID string, now, staleBefore time.Time) (claimed bool, err error)
	// ReleasePayments deletes a website's claims on these transaction ids;
	// ids without a claim are skipped.
	ReleasePayments(ctx context.Context, websiteID string, transactionIDs []string) error
}

// ExchangeRateStore keeps the exchange rates that a server fetched (the
// European Central Bank's reference rates: what one euro is worth in each
// currency, per day), so that every server of an installation, and the
// next start, convert payments with them.
type ExchangeRateStore interface {
	// SaveExchangeRates adds or replaces the rates of these days (days
	// since 1970-01-01 to currency to rate).
	SaveExchangeRates(ctx context.Context, days map[int64]map[string]float64) error
	// ExchangeRates returns every saved rate.
	ExchangeRates(ctx context.Context) (map[int64]map[string]float64, error)
}
