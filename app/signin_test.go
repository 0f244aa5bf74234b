package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/sqlite"
)

// newClockApp returns an App over a fresh SQLite store whose clock the
// test moves.
func newClockApp(t *testing.T) (*app.App, *sqlite.DB, *time.Time) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, err := app.New(app.Config{Metadata: store, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a, store, &now
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if openfast.ErrorCode(err) != code || !strings.Contains(openfast.ErrorMessage(err), msg) {
		t.Fatalf("error %v, want %s %q", err, code, msg)
	}
}

const goodPassword = "correct horse battery"

func TestFirstUser(t *testing.T) {
	ctx := context.Background()
	a, store, _ := newClockApp(t)
	if need, err := a.NeedsFirstUser(ctx); err != nil || !need {
		t.Fatalf("a fresh installation needs a first user: %v %v", need, err)
	}
	_, _, err := a.CreateFirstUser(ctx, app.FirstUserInput{Email: "ann@example.com", Password: "short"})
	wantErr(t, err, openfast.EINVALID, "at least 10 characters")
	_, _, err = a.CreateFirstUser(ctx, app.FirstUserInput{Email: "not an email", Password: goodPassword})
	wantErr(t, err, openfast.EINVALID, "email")

	raw, s, err := a.CreateFirstUser(ctx, app.FirstUserInput{Email: " Ann@Example.com ", Name: "Ann", Password: goodPassword, IP: "192.0.2.1", UserAgent: "Firefox"})
	if err != nil {
		t.Fatal(err)
	}
	c, got, err := a.Session(ctx, raw, "192.0.2.1")
	if err != nil || got.ID != s.ID || c.UserID != s.UserID || c.DisplayKey != app.SessionDisplayKey {
		t.Fatalf("the first user's session: %+v %+v %v", c, got, err)
	}
	u, err := store.UserByEmail(ctx, "ann@example.com")
	if err != nil || u.ID != s.UserID || *u.Name != "Ann" {
		t.Fatalf("first user %+v %v", u, err)
	}
	// Closed for good.
	_, _, err = a.CreateFirstUser(ctx, app.FirstUserInput{Email: "eve@example.com", Password: goodPassword})
	wantErr(t, err, openfast.EFORBIDDEN, "by invitation")
	if need, _ := a.NeedsFirstUser(ctx); need {
		t.Fatal("still needs a first user")
	}
	// The password was hashed, not stored.
	if h, _ := store.PasswordHash(ctx, u.ID); !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, goodPassword) {
		t.Fatalf("stored password %q", h)
	}
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	a, _, now := newClockApp(t)
	if _, err := a.SetPasswordAsOperator(ctx, "ann@example.com", goodPassword, "openfast admin set-password"); err != nil {
		t.Fatal(err)
	}
	// A user without a password (made by bootstrap) cannot sign in.
	if _, _, err := a.Bootstrap(ctx, "bob@example.com", "", "test"); err != nil {
		t.Fatal(err)
	}
	wrong := "Wrong email or password."
	for _, in := range []app.SignInInput{
		{Email: "ann@example.com", Password: "wrong password"},
		{Email: "nobody@example.com", Password: goodPassword},
		{Email: "bob@example.com", Password: ""},
		{Email: "ann@example.com", Password: ""},
	} {
		in.IP = "192.0.2.9"
		_, _, err := a.SignIn(ctx, in)
		wantErr(t, err, openfast.EUNAUTHORIZED, wrong)
	}
	raw, s, err := a.SignIn(ctx, app.SignInInput{Email: "ANN@example.com", Password: goodPassword, IP: "192.0.2.1", UserAgent: "Firefox"})
	if err != nil || s.UserAgent != "Firefox" || s.IP != "192.0.2.1" {
		t.Fatalf("sign-in: %+v %v", s, err)
	}
	c, _, err := a.Session(ctx, raw, "192.0.2.1")
	if err != nil || len(c.Permissions) != 1 || c.Permissions[0] != "*" {
		t.Fatalf("session caller %+v %v", c, err)
	}
	_, _, err = a.Session(ctx, raw+"x", "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")

	// Idle for longer than the idle timeout: ended.
	*now = now.Add(openfast.SessionIdleTimeout + time.Minute)
	_, _, err = a.Session(ctx, raw, "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")

	// Used every ten days, a session still ends at the absolute limit.
	raw, _, err = a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	start := *now
	for now.Sub(start) < openfast.SessionMaxAge {
		if _, _, err := a.Session(ctx, raw, "192.0.2.1"); err != nil {
			t.Fatalf("after %v: %v", now.Sub(start), err)
		}
		*now = now.Add(10 * 24 * time.Hour)
	}
	*now = start.Add(openfast.SessionMaxAge + time.Minute)
	_, _, err = a.Session(ctx, raw, "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")

	// Signing out ends the session.
	raw, _, _ = a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"})
	if err := a.SignOut(ctx, raw); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Session(ctx, raw, "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")
	if err := a.SignOut(ctx, raw); err != nil {
		t.Fatal("signing out twice:", err)
	}
}

