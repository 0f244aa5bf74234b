package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/openfast/openfast/integrations"
)

// VisitorKey is the metadata key that carries the visitor's id, on a
// Checkout Session, an invoice, a subscription or a charge.
const VisitorKey = "datafast_visitor_id"

// CheckoutKey is the tracker's payment hint property for a Checkout
// Session's id (the session_id=cs_… of the success page's URL).
const CheckoutKey = "stripe_session_id"

// Webhook verifies a Stripe webhook (the Stripe-Signature header, with
// stripe-go) and maps its event:
//
//   - checkout.session.completed and checkout.session.async_payment_succeeded:
//     the session's payment, once it is paid;
//   - invoice.paid: the invoice's payment (a renewal when billed for a
//     subscription's new cycle);
//   - refund.created: the refund;
//   - charge.refunded: one refund for each refund in the charge's refunds
//     list, which Stripe includes only for endpoints of API versions
//     before 2022-11-15 (later ones bring refunds by refund.created).
//
// Other events report no payments. The signature is checked before the
// timestamp, against now, so that a forged old request is ErrSignature and
// a genuine old one ErrStale. Events of any API version are accepted.
func (p *Provider) Webhook(secret string, h http.Header, body []byte, now time.Time) (string, []integrations.Payment, error) {
	if secret == "" {
		return "", nil, fmt.Errorf("stripe webhook: no signing secret: %w", integrations.ErrSignature)
	}
	header := h.Get("Stripe-Signature")
	ev, err := webhook.ConstructEventWithOptions(body, header, secret, webhook.ConstructEventOptions{
		IgnoreTolerance:          true, // checked below, against now
		IgnoreAPIVersionMismatch: true,
	})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return "", nil, fmt.Errorf("stripe webhook: %v: %w", err, integrations.ErrSignature)
	case err != nil:
		return "", nil, integrations.Invalidf("The Stripe webhook's body is not an event: %v", err)
	}
	signed, ok := signedAt(header)
	if !ok {
		return "", nil, fmt.Errorf("stripe webhook: no timestamp in Stripe-Signature: %w", integrations.ErrSignature)
	}
	if d := now.Sub(signed); d > integrations.MaxAge || d < -integrations.MaxAge {
		return "", nil, fmt.Errorf("stripe webhook signed at %s: %w", signed.UTC().Format(time.RFC3339), integrations.ErrStale)
	}
	payments, err := eventPayments(ev)
	if err != nil {
		return ev.ID, nil, err
	}
	return ev.ID, payments, nil
}

// signedAt is the timestamp (t=) of a Stripe-Signature header, the last
// one as stripe-go reads it.
func signedAt(header string) (time.Time, bool) {
	var t time.Time
	found := false
	for pair := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(pair, "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			t, found = time.Unix(sec, 0), true
		}
	}
	return t, found
}

// eventPayments maps a verified event to its payments.
func eventPayments(ev stripego.Event) ([]integrations.Payment, error) {
	switch ev.Type {
	case stripego.EventTypeCheckoutSessionCompleted, stripego.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		return mapObject(ev, func(s *stripego.CheckoutSession) ([]integrations.Payment, error) {
			return one(sessionPayment(s, ev.Created))
		})
	case stripego.EventTypeInvoicePaid:
		return mapObject(ev, func(in *stripego.Invoice) ([]integrations.Payment, error) {
			var legacy legacyInvoice
			if err := json.Unmarshal(ev.Data.Raw, &legacy); err != nil {
				return nil, integrations.Invalidf("The Stripe %s event's invoice cannot be read: %v", ev.Type, err)
			}
			return one(invoicePayment(in, legacy.SubscriptionDetails.Metadata[VisitorKey]))
		})
	case stripego.EventTypeRefundCreated:
		return mapObject(ev, func(r *stripego.Refund) ([]integrations.Payment, error) {
			return one(refundPayment(r, r.Charge))
		})
	case stripego.EventTypeChargeRefunded:
		return mapObject(ev, chargeRefunds)
	}
	return nil, nil
}

// mapObject decodes the object of event ev as a T and maps it.
func mapObject[T any](ev stripego.Event, mapping func(*T) ([]integrations.Payment, error)) ([]integrations.Payment, error) {
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return nil, integrations.Invalidf("The Stripe %s event has no data.object.", ev.Type)
	}
	var obj T
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		return nil, integrations.Invalidf("The Stripe %s event's object cannot be read: %v", ev.Type, err)
	}
	return mapping(&obj)
}

// legacyInvoice is what an invoice of an API version before 2025-03-31
// says of its subscription's metadata.
type legacyInvoice struct {
	SubscriptionDetails struct {
		Metadata map[string]string `json:"metadata"`
	} `json:"subscription_details"`
}

// one is the payments of a mapping that gives one payment or none.
func one(p integrations.Payment, ok bool, err error) ([]integrations.Payment, error) {
	if err != nil || !ok {
		return nil, err
	}
	return []integrations.Payment{p}, nil
}

