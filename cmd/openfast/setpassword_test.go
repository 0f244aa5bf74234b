package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/sqlite"
)

// TestAdminSetPassword: the command reads the password from standard
// input, creates the user if absent, and the password then signs in.
func TestAdminSetPassword(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	run := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, append([]string{"admin", "set-password", "--data-dir", dataDir, "--create"}, args...)...)
		cmd.Env = baseEnv()
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	if _, stderr, code := run("short\n", "--email", "ann@example.com"); code == 0 || !strings.Contains(stderr, "at least 10 characters") {
		t.Fatalf("a short password: exit %d, %s", code, stderr)
	}
	if _, stderr, code := run("", "--email", "ann@example.com"); code == 0 || !strings.Contains(stderr, "no password") {
		t.Fatalf("no password: exit %d, %s", code, stderr)
	}
	if _, stderr, code := run("a good password\n"); code == 0 || !strings.Contains(stderr, "--email is required") {
		t.Fatalf("no email: exit %d, %s", code, stderr)
	}
	stdout, stderr, code := run(" a good password \r\nignored\n", "--email", "Ann@Example.com")
	if code != 0 || !strings.Contains(stdout, "User created with this password for ann@example.com") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "good password") {
		t.Fatal("the password was printed")
	}
	if stdout, _, code = run("another password\n", "--email", "ann@example.com"); code != 0 || !strings.HasPrefix(stdout, "Password set for ann@example.com") {
		t.Fatalf("second run: exit %d, %s", code, stdout)
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dataDir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: " a good password ", IP: "192.0.2.1"}); openfast.ErrorCode(err) != openfast.EUNAUTHORIZED {
		t.Fatalf("the old password: %v", err)
	}
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: "another password", IP: "192.0.2.1"}); err != nil {
		t.Fatal("the new password:", err)
	}
}
