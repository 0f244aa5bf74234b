package wire

// FunnelResult is the data[0] of GET /api/v1/analytics/funnels/{funnelId}.
// The DataFast docs describe the answer only in prose (visitors per step,
// drop-off, revenue, overall conversion rate); these keys are openfast's,
// named like the other analytics reads (snake_case figures), with each
// step's definition as in the funnel object (§6.13). Rates are percents
// with two decimals; revenue is in the website's currency.
type FunnelResult struct {
	FunnelID       string       `json:"funnelId"`
	Name           string       `json:"name"`
	WindowDays     int          `json:"window_days"`     // the most days from one step to the next
	Visitors       int64        `json:"visitors"`        // visitors who reached the first step
	Conversions    int64        `json:"conversions"`     // visitors who reached the last step
	ConversionRate float64      `json:"conversion_rate"` // conversions / visitors
	Revenue        float64      `json:"revenue"`         // revenue of the visitors who reached the last step
	Currency       string       `json:"currency"`
	Steps          []FunnelStep `json:"steps"`
}

// FunnelStep is one step of a FunnelResult.
type FunnelStep struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Type     string  `json:"type"` // "pageview" or "goal"
	URL      *string `json:"url,omitempty"`
	GoalName *string `json:"goalName,omitempty"`

	Visitors                int64    `json:"visitors"`                     // reached this step, in order
	ConversionRate          float64  `json:"conversion_rate"`              // from the previous step (100 for the first, 0 when nobody reached it)
	ConversionRateFromStart float64  `json:"conversion_rate_from_start"`   // from the first step
	DropOff                 int64    `json:"drop_off"`                     // reached the previous step, not this one (0 for the first)
	DropOffRate             float64  `json:"drop_off_rate"`                // drop_off / previous step's visitors
	MedianSecondsFromPrev   *float64 `json:"median_seconds_from_previous"` // null for the first step, or when nobody reached it
	Revenue                 float64  `json:"revenue"`                      // payments in the range of the visitors who reached this step
}
