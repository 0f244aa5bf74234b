package stripe

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/openfast/openfast/integrations"
)

// pageSize is the limit of every list request.
const pageSize = 100

// The lists Sync reads, in this order: sessions before invoices, so that a
// subscription's first payment comes with its session's visitor.
const (
	listSessions = iota
	listInvoices
	listRefunds
	listCount
)

// lookback is how far before a pass's start each list is read again: the
// lists are filtered on created, and a Checkout Session is complete up to
// 24 hours after it was created (when it expires), an invoice is paid
// after it was drafted (an hour for a renewal, days when a payment is
// retried), a refund at once. What is read again is recorded once.
var lookback = [listCount]time.Duration{
	listSessions: 25 * time.Hour,
	listInvoices: 72 * time.Hour,
	listRefunds:  10 * time.Minute,
}

// cursor is where Sync is: a pass reads each list, in order, for objects
// created from From (less the lookback when Back) up to Upto, a page per
// call, newest first (as Stripe lists them), After being the last id read
// of list List. A pass that has not begun has Upto 0.
type cursor struct {
	List  int
	From  int64
	Upto  int64
	Back  bool
	After string
}

// String encodes c as "list.from.upto.back.after".
func (c cursor) String() string {
	back := 0
	if c.Back {
		back = 1
	}
	return fmt.Sprintf("%d.%d.%d.%d.%s", c.List, c.From, c.Upto, back, c.After)
}

func parseCursor(s string) (cursor, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 5 {
		return cursor{}, fmt.Errorf("stripe sync cursor %q: not list.from.upto.back.after", s)
	}
	var c cursor
	var nums [4]int64
	for i := range nums {
		n, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || n < 0 {
			return cursor{}, fmt.Errorf("stripe sync cursor %q: part %d is not a number", s, i+1)
		}
		nums[i] = n
	}
	if nums[0] >= listCount || nums[3] > 1 {
		return cursor{}, fmt.Errorf("stripe sync cursor %q: out of range", s)
	}
	c.List, c.From, c.Upto, c.Back, c.After = int(nums[0]), nums[1], nums[2], nums[3] == 1, parts[4]
	return c, nil
}

// Sync reads Stripe's lists of complete Checkout Sessions, paid invoices
// and refunds created since the cursor (since, when the cursor is ""),
// mapped as Webhook maps their events, so that a payment seen both ways
// has one id. A call reads a page of 100 of a list and goes on to the next
// list when that one is done; each page's payments come oldest first.
// more is true when a list has more pages; when all three are read, the
// next cursor begins a new pass from where this one ended, reading again
// what may have been paid since (see lookback).
func (p *Provider) Sync(ctx context.Context, c integrations.Credentials, cur string, since time.Time) ([]integrations.Payment, string, bool, error) {
	var k cursor
	if cur == "" {
		k = cursor{From: max(since.Unix(), 0)}
	} else {
		var err error
		if k, err = parseCursor(cur); err != nil {
			return nil, "", false, err
		}
	}
	if k.Upto == 0 {
		k.Upto = max(p.now().Unix(), k.From)
	}
	backend := p.backend()
	var payments []integrations.Payment
	for k.List < listCount {
		from := k.From
		if k.Back {
			from = max(from-int64(lookback[k.List]/time.Second), 0)
		}
		page, last, more, err := p.readPage(ctx, backend, c.APIKey, k.List, from, k.Upto, k.After)
		if err != nil {
			return nil, "", false, err
		}
		payments = append(payments, page...)
		if more {
			k.After = last
			return payments, k.String(), true, nil
		}
		k.List, k.After = k.List+1, ""
	}
	next := cursor{List: listSessions, From: k.Upto, Back: true}
	return payments, next.String(), false, nil
}

// readPage reads one page of list, created in [from, upto], after the id
// after ("" for the first page), and maps it, oldest first. last is the
// id of the page's last (oldest) object; more is Stripe's has_more.
func (p *Provider) readPage(ctx context.Context, backend *stripego.Backends, key string, list int, from, upto int64, after string) ([]integrations.Payment, string, bool, error) {
	lp := stripego.ListParams{Context: ctx, Limit: stripego.Int64(pageSize)}
	if after != "" {
		lp.StartingAfter = stripego.String(after)
	}
	created := &stripego.RangeQueryParams{GreaterThanOrEqual: from, LesserThanOrEqual: upto}
	switch list {
	case listSessions:
		params := &stripego.CheckoutSessionListParams{ListParams: lp, CreatedRange: created, Status: stripego.String(string(stripego.CheckoutSessionStatusComplete))}
		return readList(backend, key, "/v1/checkout/sessions", "Checkout Sessions", params,
			func(s *stripego.CheckoutSession) string { return s.ID },
			func(s *stripego.CheckoutSession) (integrations.Payment, bool, error) {
				if s.Status != stripego.CheckoutSessionStatusComplete {
					return integrations.Payment{}, false, nil
				}
				return sessionPayment(s, 0)
			})
	case listInvoices:
		params := &stripego.InvoiceListParams{ListParams: lp, CreatedRange: created, Status: stripego.String(string(stripego.InvoiceStatusPaid))}
		return readList(backend, key, "/v1/invoices", "Invoices", params,
			func(in *stripego.Invoice) string { return in.ID },
			func(in *stripego.Invoice) (integrations.Payment, bool, error) { return invoicePayment(in, "") })
	default:
		params := &stripego.RefundListParams{ListParams: lp, CreatedRange: created}
		params.AddExpand("data.charge")
		return readList(backend, key, "/v1/refunds", "Charges and Refunds", params,
			func(r *stripego.Refund) string { return r.ID },
			func(r *stripego.Refund) (integrations.Payment, bool, error) { return refundPayment(r, r.Charge) })
	}
}

// listOf is a page of a Stripe list of T.
type listOf[T any] struct {
	stripego.APIResource
	stripego.ListMeta
	Data []*T `json:"data"`
}

// readList reads a page of the list of what at path and maps each object
// with mapping; an object that cannot be mapped is left out, not the sync.
// The payments come oldest first; last is the id of the page's last
// object.
func readList[T any](backend *stripego.Backends, key, path, what string, params stripego.ListParamsContainer,
	id func(*T) string, mapping func(*T) (integrations.Payment, bool, error)) (payments []integrations.Payment, last string, more bool, err error) {
	var page listOf[T]
	if err := listPage(backend, path, key, params, &page); err != nil {
		return nil, "", false, apiError("list Stripe "+what, what, key, err)
	}
	for _, obj := range page.Data {
		if obj == nil {
			continue
		}
		last = id(obj)
		if pay, ok, err := mapping(obj); ok && err == nil {
			payments = append(payments, pay)
		}
	}
	if page.HasMore && last == "" {
		return nil, "", false, fmt.Errorf("list Stripe %s: a page with more after it but no ids", what)
	}
	slices.Reverse(payments)
	return payments, last, page.HasMore, nil
}
