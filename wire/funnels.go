package wire

// Funnel is a funnel of the Account API (§6.13), as listed, created and
// updated. windowDays is openfast's: the days a visitor has from one
// step to the next in the funnel's results.
type Funnel struct {
	ID         string          `json:"_id"`
	WebsiteID  string          `json:"websiteId"`
	Name       string          `json:"name"`
	Slug       string          `json:"slug"`
	Steps      []FunnelStepDef `json:"steps"`
	WindowDays int             `json:"windowDays"`
	IsActive   bool            `json:"isActive"`
	CreatedAt  string          `json:"createdAt"`
}

// FunnelStepDef is a step of a Funnel: url for pageview steps, goalName
// for goal steps.
type FunnelStepDef struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	URL      *string `json:"url,omitempty"`
	GoalName *string `json:"goalName,omitempty"`
}
