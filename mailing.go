package openfast

import (
	"context"
	"time"
)

// MailKind is a kind of scheduled mail a website sends its team, which a
// user can stop for one website (an opt-out).
type MailKind string

// The kinds of scheduled mail.
const (
	// MailWeekly is the weekly report, to everyone on the team
	// (sendWeeklyReports).
	MailWeekly MailKind = "weekly"
	// MailViral is the traffic-spike alert, to the owner
	// (sendViralTrafficAlerts).
	MailViral MailKind = "viral"
)

// MailKinds lists the kinds of scheduled mail.
var MailKinds = []MailKind{MailWeekly, MailViral}

// Valid reports whether k is one of MailKinds.
func (k MailKind) Valid() bool { return k == MailWeekly || k == MailViral }

// MaxMailError bounds MailClaim.Error.
const MaxMailError = 500

// MailClaim is a server's claim on one scheduled mail of a website: the
// weekly report of a week, or the traffic alert of a day. Of several
// servers sharing a store, the one whose claim is inserted sends the
// mail; the claim is made before sending and its outcome recorded after,
// so that a mail is sent once, also across restarts.
type MailClaim struct {
	WebsiteID string
	Kind      MailKind
	// Period names what the mail is about: the local date (YYYY-MM-DD) of
	// the Monday that starts the reported week, or of the alert's day.
	Period    string
	ClaimedAt time.Time
	// FinishedAt is when the sending ended (nil: claimed, not finished).
	FinishedAt *time.Time
	Sent       int    // messages handed to the mail server
	Failed     int    // messages that were not
	Error      string // the first failure's reason, at most MaxMailError characters
}

// MailOptOut is a user's refusal of one kind of mail of one website.
type MailOptOut struct {
	UserID    string
	WebsiteID string
	Kind      MailKind
	CreatedAt time.Time
}

// MailStore keeps what the scheduled mail needs, shared by the servers of
// an installation: the claims, the opt-outs and the key that signs the
// unsubscribe links.
type MailStore interface {
	// MailingWebsites lists the websites whose setting of kind is on
	// (sendWeeklyReports, sendViralTrafficAlerts), in id order, those
	// after afterID ("" for the first), at most limit.
	MailingWebsites(ctx context.Context, kind MailKind, afterID string, limit int) ([]*Website, error)
	// ClaimMail inserts c unless the website already has a claim of that
	// kind and period, atomically also across processes: claimed is true
	// for the one caller whose claim was inserted.
	ClaimMail(ctx context.Context, c *MailClaim) (claimed bool, err error)
	// FinishMail records the outcome of a claimed mail (FinishedAt, Sent,
	// Failed, Error of c); ENOTFOUND if it was not claimed.
	FinishMail(ctx context.Context, c *MailClaim) error
	// MailClaim returns a claim, or ENOTFOUND.
	MailClaim(ctx context.Context, websiteID string, kind MailKind, period string) (*MailClaim, error)
	// SetMailOptOut records (optOut) or deletes (!optOut) a user's opt-out
	// of a kind of mail of a website; recording one twice keeps the first.
	SetMailOptOut(ctx context.Context, o *MailOptOut, optOut bool) error
	// MailOptOuts lists the opt-outs of a user (websiteID "") or of a
	// website (userID ""), ordered by website, user and kind.
	MailOptOuts(ctx context.Context, userID, websiteID string) ([]*MailOptOut, error)
	// MailKey returns the installation's key for signing unsubscribe
	// links: 32 random bytes made by the first call and the same for
	// every server of the store afterwards.
	MailKey(ctx context.Context) ([]byte, error)
}

// Setting is the name of the website setting that turns kind on.
func (k MailKind) Setting() string {
	if k == MailViral {
		return "sendViralTrafficAlerts"
	}
	return "sendWeeklyReports"
}
