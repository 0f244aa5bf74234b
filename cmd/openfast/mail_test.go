package main

import (
	"strings"
	"testing"
)

func TestServe_SMTPFlagsRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-url", "http://u:topsecret@mail.example.com", "--smtp-from", "a@example.com"}, "--smtp-url: the SMTP URL's scheme must be smtp, smtps or smtp+insecure"},
		{[]string{"--smtp-url", "smtp://u:topsecret@mail.example.com:99999", "--smtp-from", "a@example.com"}, "port must be 1 to 65535"},
		{[]string{"--smtp-url", "smtp+insecure://u:topsecret@127.0.0.1", "--smtp-from", "a@example.com"}, "unencrypted"},
		{[]string{"--smtp-url", "smtp://u:topsecret@mail.example.com"}, "--smtp-url needs --smtp-from"},
		{[]string{"--smtp-from", "a@example.com"}, "--smtp-from needs --smtp-url"},
		{[]string{"--smtp-url", "smtp://mail.example.com", "--smtp-from", "nobody"}, "--smtp-from: the sender address"},
	} {
		_, stderr, code := runCLI(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("serve %v: exit %d, stderr %q, want an error containing %q", c.args, code, stderr, c.want)
		}
		if strings.Contains(stderr, "topsecret") {
			t.Errorf("serve %v shows the SMTP password: %s", c.args, stderr)
		}
	}
}

func TestServe_SMTPFromEnvironment(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{env: []string{
		"OPENFAST_LISTEN=127.0.0.1:0",
		"OPENFAST_DATA_DIR=" + privateDir(t),
		"OPENFAST_SMTP_URL=smtps://alerts%40example.com:topsecret@mail.example.com",
		"OPENFAST_SMTP_FROM=Analytics <alerts@example.com>",
	}})
	line, ok := srv.logs.waitFor(`msg=mail`, waitLimit)
	if !ok || !strings.Contains(line, "smtps://alerts%40example.com@mail.example.com:465") {
		t.Errorf("mail log line %q, want the server without its password", line)
	}
	if strings.Contains(srv.logs.String(), "topsecret") {
		t.Errorf("the log shows the SMTP password:\n%s", srv.logs.String())
	}
}
