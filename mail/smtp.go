package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// The schemes of an SMTP URL (see ParseSMTPURL).
const (
	// SchemeSTARTTLS connects in plain text and upgrades with STARTTLS
	// before anything else is said; a server that does not offer STARTTLS
	// is refused. Default port 587.
	SchemeSTARTTLS = "smtp"
	// SchemeTLS speaks TLS from the first byte (implicit TLS). Default
	// port 465.
	SchemeTLS = "smtps"
	// SchemeInsecure never encrypts. Meant for a relay on the same machine
	// or a test server; it takes no credentials. Default port 25.
	SchemeInsecure = "smtp+insecure"
)

// DefaultTimeout bounds each step of talking to the mail server (connect,
// each command, the message data) unless SMTPConfig.Timeout says otherwise.
const DefaultTimeout = 15 * time.Second

// SMTPURL is a parsed --smtp-url.
type SMTPURL struct {
	Scheme   string
	Host     string
	Port     int
	Username string // "" for no authentication
	password string
}

// String is the URL without its password, fit for logs.
func (u SMTPURL) String() string {
	user := ""
	if u.Username != "" {
		user = url.User(u.Username).String() + "@"
	}
	return u.Scheme + "://" + user + net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
}

// ParseSMTPURL reads an SMTP server's URL:
//
//	smtp://[user:password@]host[:port]           STARTTLS required, port 587
//	smtps://[user:password@]host[:port]          implicit TLS, port 465
//	smtp+insecure://host[:port]                  no encryption, port 25
//
// User and password are percent-encoded. A path, query or fragment, an
// unknown scheme, a port outside 1–65535, or credentials over
// smtp+insecure are refused. The error never contains the password.
func ParseSMTPURL(raw string) (SMTPURL, error) {
	const forms = "smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS) or smtp+insecure://host:25 (no encryption, no credentials)"
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPURL{}, fmt.Errorf("the SMTP URL is not a URL; use %s", forms)
	}
	var out SMTPURL
	var defaultPort int
	switch strings.ToLower(u.Scheme) {
	case SchemeSTARTTLS:
		out.Scheme, defaultPort = SchemeSTARTTLS, 587
	case SchemeTLS:
		out.Scheme, defaultPort = SchemeTLS, 465
	case SchemeInsecure:
		out.Scheme, defaultPort = SchemeInsecure, 25
	default:
		return SMTPURL{}, fmt.Errorf("the SMTP URL's scheme must be smtp, smtps or smtp+insecure, not %q; use %s", u.Scheme, forms)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return SMTPURL{}, fmt.Errorf("the SMTP URL names no host; use %s", forms)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return SMTPURL{}, fmt.Errorf("the SMTP URL takes no path, query or fragment; use %s", forms)
	}
	out.Host, out.Port = u.Hostname(), defaultPort
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPURL{}, fmt.Errorf("the SMTP URL's port must be 1 to 65535, not %q", p)
		}
		out.Port = n
	}
	if u.User != nil {
		out.Username = u.User.Username()
		out.password, _ = u.User.Password()
		if out.Username == "" {
			return SMTPURL{}, errors.New("the SMTP URL has a password but no user name")
		}
		if out.Scheme == SchemeInsecure {
			return SMTPURL{}, errors.New("smtp+insecure would send the SMTP password unencrypted; use smtp:// (STARTTLS) or smtps:// (TLS)")
		}
	}
	return out, nil
}

// ParseFrom reads a From address: "alerts@example.com" or
// "Example Analytics <alerts@example.com>".
func ParseFrom(raw string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(raw)
	if err != nil {
		return nil, fmt.Errorf("the sender address %q is not an email address such as alerts@example.com or \"Analytics <alerts@example.com>\"", raw)
	}
	return a, nil
}

// SMTPConfig configures an SMTPSender.
type SMTPConfig struct {
	// URL is the server, see ParseSMTPURL.
	URL string
	// From is the sender, see ParseFrom.
	From string
	// RootCAs verifies the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds each step of a delivery; 0 means DefaultTimeout.
	Timeout time.Duration
}

// SMTPSender sends mail through one SMTP server, one connection per
// message. It is safe for concurrent use.
type SMTPSender struct {
	url     SMTPURL
	from    *netmail.Address
	tls     *tls.Config
	timeout time.Duration
}

// NewSMTPSender checks cfg and returns its sender. It does not connect.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	u, err := ParseSMTPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("the SMTP timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTPSender{
		url:     u,
		from:    from,
		tls:     &tls.Config{ServerName: u.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		timeout: cfg.Timeout,
	}, nil
}

// String describes the server without the password.
func (s *SMTPSender) String() string { return s.url.String() }

// From is the sender address.
func (s *SMTPSender) From() string { return s.from.String() }

// Send delivers m. The error names the failing step and the server's
// answer (e.g. "550 5.7.1 relaying denied"), never the password.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{
		gomail.WithPort(s.url.Port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tls),
	}
	switch s.url.Scheme {
	case SchemeTLS:
		opts = append(opts, gomail.WithSSL())
	case SchemeSTARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SchemeInsecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.url.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.url.Username), gomail.WithPassword(s.url.password))
	}
	c, err := gomail.NewClient(s.url.Host, opts...)
	if err != nil {
		return fmt.Errorf("configure the mail client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return sendError(err, s.url.password)
	}
	return nil
}

// build turns m into a go-mail message.
func (s *SMTPSender) build(m Message) (*gomail.Msg, error) {
	if len(m.To) == 0 {
		return nil, errors.New("the message has no recipient")
	}
	if m.Text == "" {
		return nil, errors.New("the message has no text")
	}
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.Unsubscribe != "" {
		u, err := url.Parse(m.Unsubscribe)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("the unsubscribe address %q is not an http(s) URL", m.Unsubscribe)
		}
		// RFC 2369 and RFC 8058: one-click unsubscribe by a POST to the URL.
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+u.String()+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	return msg, nil
}

// oneLine folds line breaks of a header value into spaces, so that a
// subject can never add a header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// sendError makes go-mail's error readable, with the password (should a
// server echo it) removed.
func sendError(err error, password string) error {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "****")
	}
	// go-mail appends the message id; it tells the reader nothing.
	if i := strings.Index(msg, ", affected message ID:"); i >= 0 {
		msg = msg[:i]
	}
	return &SendError{msg: msg, Temporary: isTemporary(err)}
}

func isTemporary(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.IsTemp()
	}
	return false
}

// SendError is why a message was not delivered.
type SendError struct {
	msg string
	// Temporary reports a 4xx answer: the same message may be accepted later.
	Temporary bool
}

func (e *SendError) Error() string { return e.msg }
