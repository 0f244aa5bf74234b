package openfast

import (
	"context"
	"errors"
	"math"
	"time"
)

// EventType is the kind of a tracked event.
type EventType uint8

// Event types, as the tracker names them.
const (
	EventPageview     EventType = 1
	EventCustom       EventType = 2 // a goal
	EventIdentify     EventType = 3
	EventPayment      EventType = 4
	EventExternalLink EventType = 5
	// EventPaymentHint is the tracker's "payment" event
	// (window.datafast("payment", {email}), or a checkout id found in the
	// page URL): not a payment, but a hint that links the visitor to a
	// customer, so that a server-side payment with that customer's email
	// and no visitor id is attributed to the visitor. Only server-side
	// payments (EventPayment) count as payments, revenue or conversions.
	EventPaymentHint EventType = 6
)

var eventTypeNames = [...]string{EventPageview: "pageview", EventCustom: "custom", EventIdentify: "identify", EventPayment: "payment", EventExternalLink: "external_link", EventPaymentHint: "payment_hint"}

// String returns the tracker's name of the type.
func (t EventType) String() string {
	if int(t) < len(eventTypeNames) && eventTypeNames[t] != "" {
		return eventTypeNames[t]
	}
	return "unknown"
}

// ParseEventType reads a tracker type name ("payment" is EventPayment; the
// ingest stores the tracker's payments as EventPaymentHint).
func ParseEventType(s string) (EventType, bool) {
	for t, name := range eventTypeNames {
		if name != "" && name == s && EventType(t) != EventPaymentHint {
			return EventType(t), true
		}
	}
	return 0, false
}

// UUID is a 128-bit identifier: visitor and session ids are kept in this
// form, which stores and counts (DISTINCT) far more cheaply than strings.
type UUID [16]byte

// ParseUUID reads the canonical 8-4-4-4-12 hex form (any version, any case).
func ParseUUID(s string) (UUID, bool) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++ // a dash, checked above
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return UUID{}, false
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String returns the canonical lower-case form.
func (u UUID) String() string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, 36)
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexdigits[c>>4], hexdigits[c&0xf]
		j += 2
	}
	return string(b)
}

// Event is one tracked event, enriched and ready to store.
type Event struct {
	WebsiteID string
	Time      time.Time // UTC
	Type      EventType
	VisitorID UUID
	SessionID UUID

	Hostname string
	Path     string
	// The session's first pageview: its path and referrer name.
	EntryPath       string
	SessionReferrer string

	Referrer     string // normalized name: "Direct/None", "Google", or a hostname
	ReferrerHost string

	UTMSource, UTMMedium, UTMCampaign, UTMTerm, UTMContent string
	Ref, Source, Via                                       string

	CountryCode, Region, City string // ISO 3166-1 code; English names of region and city
	Coordinates               Coordinates
	Browser, OS, Device       string

	ScreenWidth, ScreenHeight     uint16
	ViewportWidth, ViewportHeight uint16
	Language                      string

	Goal       string // custom events: the goal name
	Props      string // JSON object of the event's parameters ("" for none)
	AdClickIDs string // JSON object of the ad click ids in the page URL ("" for none)

	// Payments.
	RevenueCents int64
	Currency     string

	EventID       string // ObjectId of a server-side event; "" for tracker events
	TransactionID string // payments: the provider's transaction id
}

// Coordinates are where a GeoIP database places an address, in degrees,
// rounded to 2 decimals (about 1 km, as precise as such a database is);
// stores keep no more. Known is false when the place is unknown (the zero
// value): 0,0 is a place too, and never stands for unknown.
type Coordinates struct {
	Latitude, Longitude float64
	Known               bool
}

// CoordinatesOf rounds a latitude and a longitude to 2 decimals. Values
// out of range, and 0,0 (what a database without coordinates gives), are
// unknown.
func CoordinatesOf(latitude, longitude float64) Coordinates {
	lat, lon := math.Round(latitude*100)/100, math.Round(longitude*100)/100
	if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) || lat == 0 && lon == 0 {
		return Coordinates{}
	}
	return Coordinates{Latitude: lat + 0, Longitude: lon + 0, Known: true} // + 0: no -0

}

// EventWriter commits events durably, one submitter at a time (the
// ingest writer's group commit).
type EventWriter interface {
	// Submit returns nil once the event is durable.
	Submit(ctx context.Context, ev Event) error
	// Sync returns once every event acknowledged before the call can be
	// read from the event store.
	Sync(ctx context.Context) error
}

// EventDeletion selects events to delete: of one type on one website,
// narrowed by whichever of the other fields are set. Zero times are
// unbounded.
type EventDeletion struct {
	WebsiteID     string
	Type          EventType
	Visitor       *UUID
	Goal          string
	TransactionID string
	Start, End    time.Time
}

// CheckBatch refuses what EventStore.InsertBatch cannot record: a batch
// without a journal name or numbered 0 (journals number from 1).
func CheckBatch(journal string, seq uint64) error {
	if seq == 0 {
		return errors.New("journal batch numbers start at 1")
	}
	if journal == "" {
		return errors.New("a journal batch needs the journal's name")
	}
	return nil
}

// EventStore stores events. Analytics queries over it come with the
// analytics package.
type EventStore interface {
	// InsertEvents stores a batch, all of it or nothing. When it returns nil
	// the events are durable.
	InsertEvents(ctx context.Context, events []Event) error
	// InsertBatch stores batch number seq of the named ingest journal and
	// records seq as that journal's last batch stored, atomically. A batch
	// whose number is not above the last one recorded is already stored: it
	// is skipped and InsertBatch returns nil. Each server has its own
	// journal, so several servers can load into one store.
	InsertBatch(ctx context.Context, journal string, seq uint64, events []Event) error
	// LastBatch returns the number of the named journal's last batch
	// stored, 0 if none.
	LastBatch(ctx context.Context, journal string) (uint64, error)
	// CountEvents returns how many events a website has (all types).
	CountEvents(ctx context.Context, websiteID string) (int64, error)
	// HasPageview reports whether a visitor has a pageview on a website.
	HasPageview(ctx context.Context, websiteID string, visitor UUID) (bool, error)
	// PaymentExists reports whether a website has a payment with this
	// transaction id.
	PaymentExists(ctx context.Context, websiteID, transactionID string) (bool, error)
	// VisitorByEmail returns the visitor of the website's latest payment
	// hint or identify event whose props carry this email (compared
	// without case), and false when there is none.
	VisitorByEmail(ctx context.Context, websiteID, email string) (UUID, bool, error)
	// VisitorByPaymentHint returns the visitor of the website's latest
	// payment hint (the tracker's payment event) whose props carry key
	// with this value, exactly (stripe_session_id, polar_checkout_id,
	// lemonsqueezy_order_id: the checkout the visitor came back from), and
	// false when there is none. key is [a-z0-9_]+.
	VisitorByPaymentHint(ctx context.Context, websiteID, key, value string) (UUID, bool, error)
	// DeleteEvents deletes the selected events and returns how many.
	DeleteEvents(ctx context.Context, d EventDeletion) (int64, error)
	// PaymentTransactionIDs returns the distinct transaction ids of the
	// payments that DeleteEvents would delete with d (d.Type is taken to
	// be EventPayment), so that their claims can be released. Payments
	// without a transaction id are left out.
	PaymentTransactionIDs(ctx context.Context, d EventDeletion) ([]string, error)
	Close() error
}

// ValidPaymentHintKey reports whether key can name a payment hint
// property: 1 to 64 of a-z, 0-9 and _.
func ValidPaymentHintKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
