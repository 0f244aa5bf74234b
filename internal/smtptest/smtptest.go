// Package smtptest runs a real SMTP server (go-smtp) on a loopback port
// for tests and benchmarks: it records each message it accepts (envelope,
// headers, plain-text and HTML parts), can speak STARTTLS or implicit TLS
// with a certificate it makes, can require a password, and can be told to
// refuse every message with a given SMTP answer.
package smtptest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how a Server encrypts.
type Security int

const (
	// Plain never encrypts: reach it with smtp+insecure://.
	Plain Security = iota
	// STARTTLS offers STARTTLS: reach it with smtp://.
	STARTTLS
	// ImplicitTLS speaks TLS from the first byte: reach it with smtps://.
	ImplicitTLS
)

// Options configure a Server.
type Options struct {
	Security Security
	// Username and Password, when set, are required (AUTH PLAIN) before a
	// message is accepted.
	Username, Password string
	// MaxMessages caps the messages kept (default 10,000); beyond it the
	// oldest are dropped.
	MaxMessages int
}

// Message is one accepted message.
type Message struct {
	From    string   // the envelope sender (MAIL FROM)
	To      []string // the envelope recipients (RCPT TO)
	Header  netmail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded; "" for none
	Raw     []byte
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int

	opts    Options
	srv     *smtp.Server
	ln      net.Listener
	rootCAs *x509.CertPool

	mu       sync.Mutex
	messages []Message
	refused  int
	fail     *smtp.SMTPError
	notify   chan struct{}
}

// Start starts a server for the test tb and stops it when tb ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// New starts a server on a free loopback port. Close stops it.
func New(opts Options) (*Server, error) {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = 10_000
	}
	s := &Server{opts: opts, notify: make(chan struct{})}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ErrorLog = discardLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opts.Security != Plain {
		cfg, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		srv.TLSConfig, s.rootCAs = cfg, pool
		if opts.Security == ImplicitTLS {
			ln = tls.NewListener(ln, cfg)
		}
	}
	s.srv, s.ln = srv, ln
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	go srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// URL is the --smtp-url that reaches the server, with its credentials.
func (s *Server) URL() string {
	scheme := "smtp+insecure"
	switch s.opts.Security {
	case STARTTLS:
		scheme = "smtp"
	case ImplicitTLS:
		scheme = "smtps"
	}
	user := ""
	if s.opts.Username != "" {
		user = url.UserPassword(s.opts.Username, s.opts.Password).String() + "@"
	}
	return fmt.Sprintf("%s://%s%s:%d", scheme, user, s.Host, s.Port)
}

// RootCAs trusts the server's certificate (nil for a Plain server).
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// FailWith makes the server refuse every message at its end of DATA with
// code (e.g. 550 or 451) and text; FailWith(0, "") accepts again.
func (s *Server) FailWith(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		s.fail = nil
		return
	}
	s.fail = &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: text}
}

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Refused is how many messages the server refused (see FailWith).
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Wait waits until the server has accepted at least n messages, up to
// timeout, and returns them; it fails tb otherwise.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := len(s.messages), s.notify
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("smtptest: %d messages after %s, want %d", got, timeout, n)
			return nil
		}
	}
}

// WaitRefused waits until the server has refused at least n messages.
func (s *Server) WaitRefused(tb testing.TB, n int, timeout time.Duration) {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := s.refused, s.notify
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("smtptest: %d messages refused after %s, want %d", got, timeout, n)
		}
	}
}

// record keeps m, or counts a refusal, and wakes the waiters.
func (s *Server) record(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == nil {
		s.refused++
	} else {
		if len(s.messages) >= s.opts.MaxMessages {
			s.messages = s.messages[1:]
		}
		s.messages = append(s.messages, *m)
	}
	close(s.notify)
	s.notify = make(chan struct{})
}

func (s *Server) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		return nil
	}
	return s.fail
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s}, nil
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.opts.Username == "" {
		return nil, smtp.ErrAuthUnsupported
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.opts.Username || pass != ss.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.failure(); err != nil {
		ss.s.record(nil)
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "smtptest cannot parse the message: " + err.Error()}
	}
	m.From, m.To = ss.from, append([]string(nil), ss.to...)
	ss.s.record(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse reads a message's headers and its text and HTML parts.
func parse(raw []byte) (*Message, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m := &Message{Header: msg.Header, Raw: raw}
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	return m, m.readPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
}

func (m *Message) readPart(contentType, encoding string, body io.Reader, depth int) error {
	if depth > 5 {
		return errors.New("MIME parts nested too deep")
	}
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	if depth == 0 {
		// A single-part body ends with the line break before the final ".".
		text = strings.TrimSuffix(text, "\n")
	}
	switch mediaType {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}

// newlineStripper drops line breaks from base64 text.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}
	return cfg, pool, nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// Shutdown is Close with a deadline, for callers that wait for sessions.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