func TestSignIn_RateLimited(t *testing.T) {
	ctx := context.Background()
	a, _, now := newClockApp(t)
	for _, e := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := a.SetPasswordAsOperator(ctx, e, goodPassword, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// Per email: failures from many addresses lock the email, even for the
	// right password, but not another email.
	for i := range app.SignInFailuresPerEmail {
		_, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: "guess", IP: "198.51.100." + string(rune('1'+i))})
		wantErr(t, err, openfast.EUNAUTHORIZED, "Wrong email or password.")
	}
	_, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"})
	wantErr(t, err, openfast.ERATELIMIT, "Too many failed sign-ins")
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "bob@example.com", Password: goodPassword, IP: "192.0.2.1"}); err != nil {
		t.Fatal("another email:", err)
	}
	// The email's allowance refills.
	*now = now.Add(16 * time.Minute)
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"}); err != nil {
		t.Fatal("after the window:", err)
	}

	// Per address: failures for many emails lock the address.
	for i := range app.SignInFailuresPerAddress {
		_, _, err := a.SignIn(ctx, app.SignInInput{Email: "x" + string(rune('a'+i)) + "@example.com", Password: "guess", IP: "203.0.113.5"})
		wantErr(t, err, openfast.EUNAUTHORIZED, "Wrong email or password.")
	}
	_, _, err = a.SignIn(ctx, app.SignInInput{Email: "bob@example.com", Password: goodPassword, IP: "203.0.113.5"})
	wantErr(t, err, openfast.ERATELIMIT, "Too many failed sign-ins")
}

func TestPasswordChange(t *testing.T) {
	ctx := context.Background()
	a, store, _ := newClockApp(t)
	created, err := a.SetPasswordAsOperator(ctx, "ann@example.com", goodPassword, "test")
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	signIn := func() (string, app.Caller) {
		raw, _, err := a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := a.Session(ctx, raw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return raw, c
	}
	here, c := signIn()
	there, _ := signIn()
	wantErr(t, a.ChangePassword(ctx, c, "wrong password", "a new password!"), openfast.EINVALID, "current password is wrong")
	wantErr(t, a.ChangePassword(ctx, c, goodPassword, "short"), openfast.EINVALID, "at least 10")
	if err := a.ChangePassword(ctx, c, goodPassword, "a new password!"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Session(ctx, here, "192.0.2.1"); err != nil {
		t.Fatal("the session that changed the password ended:", err)
	}
	_, _, err = a.Session(ctx, there, "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")
	_, _, err = a.SignIn(ctx, app.SignInInput{Email: "ann@example.com", Password: goodPassword, IP: "192.0.2.1"})
	wantErr(t, err, openfast.EUNAUTHORIZED, "Wrong email")

	// Listing and ending one's sessions.
	list, err := a.Sessions(ctx, c)
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("sessions %+v %v", list, err)
	}
	if err := a.EndSession(ctx, c, c.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Session(ctx, here, "192.0.2.1")
	wantErr(t, err, openfast.EUNAUTHORIZED, "sign in again")

	// The operator's reset ends every session.
	_, err = a.SetPasswordAsOperator(ctx, "ann@example.com", "reset by the operator", "test")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := store.UserByEmail(ctx, "ann@example.com")
	if list, _ := store.Sessions(ctx, u.ID); len(list) != 0 {
		t.Fatalf("sessions after the reset: %+v", list)
	}
	_, err = a.SetPasswordAsOperator(ctx, "ann@example.com", "short", "test")
	wantErr(t, err, openfast.EINVALID, "at least 10")
}
