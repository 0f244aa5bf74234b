package mail_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
)

func TestParseSMTPURL(t *testing.T) {
	good := []struct{ raw, want string }{
		{"smtp://mail.example.com", "smtp://mail.example.com:587"},
		{"smtp://u%40x:p%3Ass@mail.example.com:2525", "smtp://u%40x@mail.example.com:2525"},
		{"SMTPS://mail.example.com", "smtps://mail.example.com:465"},
		{"smtp+insecure://127.0.0.1", "smtp+insecure://127.0.0.1:25"},
		{"smtp://[::1]:26/", "smtp://[::1]:26"},
	}
	for _, c := range good {
		u, err := mail.ParseSMTPURL(c.raw)
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		if u.String() != c.want {
			t.Errorf("%s: %s, want %s", c.raw, u, c.want)
		}
	}
	bad := []struct{ raw, want string }{
		{"http://mail.example.com", "scheme must be smtp, smtps or smtp+insecure"},
		{"mail.example.com:25", "scheme"},
		{"smtp://", "names no host"},
		{"smtp://mail.example.com:0", "port must be 1 to 65535"},
		{"smtp://mail.example.com:70000", "port must be 1 to 65535"},
		{"smtp://mail.example.com:x", "not a URL"},
		{"smtp://mail.example.com/inbox", "no path, query or fragment"},
		{"smtp://mail.example.com?tls=no", "no path, query or fragment"},
		{"smtp+insecure://user:secret@127.0.0.1", "unencrypted"},
		{"smtp://:secret@mail.example.com", "no user name"},
	}
	for _, c := range bad {
		_, err := mail.ParseSMTPURL(c.raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.raw, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", c.raw, err)
		}
	}
}

func TestNewSMTPSender_From(t *testing.T) {
	for _, from := range []string{"", "not an address", "a@b, c@d"} {
		if _, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://mail.example.com", From: from}); err == nil {
			t.Errorf("From %q accepted", from)
		}
	}
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://u:secret@mail.example.com", From: "Analytics <alerts@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); strings.Contains(got, "secret") || got != "smtp://u@mail.example.com:587" {
		t.Errorf("String() = %q", got)
	}
}

func send(t *testing.T, srv *smtptest.Server, m mail.Message) error {
	t.Helper()
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: srv.URL(), From: "Openfast Alerts <alerts@example.com>", RootCAs: srv.RootCAs(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s.Send(context.Background(), m)
}

func TestSMTPSender_Send(t *testing.T) {
	for name, opts := range map[string]smtptest.Options{
		"Plain":       {},
		"STARTTLS":    {Security: smtptest.STARTTLS, Username: "openfast", Password: "p@ss:word/1"},
		"ImplicitTLS": {Security: smtptest.ImplicitTLS, Username: "openfast", Password: "hunter2"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := smtptest.Start(t, opts)
			err := send(t, srv, mail.Message{
				To: []string{"owner@example.com"}, Subject: "Signup on example.com\r\nBcc: evil@example.com",
				Text: "Somebody signed up.\nÜmlaut line.", HTML: "<p>Somebody signed up.</p>",
				Unsubscribe: "https://analytics.example.com/unsubscribe?t=abc",
			})
			if err != nil {
				t.Fatal(err)
			}
			m := srv.Wait(t, 1, 5*time.Second)[0]
			if m.From != "alerts@example.com" || len(m.To) != 1 || m.To[0] != "owner@example.com" {
				t.Errorf("envelope %s → %v", m.From, m.To)
			}
			if got := m.Header.Get("From"); !strings.Contains(got, "Openfast Alerts") || !strings.Contains(got, "<alerts@example.com>") {
				t.Errorf("From: %q", got)
			}
			if m.Subject != "Signup on example.com Bcc: evil@example.com" || m.Header.Get("Bcc") != "" {
				t.Errorf("Subject %q, Bcc %q", m.Subject, m.Header.Get("Bcc"))
			}
			if m.Text != "Somebody signed up.\nÜmlaut line." {
				t.Errorf("text %q", m.Text)
			}
			if m.HTML != "<p>Somebody signed up.</p>" {
				t.Errorf("html %q", m.HTML)
			}
			if got := m.Header.Get("List-Unsubscribe"); got != "<https://analytics.example.com/unsubscribe?t=abc>" {
				t.Errorf("List-Unsubscribe %q", got)
			}
			if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post %q", got)
			}
			if m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
				t.Errorf("no Message-ID or Date: %v", m.Header)
			}
		})
	}
}

func TestSMTPSender_TextOnly(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	if err := send(t, srv, mail.Message{To: []string{"owner@example.com"}, Subject: "s", Text: "just text"}); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1, 5*time.Second)[0]
	if m.Text != "just text" || m.HTML != "" || m.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("text %q html %q unsubscribe %q", m.Text, m.HTML, m.Header.Get("List-Unsubscribe"))
	}
	if !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type %q", m.Header.Get("Content-Type"))
	}
}

func TestSMTPSender_Refused(t *testing.T) {
	msg := mail.Message{To: []string{"owner@example.com"}, Subject: "s", Text: "t"}
	t.Run("ServerAnswer", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		srv.FailWith(550, "Relaying denied")
		err := send(t, srv, msg)
		if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "Relaying denied") {
			t.Fatalf("err = %v, want the 550 answer", err)
		}
		t.Logf("refusal: %v", err)
		if se, ok := err.(*mail.SendError); !ok || se.Temporary {
			t.Errorf("err %T temporary=%v", err, ok && se.Temporary)
		}
		srv.FailWith(451, "Try again later")
		err = send(t, srv, msg)
		if se, ok := err.(*mail.SendError); !ok || !se.Temporary || !strings.Contains(err.Error(), "451") {
			t.Errorf("err = %v, want a temporary 451", err)
		}
		if srv.Refused() != 2 || len(srv.Messages()) != 0 {
			t.Errorf("refused %d, accepted %d", srv.Refused(), len(srv.Messages()))
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Security: smtptest.STARTTLS, Username: "u", Password: "right"})
		s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://u:wrong-secret@" + srv.Host + ":" + strconv.Itoa(srv.Port), From: "a@example.com", RootCAs: srv.RootCAs()})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), msg)
		if err == nil || strings.Contains(err.Error(), "wrong-secret") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("NoSTARTTLSOffered", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://" + srv.Host + ":" + strconv.Itoa(srv.Port), From: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want STARTTLS required", err)
		}
		if len(srv.Messages()) != 0 {
			t.Error("the message went unencrypted")
		}
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Security: smtptest.ImplicitTLS})
		s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: srv.URL(), From: "a@example.com", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want a certificate error", err)
		}
	})
	t.Run("BadMessage", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		for _, m := range []mail.Message{
			{Subject: "s", Text: "t"},
			{To: []string{"not an address"}, Text: "t"},
			{To: []string{"a@example.com"}},
			{To: []string{"a@example.com"}, Text: "t", Unsubscribe: "javascript:alert(1)"},
		} {
			if err := send(t, srv, m); err == nil {
				t.Errorf("%+v sent", m)
			}
		}
	})
}
