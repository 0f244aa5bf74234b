package wire

// The analytics reads of the Website API (/api/v1/analytics). Their rows
// hold the fields the request asked for (?fields=) and no others: every
// member is a pointer with omitempty, nil for a field not asked for.

// Metadata is the data[0] of GET /api/v1/analytics/metadata. A field not
// asked for is a nil outer pointer (omitted); a nullable field asked for
// and unset is a non-nil pointer to nil (null). That is for encoding:
// decoding leaves a null member a nil outer pointer, as if absent. The
// server writes the fields in the order of ?fields=; this type has the
// order of all fields, the answer when ?fields= is not given.
type Metadata struct {
	Domain         *string  `json:"domain,omitempty"`
	Timezone       *string  `json:"timezone,omitempty"`
	Name           **string `json:"name,omitempty"`
	Logo           **string `json:"logo,omitempty"` // always null: openfast keeps no logo
	KPIColorScheme **string `json:"kpiColorScheme,omitempty"`
	KPI            **string `json:"kpi,omitempty"`
	Currency       *string  `json:"currency,omitempty"`
}

// Overview is the data[0] of GET /api/v1/analytics/overview.
type Overview struct {
	AvgSessionDuration *float64 `json:"avg_session_duration,omitempty"` // ms, two decimals
	BounceRate         *float64 `json:"bounce_rate,omitempty"`          // percent, two decimals
	ConversionRate     *float64 `json:"conversion_rate,omitempty"`      // percent, two decimals
	Currency           *string  `json:"currency,omitempty"`
	Payments           *int64   `json:"payments,omitempty"`
	Revenue            *float64 `json:"revenue,omitempty"`
	RevenuePerVisitor  *float64 `json:"revenue_per_visitor,omitempty"`
	Sessions           *int64   `json:"sessions,omitempty"`
	Visitors           *int64   `json:"visitors,omitempty"`
}

// Timeseries is the whole answer of GET /api/v1/analytics/timeseries: the
// envelope's status, the request's echo, totals over the whole range, the
// page of buckets (never null) and its pagination.
type Timeseries struct {
	Status     string           `json:"status"`
	Fields     []string         `json:"fields"`
	Interval   string           `json:"interval"` // hour, day, week or month
	Timezone   string           `json:"timezone"`
	Currency   string           `json:"currency"`
	Totals     TimeseriesTotals `json:"totals"`
	Data       []TimeseriesRow  `json:"data"`
	Pagination Pagination       `json:"pagination"`
}

// TimeseriesTotals are the metric fields asked for, over the whole range
// of a Timeseries.
type TimeseriesTotals struct {
	ConversionRate   *float64          `json:"conversion_rate,omitempty"`
	Payments         *int64            `json:"payments,omitempty"`
	Revenue          *float64          `json:"revenue,omitempty"`
	RevenueBreakdown *RevenueBreakdown `json:"revenueBreakdown,omitempty"` // with revenue
	Sessions         *int64            `json:"sessions,omitempty"`
	Visitors         *int64            `json:"visitors,omitempty"`
}

// RevenueBreakdown splits revenue, in the website's currency with two
// decimals: new payments (free trials add 0), renewals (counted in revenue
// only when the website has includeRenewalRevenue) and refunds (0 or
// less).
type RevenueBreakdown struct {
	New     float64 `json:"new"`
	Renewal float64 `json:"renewal"`
	Refund  float64 `json:"refund"`
}

// TimeseriesRow is one bucket of a Timeseries: its label, its start (ISO
// 8601 with the timezone's offset, 2025-12-17T00:00:00+05:30) and the
// metric fields asked for.
type TimeseriesRow struct {
	ConversionRate   *float64          `json:"conversion_rate,omitempty"`
	Name             string            `json:"name"` // 17 Dec, 17 Dec 14:00 or Dec 2025
	Payments         *int64            `json:"payments,omitempty"`
	Revenue          *float64          `json:"revenue,omitempty"`
	RevenueBreakdown *RevenueBreakdown `json:"revenueBreakdown,omitempty"` // with revenue
	Sessions         *int64            `json:"sessions,omitempty"`
	Timestamp        string            `json:"timestamp"`
	Visitors         *int64            `json:"visitors,omitempty"`
}

// Realtime is the data[0] of GET /api/v1/analytics/realtime: the visitors
// with an event in the last 10 minutes.
type Realtime struct {
	Visitors int64 `json:"visitors"`
}

// BreakdownRow is a row of the breakdowns, GET /api/v1/analytics/{report},
// in a Paged[BreakdownRow, Pagination]. Each report has its key members
// and the metrics asked for:
//
//	pages              hostname, path, visitors, revenue, payments
//	referrers          referrer, visitors, revenue, payments
//	countries          country (full name), image (flag URL), visitors, revenue, payments
//	regions            region, visitors, revenue, payments
//	cities             city, visitors, revenue, payments
//	browsers           browser, visitors, revenue, payments
//	operating-systems  operating_system, visitors, revenue, payments
//	devices            device, visitors, revenue, payments
//	hostnames          hostname, visitors, revenue, payments
//	campaigns          campaign (always), visitors, revenue, payments
//	goals              goal, completions, visitors
type BreakdownRow struct {
	Browser         *string   `json:"browser,omitempty"`
	Campaign        *Campaign `json:"campaign,omitempty"`
	City            *string   `json:"city,omitempty"`
	Completions     *int64    `json:"completions,omitempty"`
	Country         *string   `json:"country,omitempty"`
	Device          *string   `json:"device,omitempty"`
	Goal            *string   `json:"goal,omitempty"`
	Hostname        *string   `json:"hostname,omitempty"`
	Image           *string   `json:"image,omitempty"`
	OperatingSystem *string   `json:"operating_system,omitempty"`
	Path            *string   `json:"path,omitempty"`
	Payments        *int64    `json:"payments,omitempty"`
	Referrer        *string   `json:"referrer,omitempty"`
	Region          *string   `json:"region,omitempty"`
	Revenue         *float64  `json:"revenue,omitempty"`
	Visitors        *int64    `json:"visitors,omitempty"`
}

// Campaign is the key of a campaigns row: the campaign parameters asked
// for (all eight when none is), "" when absent.
type Campaign struct {
	Ref         *string `json:"ref,omitempty"`
	Source      *string `json:"source,omitempty"`
	UTMCampaign *string `json:"utm_campaign,omitempty"`
	UTMContent  *string `json:"utm_content,omitempty"`
	UTMMedium   *string `json:"utm_medium,omitempty"`
	UTMSource   *string `json:"utm_source,omitempty"`
	UTMTerm     *string `json:"utm_term,omitempty"`
	Via         *string `json:"via,omitempty"`
}
