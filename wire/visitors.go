package wire

import "encoding/json"

// The visitor reads of the Website API: the visitors list, one visitor and
// the realtime map.

// VisitorRow is a row of GET /api/v1/visitors, in a
// Paged[VisitorRow, VisitorsPagination].
type VisitorRow struct {
	VisitorID   string          `json:"visitorId"`
	LastSeenAt  string          `json:"lastSeenAt"`
	CurrentURL  string          `json:"currentUrl"` // hostname + path, no scheme
	Identity    VisitorIdentity `json:"identity"`
	Acquisition Acquisition     `json:"acquisition"`
}

// VisitorIdentity is the identity of a VisitorRow: flat strings, "" when
// unknown.
type VisitorIdentity struct {
	Country string `json:"country"` // ISO code
	Region  string `json:"region"`
	City    string `json:"city"`
	Browser string `json:"browser"`
	OS      string `json:"os"`
	Device  string `json:"device"`
}

// Acquisition is how a VisitorRow's visitor came: its first pageview's
// session referrer and campaign parameters ("" when absent).
type Acquisition struct {
	Referrer    string `json:"referrer"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
	UTMTerm     string `json:"utm_term"`
	UTMContent  string `json:"utm_content"`
	Ref         string `json:"ref"`
	Source      string `json:"source"`
	Via         string `json:"via"`
}

// CampaignParams are the campaign parameters of a page URL, null when
// absent, in the order of the spec: the params of ProfileIdentity and
// MapVisitor.
type CampaignParams struct {
	Ref         *string `json:"ref"`
	Source      *string `json:"source"`
	Via         *string `json:"via"`
	UTMSource   *string `json:"utm_source"`
	UTMMedium   *string `json:"utm_medium"`
	UTMCampaign *string `json:"utm_campaign"`
	UTMContent  *string `json:"utm_content"`
	UTMTerm     *string `json:"utm_term"`
}

// Software is a browser or an operating system of ProfileIdentity;
// openfast keeps no version (always null).
type Software struct {
	Name    *string `json:"name"`
	Version *string `json:"version"`
}

// DeviceInfo is the device of ProfileIdentity; openfast keeps its type
// only (vendor and model are always null).
type DeviceInfo struct {
	Type   *string `json:"type"`
	Vendor *string `json:"vendor"`
	Model  *string `json:"model"`
}

// Viewport is a window size in pixels, null when unknown.
type Viewport struct {
	Width  *int `json:"width"`
	Height *int `json:"height"`
}

// ProfileIdentity is the identity of a VisitorProfile: its latest
// pageview, with the campaign of its first.
type ProfileIdentity struct {
	Country     *string         `json:"country"` // full name
	CountryCode *string         `json:"countryCode"`
	Region      *string         `json:"region"`
	City        *string         `json:"city"`
	Params      CampaignParams  `json:"params"`
	AdClickIDs  json.RawMessage `json:"adClickIds"` // an object of strings, {} for none
	Browser     Software        `json:"browser"`
	OS          Software        `json:"os"`
	Device      DeviceInfo      `json:"device"`
	Viewport    Viewport        `json:"viewport"`
}

// VisitedPage is an entry of ProfileActivity.VisitedPages.
type VisitedPage struct {
	URL       string `json:"url"`
	Timestamp string `json:"timestamp"`
}

// CompletedGoal is an entry of ProfileActivity.CompletedGoals. A payment
// entry also has the payment as it was recorded: its amount in major units
// of its currency (negative for a refund), its currency and whether it is
// a renewal or a refund; the other entries have none of these members.
type CompletedGoal struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	IsServer    bool     `json:"isServer"`
	Origin      string   `json:"origin"` // manual or payment_provider
	Timestamp   string   `json:"timestamp"`
	Amount      *float64 `json:"amount,omitempty"`
	Currency    *string  `json:"currency,omitempty"` // ISO code, as stored
	Renewal     *bool    `json:"renewal,omitempty"`
	Refunded    *bool    `json:"refunded,omitempty"`
}

// ProfileActivity is the activity of a VisitorProfile. The lists are never
// null.
type ProfileActivity struct {
	VisitCount            int64           `json:"visitCount"`
	PageViewCount         int64           `json:"pageViewCount"`
	TimeSinceFirstVisit   int64           `json:"timeSinceFirstVisit"`   // ms
	TimeSinceCurrentVisit int64           `json:"timeSinceCurrentVisit"` // ms
	FirstVisitAt          string          `json:"firstVisitAt"`
	LastVisitAt           string          `json:"lastVisitAt"`
	CurrentURL            string          `json:"currentUrl"`
	VisitedPages          []VisitedPage   `json:"visitedPages"`
	CompletedGoals        []CompletedGoal `json:"completedGoals"`
}

// IdentifiedProfile is what the latest identify event of a VisitorProfile
// said.
type IdentifiedProfile struct {
	UserID       string         `json:"userId"`
	Metadata     map[string]any `json:"metadata"`
	IdentifiedAt string         `json:"identifiedAt"`
}

// VisitorProfile is the data (an object) of GET
// /api/v1/visitors/{visitorId}. Profile is absent when the visitor was
// never identified.
type VisitorProfile struct {
	VisitorID  string             `json:"visitorId"`
	Identity   ProfileIdentity    `json:"identity"`
	Activity   ProfileActivity    `json:"activity"`
	Profile    *IdentifiedProfile `json:"profile,omitempty"`
	Prediction *struct{}          `json:"prediction"` // always null: openfast makes no predictions
}

// RealtimeMap is the data (an object) of GET
// /api/v1/analytics/realtime/map. Its lists are never null.
type RealtimeMap struct {
	Count                    int64        `json:"count"`
	Visitors                 []MapVisitor `json:"visitors"`
	HasConversionPredictions bool         `json:"hasConversionPredictions"`
	RecentEvents             []MapEvent   `json:"recentEvents"`
	RecentPayments           []MapPayment `json:"recentPayments"`
}

// MapLocation is where a MapVisitor is.
type MapLocation struct {
	City        string `json:"city"`
	Region      string `json:"region"`
	CountryCode string `json:"countryCode"`
}

// Named is a {"name": ...} object of MapSystem.
type Named struct {
	Name string `json:"name"`
}

// Typed is a {"type": ...} object of MapSystem.
type Typed struct {
	Type string `json:"type"`
}

// MapSystem is a MapVisitor's software, in the nested form of the spec's
// example.
type MapSystem struct {
	Browser Named `json:"browser"`
	OS      Named `json:"os"`
	Device  Typed `json:"device"`
}

// ProfileData is what an identify event said of a MapVisitor.
type ProfileData struct {
	DisplayName  *string `json:"displayName"`
	UserID       *string `json:"userId"`
	HasProfile   bool    `json:"hasProfile"`
	IsRandomName bool    `json:"isRandomName"`
}

// MapVisitor is a visitor of RealtimeMap.
type MapVisitor struct {
	VisitorID            string         `json:"visitorId"`
	Location             MapLocation    `json:"location"`
	System               MapSystem      `json:"system"`
	CurrentURL           string         `json:"currentUrl"` // the path
	Referrer             *string        `json:"referrer"`   // null for Direct/None
	SessionStartTime     string         `json:"sessionStartTime"`
	VisitCount           int64          `json:"visitCount"`
	Params               CampaignParams `json:"params"`
	Latitude             *float64       `json:"latitude"`
	Longitude            *float64       `json:"longitude"`
	IsCustomer           bool           `json:"isCustomer"`
	CustomerName         *string        `json:"customerName"`
	CustomerEmail        *string        `json:"customerEmail"`
	ProfileData          ProfileData    `json:"profileData"`
	ConversionLikelihood *struct{}      `json:"conversionLikelihood"`
}

// MapEvent is a recent event of RealtimeMap.
type MapEvent struct {
	ID           string          `json:"_id"`  // the EventID of a server-side event, else ""
	Type         string          `json:"type"` // pageview, identify, payment, external_link, or the goal name
	VisitorID    *string         `json:"visitorId"`
	Timestamp    string          `json:"timestamp"`
	Path         string          `json:"path"`
	CountryCode  string          `json:"countryCode"`
	ExtraData    json.RawMessage `json:"extraData"`
	Referrer     *string         `json:"referrer"`
	CustomerName *string         `json:"customerName"`
	Amount       *float64        `json:"amount"`
	DisplayName  *string         `json:"displayName"`
}

// MapPayment is a recent payment of RealtimeMap.
type MapPayment struct {
	ID          string  `json:"_id"`
	Type        string  `json:"type"` // payment_received
	Timestamp   string  `json:"timestamp"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency"`
	Renewal     bool    `json:"renewal"`
	DisplayName *string `json:"displayName"`
	IsNew       bool    `json:"isNew"`
	Visible     bool    `json:"visible"`
}
