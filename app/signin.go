package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// Limits of failed sign-ins: per client address (addressKey), and per
// email, refilled over a window. A failure drains both; either empty
// refuses the next attempt with ERATELIMIT before the password is checked.
const (
	SignInFailuresPerAddress = 10 // a minute
	SignInFailuresPerEmail   = 10 // a quarter of an hour
	signInEmailWindow        = 15 * time.Minute
)

// sessionTouchEvery is how stale a session's LastSeenAt may get before a
// request writes it again.
const sessionTouchEvery = time.Minute

// SessionDisplayKey is the ActorDisplayKey of the audit entries of actions
// done through the dashboard.
const SessionDisplayKey = "dashboard"

// signInLimits are the two buckets of failed sign-ins.
type signInLimits struct {
	byAddress *failureLimiter[netip.Addr]
	byEmail   *failureLimiter[string]
}

func newSignInLimits() *signInLimits {
	return &signInLimits{
		byAddress: newFailureLimiterOf[netip.Addr](SignInFailuresPerAddress, time.Minute),
		byEmail:   newFailureLimiterOf[string](SignInFailuresPerEmail, signInEmailWindow),
	}
}

// hashing bounds the password hashes computed at once (each takes 19 MiB
// and a core for tens of milliseconds): the others wait their turn, until
// their request's context ends.
var hashing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

func withHashing[T any](ctx context.Context, fn func() T) (T, error) {
	select {
	case hashing <- struct{}{}:
		defer func() { <-hashing }()
		return fn(), nil
	case <-ctx.Done():
		var zero T
		return zero, openfast.Errorf(openfast.EUNAVAILABLE, "The server is busy checking passwords; try again.")
	}
}

// SignInInput is what a sign-in form sends, with the client's address and
// User-Agent.
type SignInInput struct {
	Email, Password string
	IP, UserAgent   string
}

// wrongSignIn is the one answer to a wrong email or a wrong password: it
// does not say which.
var wrongSignIn = openfast.Errorf(openfast.EUNAUTHORIZED, "Wrong email or password.")

// SignIn checks an email and password and starts a dashboard session. It
// returns the session's cookie value, which is stored nowhere, and the
// session. A wrong email or password is EUNAUTHORIZED with one message for
// both; too many failures from the address or for the email are
// ERATELIMIT (a RetryError) before the password is even checked.
func (a *App) SignIn(ctx context.Context, in SignInInput) (string, *openfast.Session, error) {
	now := a.now()
	email := strings.ToLower(strings.TrimSpace(in.Email))
	addr := addressKey(in.IP)
	if retry, ok := a.signIns.byAddress.allow(addr, now); !ok {
		return "", nil, a.signInRefusal(retry)
	}
	if retry, ok := a.signIns.byEmail.allow(email, now); !ok {
		return "", nil, a.signInRefusal(retry)
	}
	fail := func() (string, *openfast.Session, error) {
		a.signIns.byAddress.fail(addr, now)
		a.signIns.byEmail.fail(email, now)
		return "", nil, wrongSignIn
	}
	hash := auth.DummyPasswordHash
	u, err := a.store.UserByEmail(ctx, email)
	switch openfast.ErrorCode(err) {
	case "":
		h, err := a.store.PasswordHash(ctx, u.ID)
		if err != nil {
			return "", nil, err
		}
		if h != "" {
			hash = h
		}
	case openfast.ENOTFOUND:
	default:
		return "", nil, err
	}
	// Unknown emails and users without a password verify against the
	// dummy hash, so that every wrong sign-in takes as long.
	verr, err := withHashing(ctx, func() error { return auth.VerifyPassword(hash, in.Password) })
	if err != nil {
		return "", nil, err
	}
	if verr != nil || hash == auth.DummyPasswordHash {
		if verr != nil && !errors.Is(verr, auth.ErrPasswordMismatch) {
			a.log.Error("unreadable password hash", "user", u.ID, "error", verr)
		}
		return fail()
	}
	return a.startSession(ctx, u.ID, in.IP, in.UserAgent, now)
}

func (a *App) signInRefusal(retry time.Duration) error {
	secs := max(1, int((retry+time.Second-1)/time.Second))
	return &RetryError{
		Err:   openfast.Errorf(openfast.ERATELIMIT, "Too many failed sign-ins. Try again in %d seconds.", secs),
		After: retry,
	}
}

