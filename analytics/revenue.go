package analytics

import (
	"context"
	"math"
	"slices"

	"github.com/openfast/openfast/wire"
)

// Revenue, as the read endpoints report it:
//   - every payment is converted from the currency it was paid in to the
//     website's currency at the rate of its UTC day (Rates), when it is
//     read: changing the website's currency changes every figure, old
//     ones too. Each (currency, day, kind) sum is converted and rounded to
//     the cent, then the sums are added;
//   - revenue is new payments plus refunds (0 or less), plus renewals when
//     the website has includeRenewalRevenue; payments counts every
//     payment, free trials (amount 0) too;
//   - conversion_rate is the percentage of the visitors counted who made a
//     payment in the range (customers), renewals only with
//     includeRenewalRevenue; revenue_per_visitor is revenue / visitors.

// Rates converts amounts between currencies.
type Rates interface {
	// Rate returns what one unit of from is worth in to on day (days since
	// 1970-01-01, UTC), and false when either currency has no rate then.
	Rate(from, to string, day int64) (float64, bool)
}

// money are the revenue sums of a bucket or a range, in cents of the
// website's currency.
type money struct {
	payments              int64
	new, renewal, refund  int64
	rowsWithoutConversion int64 // sums kept in their own currency: no rate
}

// revenueCents is the revenue of m, with or without renewals.
func (m money) revenueCents(includeRenewals bool) int64 {
	c := m.new + m.refund
	if includeRenewals {
		c += m.renewal
	}
	return c
}

func (m money) breakdown() *wire.RevenueBreakdown {
	return &wire.RevenueBreakdown{New: Money(m.new), Renewal: Money(m.renewal), Refund: Money(m.refund)}
}

// convert returns cents of from in to on day, rounded to the cent, and
// false when there is no rate (the cents are returned as they are).
func (s *Service) convert(cents int64, from, to string, day int64) (int64, bool) {
	if from == to || s.Rates == nil || cents == 0 {
		return cents, true
	}
	rate, ok := s.Rates.Rate(from, to, day)
	if !ok {
		return cents, false
	}
	return int64(math.Round(float64(cents) * rate)), true
}

// sumMoney converts and sums revenue rows by key.
func (s *Service) sumMoney(rows []RevenueRow, currency string) map[int64]*money {
	out := map[int64]*money{}
	for _, x := range rows {
		m := out[x.Key]
		if m == nil {
			m = &money{}
			out[x.Key] = m
		}
		m.payments += x.Payments
		c, ok := s.convert(x.Cents, x.Currency, currency, x.Day)
		if !ok {
			m.rowsWithoutConversion++
		}
		switch x.Kind {
		case KindRenewal:
			m.renewal += c
		case KindRefund:
			m.refund += c
		default:
			m.new += c
		}
	}
	return out
}

// wantsMoney reports whether fields need the revenue rows.
func wantsMoney(fields []string) bool {
	return slices.Contains(fields, "revenue") || slices.Contains(fields, "payments") || slices.Contains(fields, "revenue_per_visitor")
}

// totalMoney is the money of a request's whole range.
func (s *Service) totalMoney(ctx context.Context, r Request, currency string) (money, error) {
	rows, err := s.Store.Revenue(ctx, r, nil)
	if err != nil {
		return money{}, err
	}
	if m := s.sumMoney(rows, currency)[0]; m != nil {
		return *m, nil
	}
	return money{}, nil
}