// sessionPayment is a completed Checkout Session's payment; ok false when
// it is not paid (an asynchronous payment method not yet settled, or a
// setup session). Its id is the id that the payment's other objects give
// too: the invoice's when the session made one (always in subscription
// mode, where invoice.paid reports the same first invoice), else the
// PaymentIntent's, else the session's. paidAt is the time of the payment,
// the session's creation when 0.
func sessionPayment(s *stripego.CheckoutSession, paidAt int64) (integrations.Payment, bool, error) {
	paid := s.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid ||
		// A trial: its first invoice is paid at 0, and invoice.paid says so too.
		s.PaymentStatus == stripego.CheckoutSessionPaymentStatusNoPaymentRequired && s.Mode == stripego.CheckoutSessionModeSubscription && s.Invoice != nil
	if !paid || s.Mode == stripego.CheckoutSessionModeSetup {
		return integrations.Payment{}, false, nil
	}
	p := integrations.Payment{
		ID:          s.ID,
		VisitorID:   s.Metadata[VisitorKey],
		CheckoutKey: CheckoutKey,
		CheckoutID:  s.ID,
		Time:        unix(paidAt, s.Created),
	}
	switch {
	case s.Invoice != nil && s.Invoice.ID != "":
		p.ID = s.Invoice.ID
	case s.PaymentIntent != nil && s.PaymentIntent.ID != "":
		p.ID = s.PaymentIntent.ID
	}
	if s.CustomerDetails != nil {
		p.Email, p.Name = s.CustomerDetails.Email, s.CustomerDetails.Name
	}
	if p.Email == "" {
		p.Email = s.CustomerEmail
	}
	if s.Customer != nil {
		p.CustomerID = s.Customer.ID
	}
	return amount(p, s.AmountTotal, string(s.Currency))
}

// invoicePayment is a paid invoice's payment; ok false when it is not
// paid. legacyVisitor is the visitor id of an old API version's
// subscription_details, "" if none.
func invoicePayment(in *stripego.Invoice, legacyVisitor string) (integrations.Payment, bool, error) {
	if in.Status != stripego.InvoiceStatusPaid {
		return integrations.Payment{}, false, nil
	}
	p := integrations.Payment{
		ID:        in.ID,
		Renewal:   in.BillingReason == stripego.InvoiceBillingReasonSubscriptionCycle,
		VisitorID: in.Metadata[VisitorKey],
		Email:     in.CustomerEmail,
		Name:      in.CustomerName,
		Time:      unix(0, in.Created),
	}
	if in.StatusTransitions != nil {
		p.Time = unix(in.StatusTransitions.PaidAt, in.Created)
	}
	if p.VisitorID == "" && in.Parent != nil && in.Parent.SubscriptionDetails != nil {
		p.VisitorID = in.Parent.SubscriptionDetails.Metadata[VisitorKey]
	}
	if p.VisitorID == "" {
		p.VisitorID = legacyVisitor
	}
	if in.Customer != nil {
		p.CustomerID = in.Customer.ID
	}
	return amount(p, in.AmountPaid, string(in.Currency))
}

// chargeRefunds are the refunds in a refunded charge's refunds list.
func chargeRefunds(ch *stripego.Charge) ([]integrations.Payment, error) {
	if ch.Refunds == nil {
		return nil, nil
	}
	var payments []integrations.Payment
	for _, r := range ch.Refunds.Data {
		if r == nil {
			continue
		}
		p, ok, err := refundPayment(r, ch)
		if err != nil {
			return nil, err
		}
		if ok {
			payments = append(payments, p)
		}
	}
	return payments, nil
}

// refundPayment is a refund, of charge ch when known (its metadata and
// billing details name the visitor and the customer); ok false for a
// refund that failed or was canceled.
func refundPayment(r *stripego.Refund, ch *stripego.Charge) (integrations.Payment, bool, error) {
	if r.Status == stripego.RefundStatusFailed || r.Status == stripego.RefundStatusCanceled {
		return integrations.Payment{}, false, nil
	}
	p := integrations.Payment{
		ID:        r.ID,
		Refund:    true,
		VisitorID: r.Metadata[VisitorKey],
		Time:      unix(0, r.Created),
	}
	if ch != nil {
		if p.VisitorID == "" {
			p.VisitorID = ch.Metadata[VisitorKey]
		}
		if ch.BillingDetails != nil {
			p.Email, p.Name = ch.BillingDetails.Email, ch.BillingDetails.Name
		}
		if ch.Customer != nil {
			p.CustomerID = ch.Customer.ID
		}
	}
	return amount(p, r.Amount, string(r.Currency))
}

// amount sets p's amount and currency, refusing what Stripe never sends:
// no id, a negative amount, a currency that is not three letters.
func amount(p integrations.Payment, minor int64, currency string) (integrations.Payment, bool, error) {
	if p.ID == "" {
		return p, false, integrations.Invalidf("A Stripe payment has no id.")
	}
	if minor < 0 {
		return p, false, integrations.Invalidf("The Stripe payment %s has a negative amount.", p.ID)
	}
	if len(currency) != 3 || strings.Trim(strings.ToLower(currency), "abcdefghijklmnopqrstuvwxyz") != "" {
		return p, false, integrations.Invalidf("The Stripe payment %s has no valid currency.", p.ID)
	}
	p.Currency = strings.ToUpper(currency)
	p.Amount = integrations.MajorUnits(minor, p.Currency)
	return p, true, nil
}

// unix is the time of the first non-zero Unix timestamp of ts, UTC; the
// zero time if none.
func unix(ts ...int64) time.Time {
	for _, t := range ts {
		if t != 0 {
			return time.Unix(t, 0).UTC()
		}
	}
	return time.Time{}
}