// startSession makes a session for a user who just proved who they are.
func (a *App) startSession(ctx context.Context, userID, ip, userAgent string, now time.Time) (string, *openfast.Session, error) {
	raw := rand.Text() // 26 base32 characters: 130 random bits
	h := sha256.Sum256([]byte(raw))
	s := &openfast.Session{
		ID: openfast.NewID(), UserID: userID, Hash: h[:], CreatedAt: now.UTC(), LastSeenAt: now.UTC(),
		UserAgent: openfast.CutChars(strings.ToValidUTF8(userAgent, ""), openfast.MaxSessionUserAgent), IP: ip,
	}
	audit := &openfast.AuditEntry{ActorUserID: userID, ActorDisplayKey: SessionDisplayKey, Action: openfast.AuditSessionStart,
		TargetType: "session", TargetID: s.ID, IP: ip}
	if err := a.store.CreateSession(ctx, s, openfast.MaxSessionsPerUser, audit); err != nil {
		return "", nil, err
	}
	return raw, s, nil
}

// Session turns a session cookie's value, presented from ip, into the
// caller it signs in: the user, acting with the roles of their
// memberships and every permission, like a "*" account token. An unknown,
// ended or expired session is EUNAUTHORIZED (an expired one is deleted).
// Unknown values count as failed authentications of the address.
func (a *App) Session(ctx context.Context, raw, ip string) (Caller, *openfast.Session, error) {
	now := a.now()
	addr := addressKey(ip)
	if a.failures != nil {
		if retry, ok := a.failures.allow(addr, now); !ok {
			return Caller{}, nil, a.failures.refusal(retry)
		}
	}
	signedOut := openfast.Errorf(openfast.EUNAUTHORIZED, "Your session has ended: sign in again.")
	h := sha256.Sum256([]byte(raw))
	s, err := a.store.SessionByHash(ctx, h[:])
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		if a.failures != nil {
			a.failures.fail(addr, now)
		}
		return Caller{}, nil, signedOut
	}
	if err != nil {
		return Caller{}, nil, err
	}
	if subtle.ConstantTimeCompare(s.Hash, h[:]) != 1 {
		return Caller{}, nil, signedOut
	}
	if now.Sub(s.LastSeenAt) > openfast.SessionIdleTimeout || now.Sub(s.CreatedAt) > openfast.SessionMaxAge {
		if err := a.store.DeleteSession(ctx, s.UserID, s.ID, nil); err != nil && openfast.ErrorCode(err) != openfast.ENOTFOUND {
			return Caller{}, nil, err
		}
		return Caller{}, nil, signedOut
	}
	if now.Sub(s.LastSeenAt) > sessionTouchEvery {
		if err := a.store.TouchSession(ctx, s.ID, now); err != nil {
			return Caller{}, nil, err
		}
		s.LastSeenAt = now.UTC()
	}
	roles, err := a.store.Memberships(ctx, s.UserID)
	if err != nil {
		return Caller{}, nil, fmt.Errorf("load memberships of user %s: %w", s.UserID, err)
	}
	p := &auth.Principal{
		Kind: auth.KindAccountToken, ID: s.ID, DisplayKey: SessionDisplayKey, UserID: s.UserID,
		Permissions: []string{auth.PermAll}, Memberships: roles,
	}
	return Caller{Principal: p, IP: ip}, s, nil
}

// SignOut ends the session of a cookie value; an unknown one is no error.
func (a *App) SignOut(ctx context.Context, raw string) error {
	h := sha256.Sum256([]byte(raw))
	s, err := a.store.SessionByHash(ctx, h[:])
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	err = a.store.DeleteSession(ctx, s.UserID, s.ID, nil)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return nil
	}
	return err
}

// Sessions lists the caller's dashboard sessions.
func (a *App) Sessions(ctx context.Context, c Caller) ([]*openfast.Session, error) {
	if c.Principal == nil || c.UserID == "" {
		return nil, openfast.Errorf(openfast.EFORBIDDEN, "Only a signed-in user has sessions.")
	}
	return a.store.Sessions(ctx, c.UserID)
}

// EndSession ends one of the caller's sessions (another browser, or this
// one).
func (a *App) EndSession(ctx context.Context, c Caller, id string) error {
	if c.Principal == nil || c.UserID == "" {
		return openfast.Errorf(openfast.EFORBIDDEN, "Only a signed-in user has sessions.")
	}
	return a.store.DeleteSession(ctx, c.UserID, id, c.audit("", openfast.AuditSessionEnd, "session", id, ""))
}

