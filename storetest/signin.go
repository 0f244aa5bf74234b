package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func newSession(u *openfast.User, at time.Time) *openfast.Session {
	id := openfast.NewID()
	return &openfast.Session{ID: id, UserID: u.ID, Hash: hashOf(id), CreatedAt: at, LastSeenAt: at, UserAgent: "Firefox", IP: "192.0.2.1"}
}

// testFirstUser: the first user is created once, also by racing callers,
// and not once any user exists.
func testFirstUser(t *testing.T, s openfast.MetadataStore) {
	has, err := s.HasUsers(ctx)
	must(t, err)
	if has {
		t.Fatal("a fresh store has users")
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			u := &openfast.User{ID: openfast.NewID(), Email: "first" + string(rune('a'+i)) + "@example.com"}
			errs[i] = s.CreateFirstUser(ctx, u, "$argon2id$hash", &openfast.AuditEntry{ActorUserID: u.ID, Action: openfast.AuditFirstUser, TargetType: "user", TargetID: u.ID})
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch openfast.ErrorCode(err) {
		case "":
			created++
		case openfast.ECONFLICT:
		default:
			t.Fatal(err)
		}
	}
	if created != 1 {
		t.Fatalf("%d first users created, want 1", created)
	}
	if has, _ = s.HasUsers(ctx); !has {
		t.Fatal("no users after the first")
	}
	wantCode(t, s.CreateFirstUser(ctx, &openfast.User{ID: openfast.NewID(), Email: "late@example.com"}, "h", nil), openfast.ECONFLICT)
}

func testPasswordsAndSessions(t *testing.T, s openfast.MetadataStore) {
	u, other := newUser(t, s), newUser(t, s)
	if h, err := s.PasswordHash(ctx, u.ID); err != nil || h != "" {
		t.Fatalf("a new user's password hash %q, %v", h, err)
	}
	_, err := s.PasswordHash(ctx, openfast.NewID())
	wantCode(t, err, openfast.ENOTFOUND)
	wantCode(t, s.SetPassword(ctx, openfast.NewID(), "h", "", nil), openfast.ENOTFOUND)

	t0 := time.Now().UTC().Truncate(time.Millisecond)
	a, b, c := newSession(u, t0), newSession(u, t0.Add(time.Second)), newSession(other, t0)
	for _, x := range []*openfast.Session{a, b, c} {
		must(t, s.CreateSession(ctx, x, 10, nil))
	}
	got, err := s.SessionByHash(ctx, a.Hash)
	must(t, err)
	if got.ID != a.ID || got.UserID != u.ID || !got.CreatedAt.Equal(t0) || got.UserAgent != "Firefox" || got.IP != "192.0.2.1" {
		t.Fatalf("SessionByHash = %+v", got)
	}
	_, err = s.SessionByHash(ctx, hashOf("nothing"))
	wantCode(t, err, openfast.ENOTFOUND)

	// Touching moves forward only; the list is the most recently used first.
	must(t, s.TouchSession(ctx, a.ID, t0.Add(time.Minute)))
	must(t, s.TouchSession(ctx, a.ID, t0))
	list, err := s.Sessions(ctx, u.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || !list[0].LastSeenAt.Equal(t0.Add(time.Minute)) || list[1].ID != b.ID {
		t.Fatalf("Sessions = %+v", list)
	}

	// A password change ends the user's other sessions, not others'.
	must(t, s.SetPassword(ctx, u.ID, "$argon2id$new", a.ID, &openfast.AuditEntry{ActorUserID: u.ID, Action: openfast.AuditPasswordSet, TargetType: "user", TargetID: u.ID}))
	if h, _ := s.PasswordHash(ctx, u.ID); h != "$argon2id$new" {
		t.Fatalf("password hash %q", h)
	}
	if list, _ = s.Sessions(ctx, u.ID); len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("sessions after the password change: %+v", list)
	}
	if list, _ = s.Sessions(ctx, other.ID); len(list) != 1 {
		t.Fatalf("another user's sessions: %+v", list)
	}

	// One can end only one's own sessions.
	wantCode(t, s.DeleteSession(ctx, other.ID, a.ID, nil), openfast.ENOTFOUND)
	must(t, s.DeleteSession(ctx, u.ID, a.ID, nil))
	wantCode(t, s.DeleteSession(ctx, u.ID, a.ID, nil), openfast.ENOTFOUND)
	_, err = s.SessionByHash(ctx, a.Hash)
	wantCode(t, err, openfast.ENOTFOUND)

	// Beyond the limit, the least recently used sessions end.
	var made []*openfast.Session
	for i := range 5 {
		x := newSession(u, t0.Add(time.Duration(i)*time.Hour))
		made = append(made, x)
		must(t, s.CreateSession(ctx, x, 3, nil))
	}
	if list, _ = s.Sessions(ctx, u.ID); len(list) != 3 || list[0].ID != made[4].ID || list[2].ID != made[2].ID {
		t.Fatalf("sessions beyond the limit: %+v", list)
	}

	// Expiry: idle, or too old however used.
	old := newSession(other, t0.Add(-100*24*time.Hour))
	old.LastSeenAt = t0
	idle := newSession(other, t0.Add(-20*24*time.Hour))
	must(t, s.CreateSession(ctx, old, 10, nil))
	must(t, s.CreateSession(ctx, idle, 10, nil))
	n, err := s.DeleteExpiredSessions(ctx, t0.Add(-openfast.SessionIdleTimeout), t0.Add(-openfast.SessionMaxAge))
	must(t, err)
	if n != 2 {
		t.Fatalf("%d expired sessions deleted, want 2", n)
	}
	if list, _ = s.Sessions(ctx, other.ID); len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("sessions after expiry: %+v", list)
	}
}
