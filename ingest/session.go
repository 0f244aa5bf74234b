package ingest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/openfast/openfast"
)

// SessionTimeout is the inactivity after which a session ends.
const SessionTimeout = 30 * time.Minute

// Bounds of the session tables: a public request can add an entry to each
// (a fresh session id, a fresh visitor), so both are capped in entries and
// bytes; when full, they evict entries at random (see table).
const (
	maxSessions       = 250_000
	maxSessionBytes   = 64 << 20
	maxEntryPathBytes = 512 // of a session's entry path as kept and returned
	sessionOverhead   = 96  // key, value and map slot of an entry, roughly
)

// sessions remembers, for each live session, when it was last seen and its
// entry page and referrer (those of its first pageview), and derives
// session ids for visitors whose tracker sent none. It lives in memory:
// after a restart, a session that goes on starts its entry afresh.
//
// Both tables are bounded (maxSessions, maxSessionBytes) and evict at
// random when full. An evicted session degrades as after a restart: with
// the tracker's session id, the id is kept and its next event becomes the
// entry (entry path and referrer of that event); a derived session (no
// tracker id) whose visitor entry is evicted starts a new session id.
// Entry paths are kept cloned and cut to maxEntryPathBytes, so that an
// entry never holds on to the request's larger strings.
type sessions struct {
	mu        sync.Mutex
	byID      *table[sessionKey, sessionState]
	byVisitor *table[visitorKey, openfast.UUID] // derived sessions
	lastSweep time.Time
}

type sessionKey struct {
	website string
	id      openfast.UUID
}

type visitorKey struct {
	website string
	visitor openfast.UUID
}

type sessionState struct {
	last      time.Time
	entryPath string
	referrer  string
	pageview  bool // whether the entry comes from a pageview
}

func newSessions(maxEntries, maxBytes int) *sessions {
	return &sessions{
		byID: newTable(maxEntries, maxBytes, func(k sessionKey, st sessionState) int {
			return sessionOverhead + len(k.website) + len(st.entryPath) + len(st.referrer)
		}),
		byVisitor: newTable(maxEntries, maxBytes, func(k visitorKey, _ openfast.UUID) int {
			return sessionOverhead + len(k.website)
		}),
	}
}

// stats says what the session tables hold.
func (s *sessions) stats() (byID, byVisitor tableStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID.stats(), s.byVisitor.stats()
}

// track records an event of a session at now and returns the session's
// id, entry path and referrer. id is the tracker's session id, or nil to
// derive one from the visitor (30 minutes of inactivity end it).
func (s *sessions) track(website string, visitor openfast.UUID, id *openfast.UUID, now time.Time, isPageview bool, path, referrer string) (openfast.UUID, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) > time.Minute {
		s.sweep(now)
	}
	var sid openfast.UUID
	if id != nil {
		sid = *id
	} else {
		vk := visitorKey{website, visitor}
		derived, ok := s.byVisitor.get(vk)
		if st, found := s.byID.get(sessionKey{website, derived}); !ok || !found || now.Sub(st.last) > SessionTimeout {
			derived = randomUUID()
			s.byVisitor.put(vk, derived)
		}
		sid = derived
	}
	k := sessionKey{website, sid}
	st, found := s.byID.get(k)
	if !found || now.Sub(st.last) > SessionTimeout && id == nil {
		st = sessionState{entryPath: entryPath(path), referrer: strings.Clone(referrer), pageview: isPageview}
	} else if isPageview && !st.pageview {
		st.entryPath, st.referrer, st.pageview = entryPath(path), strings.Clone(referrer), true
	}
	if now.After(st.last) {
		st.last = now
	}
	s.byID.put(k, st)
	return sid, st.entryPath, st.referrer
}

// entryPath is the copy of a path that a session keeps: cut to
// maxEntryPathBytes, and cloned so that it does not keep the request's
// strings alive.
func entryPath(path string) string {
	if len(path) > maxEntryPathBytes {
		n := maxEntryPathBytes
		for n > 0 && !utf8.RuneStart(path[n]) {
			n--
		}
		path = path[:n]
	}
	return strings.Clone(path)
}

// sweep forgets sessions idle for longer than the timeout.
func (s *sessions) sweep(now time.Time) {
	for k, st := range s.byID.m {
		if now.Sub(st.last) > SessionTimeout {
			s.byID.delete(k)
		}
	}
	for vk, sid := range s.byVisitor.m {
		if _, ok := s.byID.get(sessionKey{vk.website, sid}); !ok {
			s.byVisitor.delete(vk)
		}
	}
	s.lastSweep = now
}

func randomUUID() openfast.UUID {
	var u openfast.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// salts derives cookieless visitor ids from a random salt that changes
// every UTC day. With a store, the salt is the store's (every server of an
// installation derives the same ids, and the store deletes old salts);
// without one, it lives in this process only. Either way yesterday's
// visitors cannot be linked to today's.
type salts struct {
	store openfast.SaltStore
	mu    sync.Mutex
	day   string
	salt  []byte
}

// visitorID returns the cookieless visitor id of a client on a website.
func (s *salts) visitorID(ctx context.Context, now time.Time, website, ip, userAgent string) (openfast.UUID, error) {
	day := now.UTC().Format(time.DateOnly)
	s.mu.Lock()
	if s.day != day {
		var salt []byte
		if s.store != nil {
			var err error
			if salt, err = s.store.DailySalt(ctx, day); err != nil {
				s.mu.Unlock()
				return openfast.UUID{}, err
			}
		} else {
			salt = make([]byte, 32)
			rand.Read(salt)
		}
		s.day, s.salt = day, salt
	}
	mac := hmac.New(sha256.New, s.salt)
	s.mu.Unlock()
	mac.Write([]byte(website))
	mac.Write([]byte{0})
	mac.Write([]byte(ip))
	mac.Write([]byte{0})
	mac.Write([]byte(userAgent))
	var u openfast.UUID
	copy(u[:], mac.Sum(nil))
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u, nil
}
