package openfast

import (
	"context"
	"time"
)

// Session is a browser signed in to the dashboard. Its cookie holds a
// random value that is stored nowhere: the store keeps its SHA-256 (Hash).
type Session struct {
	ID         string // public: names the session in the list of one's sessions
	UserID     string
	Hash       []byte
	CreatedAt  time.Time
	LastSeenAt time.Time
	UserAgent  string // as the browser sent it at sign-in, cut to MaxSessionUserAgent characters
	IP         string // the address it signed in from
}

// Limits of sessions.
const (
	// SessionIdleTimeout ends a session not used for this long.
	SessionIdleTimeout = 14 * 24 * time.Hour
	// SessionMaxAge ends a session this long after sign-in, used or not.
	SessionMaxAge = 90 * 24 * time.Hour
	// MaxSessionsPerUser bounds a user's sessions: signing in once more
	// ends the least recently used.
	MaxSessionsPerUser = 20
	// MaxSessionUserAgent bounds the User-Agent kept with a session (characters).
	MaxSessionUserAgent = 256
)

// Audit actions of signing in and passwords.
const (
	AuditPasswordSet  = "password.set"
	AuditSessionEnd   = "session.end"
	AuditFirstUser    = "user.first"
	AuditSessionStart = "session.start"
)

// SignInStore keeps users' passwords and dashboard sessions.
type SignInStore interface {
	// PasswordHash returns the user's password hash (a PHC string such as
	// "$argon2id$v=19$..."), "" when the user has no password; ENOTFOUND
	// when there is no such user.
	PasswordHash(ctx context.Context, userID string) (string, error)
	// SetPassword stores hash as the user's password and ends every
	// session of the user but keepSession ("" ends them all), with audit,
	// in one transaction. ENOTFOUND when there is no such user.
	SetPassword(ctx context.Context, userID, hash, keepSession string, audit *AuditEntry) error
	// HasUsers reports whether the installation has any user.
	HasUsers(ctx context.Context) (bool, error)
	// CreateFirstUser creates u with the password hash unless the
	// installation already has a user (ECONFLICT), atomically, also
	// across processes.
	CreateFirstUser(ctx context.Context, u *User, hash string, audit *AuditEntry) error
	// CreateSession inserts s; when the user then has more than limit
	// sessions, the least recently used ones are ended.
	CreateSession(ctx context.Context, s *Session, limit int, audit *AuditEntry) error
	// SessionByHash returns the session whose cookie value hashes to hash,
	// or ENOTFOUND.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// TouchSession moves a session's LastSeenAt forward to at (never back).
	TouchSession(ctx context.Context, id string, at time.Time) error
	// Sessions lists the user's sessions, the most recently used first.
	Sessions(ctx context.Context, userID string) ([]*Session, error)
	// DeleteSession ends one of the user's sessions, or returns
	// ENOTFOUND; audit may be nil (signing out).
	DeleteSession(ctx context.Context, userID, id string, audit *AuditEntry) error
	// DeleteExpiredSessions ends the sessions last used before idleBefore
	// or created before createdBefore, and returns how many.
	DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
}
