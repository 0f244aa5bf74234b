// Package mail sends the server's email: alerts, weekly reports and
// viral-traffic alerts.
package mail

import "context"

// Message is one email.
type Message struct {
	To      []string
	Subject string
	Text    string // the plain-text body, always sent
	HTML    string // an HTML alternative, "" for none
	// Unsubscribe, when set, is the URL of a page that stops this kind of
	// mail without signing in: it goes in the List-Unsubscribe header and
	// the body's footer.
	Unsubscribe string
}

// Sender delivers messages. Send returns when the message has been handed
// to the mail server, or with the reason it was not.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
