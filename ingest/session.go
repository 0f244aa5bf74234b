package ingest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/openfast/openfast"
)

// SessionTimeout is the inactivity after which a session ends.
const SessionTimeout = 30 * time.Minute

// sessions remembers, for each live session, when it was last seen and its
// entry page and referrer (those of its first pageview), and derives
// session ids for visitors whose tracker sent none. It lives in memory:
// after a restart, a session that goes on starts its entry afresh.
type sessions struct {
	mu        sync.Mutex
	byID      map[sessionKey]*sessionState
	byVisitor map[visitorKey]openfast.UUID // derived sessions
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

func newSessions() *sessions {
	return &sessions{byID: map[sessionKey]*sessionState{}, byVisitor: map[visitorKey]openfast.UUID{}}
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
		derived, ok := s.byVisitor[vk]
		if st := s.byID[sessionKey{website, derived}]; !ok || st == nil || now.Sub(st.last) > SessionTimeout {
			derived = randomUUID()
			s.byVisitor[vk] = derived
		}
		sid = derived
	}
	k := sessionKey{website, sid}
	st := s.byID[k]
	if st == nil || now.Sub(st.last) > SessionTimeout && id == nil {
		st = &sessionState{entryPath: path, referrer: referrer, pageview: isPageview}
		s.byID[k] = st
	} else if isPageview && !st.pageview {
		st.entryPath, st.referrer, st.pageview = path, referrer, true
	}
	if now.After(st.last) {
		st.last = now
	}
	return sid, st.entryPath, st.referrer
}

// sweep forgets sessions idle for longer than the timeout.
func (s *sessions) sweep(now time.Time) {
	for k, st := range s.byID {
		if now.Sub(st.last) > SessionTimeout {
			delete(s.byID, k)
		}
	}
	for vk, sid := range s.byVisitor {
		if _, ok := s.byID[sessionKey{vk.website, sid}]; !ok {
			delete(s.byVisitor, vk)
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