// ChangePassword sets the caller's password after checking the current
// one; the caller's other sessions end, the one in use (c.ID) stays.
func (a *App) ChangePassword(ctx context.Context, c Caller, current, next string) error {
	if c.Principal == nil || c.UserID == "" || c.DisplayKey != SessionDisplayKey {
		return openfast.Errorf(openfast.EFORBIDDEN, "A password is changed from the dashboard, signed in.")
	}
	now := a.now()
	addr := addressKey(c.IP)
	if retry, ok := a.signIns.byAddress.allow(addr, now); !ok {
		return a.signInRefusal(retry)
	}
	if err := auth.CheckPassword(next); err != nil {
		return openfast.Errorf(openfast.EINVALID, "New password: %s.", err.Error())
	}
	h, err := a.store.PasswordHash(ctx, c.UserID)
	if err != nil {
		return err
	}
	if h != "" {
		verr, err := withHashing(ctx, func() error { return auth.VerifyPassword(h, current) })
		if err != nil {
			return err
		}
		if verr != nil {
			a.signIns.byAddress.fail(addr, now)
			return openfast.Errorf(openfast.EINVALID, "The current password is wrong.")
		}
	}
	hash, err := withHashing(ctx, func() string { return auth.HashPassword(next) })
	if err != nil {
		return err
	}
	return a.store.SetPassword(ctx, c.UserID, hash, c.ID, c.audit("", openfast.AuditPasswordSet, "user", c.UserID, ""))
}

// SetPasswordAsOperator sets the password of the user with email, creating
// the user if there is none, and ends all their sessions; for the admin
// command named by actor. It reports whether the user was created.
func (a *App) SetPasswordAsOperator(ctx context.Context, rawEmail, password, actor string) (bool, error) {
	email, err := openfast.NormalizeEmail(rawEmail)
	if err != nil {
		return false, err
	}
	if err := auth.CheckPassword(password); err != nil {
		return false, openfast.Errorf(openfast.EINVALID, "%s.", err.Error())
	}
	created := false
	u, err := a.store.UserByEmail(ctx, email)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		u = &openfast.User{ID: openfast.NewID(), Email: email}
		if err = a.store.CreateUser(ctx, u); openfast.ErrorCode(err) == openfast.ECONFLICT {
			u, err = a.store.UserByEmail(ctx, email) // created meanwhile
		} else {
			created = err == nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("user %s: %w", email, err)
	}
	hash, err := withHashing(ctx, func() string { return auth.HashPassword(password) })
	if err != nil {
		return false, err
	}
	audit := &openfast.AuditEntry{ActorUserID: u.ID, ActorDisplayKey: actor, Action: openfast.AuditPasswordSet,
		TargetType: "user", TargetID: u.ID, IP: "local"}
	return created, a.store.SetPassword(ctx, u.ID, hash, "", audit)
}

// NeedsFirstUser reports whether the installation has no user yet: the
// dashboard then offers to create the first one.
func (a *App) NeedsFirstUser(ctx context.Context) (bool, error) {
	has, err := a.store.HasUsers(ctx)
	return !has, err
}

// FirstUserInput is the first-run form.
type FirstUserInput struct {
	Email, Name, Password string
	IP, UserAgent         string
}

// CreateFirstUser creates the installation's first user and signs them in,
// while there is no user; afterwards it is EFORBIDDEN for good (users come
// by invitation).
func (a *App) CreateFirstUser(ctx context.Context, in FirstUserInput) (string, *openfast.Session, error) {
	email, err := openfast.NormalizeEmail(in.Email)
	if err != nil {
		return "", nil, err
	}
	name, err := openfast.NormalizeName("name", in.Name)
	if err != nil {
		return "", nil, err
	}
	if err := auth.CheckPassword(in.Password); err != nil {
		return "", nil, openfast.Errorf(openfast.EINVALID, "Password: %s.", err.Error())
	}
	if need, err := a.NeedsFirstUser(ctx); err != nil {
		return "", nil, err
	} else if !need {
		return "", nil, firstRunClosed
	}
	hash, err := withHashing(ctx, func() string { return auth.HashPassword(in.Password) })
	if err != nil {
		return "", nil, err
	}
	u := &openfast.User{ID: openfast.NewID(), Email: email, Name: name}
	audit := &openfast.AuditEntry{ActorUserID: u.ID, ActorDisplayKey: SessionDisplayKey, Action: openfast.AuditFirstUser,
		TargetType: "user", TargetID: u.ID, IP: in.IP}
	if err := a.store.CreateFirstUser(ctx, u, hash, audit); err != nil {
		if openfast.ErrorCode(err) == openfast.ECONFLICT {
			return "", nil, firstRunClosed
		}
		return "", nil, err
	}
	return a.startSession(ctx, u.ID, in.IP, in.UserAgent, a.now())
}

var firstRunClosed = openfast.Errorf(openfast.EFORBIDDEN, "This installation has users already: new users come by invitation.")

// sweepSessions deletes the expired sessions every hour until ctx ends.
func (a *App) sweepSessions(ctx context.Context) {
	for {
		now := a.now()
		if _, err := a.store.DeleteExpiredSessions(ctx, now.Add(-openfast.SessionIdleTimeout), now.Add(-openfast.SessionMaxAge)); err != nil && ctx.Err() == nil {
			a.log.Warn("delete expired sessions", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}
