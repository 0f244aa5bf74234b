package openfast

import (
	"context"
	"time"
)

// MetadataDump is a metadata store's whole content, row for row, as
// `openfast admin migrate` copies it from one store to another. Identifiers,
// hashes and times are kept, so that every key and token keeps working.
type MetadataDump struct {
	Users        []*User
	Websites     []*Website
	Members      []*Membership
	Invitations  []*DumpedInvitation
	APIKeys      []*APIKey
	AccessTokens []*AccessToken
	AuditLog     []*AuditEntry // in id order
	// PaymentClaims, by website and transaction id: the copy refuses the
	// payments the source has recorded, as the source does.
	PaymentClaims []*PaymentClaim
	// MailClaims and MailOptOuts: the copy sends no report or alert twice,
	// and none to whom opted out. MailKey signs the unsubscribe links
	// already sent, so that they keep working (nil: none made yet).
	MailClaims  []*MailClaim
	MailOptOuts []*MailOptOut
	MailKey     []byte
	// PasswordHashes are the users' dashboard passwords (argon2id hashes),
	// by user id. Sessions are not copied: people sign in again.
	PasswordHashes map[string]string
	// GoalCustomizations, by website and goal name.
	GoalCustomizations []*GoalCustomization
	// Alerts and AlertLogs are the websites' alerts and their history.
	Alerts    []*Alert
	AlertLogs []*AlertLog
	// Funnels, active and inactive.
	Funnels []*Funnel
	// Integrations are the websites' connections to payment providers,
	// their credentials sealed as stored (the copy needs the same secret
	// key to open them).
	Integrations []*Integration
	// CredentialUsage is the keys' and tokens' requests per day.
	CredentialUsage []CredentialUsage
}

// Membership is one member row: a user's role on a website.
type Membership struct {
	WebsiteID string
	UserID    string
	Role      Role
	JoinedAt  time.Time
}

// DumpedInvitation is an invitation with its acceptance time (nil while
// pending).
type DumpedInvitation struct {
	Invitation
	AcceptedAt *time.Time
}

// Counts returns the dump's rows by table.
func (d *MetadataDump) Counts() map[string]int {
	return map[string]int{
		"users": len(d.Users), "websites": len(d.Websites), "members": len(d.Members), "invitations": len(d.Invitations),
		"apiKeys": len(d.APIKeys), "accessTokens": len(d.AccessTokens), "auditLog": len(d.AuditLog),
		"paymentClaims": len(d.PaymentClaims), "goalCustomizations": len(d.GoalCustomizations),
		"alerts": len(d.Alerts), "alertLogs": len(d.AlertLogs),
		"mailClaims": len(d.MailClaims), "mailOptOuts": len(d.MailOptOuts), "mailKeys": min(len(d.MailKey), 1),
		"funnels": len(d.Funnels), "integrations": len(d.Integrations),
		"credentialUsage": len(d.CredentialUsage),
	}
}

// Rows is the number of rows in the dump.
func (d *MetadataDump) Rows() int {
	n := 0
	for _, c := range d.Counts() {
		n += c
	}
	return n
}

// MetadataCopier is implemented by the metadata stores that `openfast admin
// migrate` reads from or writes to.
type MetadataCopier interface {
	// ExportMetadata reads every row.
	ExportMetadata(ctx context.Context) (*MetadataDump, error)
	// ImportMetadata inserts the dump's rows in one transaction, skipping
	// each row whose primary key is already there, so that importing the
	// same dump twice changes nothing. It returns how many rows it inserted.
	ImportMetadata(ctx context.Context, d *MetadataDump) (int, error)
}

// EventHour is one UTC hour of a store's events and how many there are.
type EventHour struct {
	Start  time.Time
	Events int64
}

// EventExporter is implemented by the event stores that `openfast admin
// migrate` reads from. Events are read an hour at a time: an hour's events
// are a fixed set, so a migration that stopped can resume at the next hour.
type EventExporter interface {
	// EventHours lists the UTC hours that have events, in order.
	EventHours(ctx context.Context) ([]EventHour, error)
	// ExportEvents returns the events of the UTC hour that starts at start.
	ExportEvents(ctx context.Context, start time.Time) ([]Event, error)
}
