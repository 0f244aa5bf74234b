package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// TestHandler_TablesBounded: events with fresh session ids, fresh visitors,
// fresh user agents and long paths leave every in-memory table of the
// handler within its caps in entries and bytes, and sessions keep a short
// copy of their entry path.
func TestHandler_TablesBounded(t *testing.T) {
	f := newFixture(t, nil)
	const maxEntries, maxBytes = 200, 64 << 10
	f.h.sessions = newSessions(maxEntries, maxBytes)
	f.h.agents = newUserAgents(maxEntries, maxBytes)
	long := "/" + strings.Repeat("a", 2000)
	for i := range 600 {
		fields := map[string]any{
			"href":      fmt.Sprintf("https://example.com%s/%d", long, i),
			"visitorId": randomUUID().String(),
			"sessionId": "s" + randomUUID().String(),
		}
		if i%2 == 1 {
			fields["sessionId"] = nil // a derived session: the visitor table grows
		}
		ua := fmt.Sprintf("%s Extra/%d", chromeMac, i)
		ev, _, filtered, err := f.event(t, ua, fields)
		if err != nil || filtered != "" {
			t.Fatalf("event %d: %v %q", i, err, filtered)
		}
		if len(ev.EntryPath) > maxEntryPathBytes || !strings.HasPrefix(long, ev.EntryPath) {
			t.Fatalf("entry path of %d bytes kept: %.40q", len(ev.EntryPath), ev.EntryPath)
		}
	}
	byID, byVisitor := f.h.sessions.stats()
	for name, st := range map[string]tableStats{"sessions": byID, "visitors": byVisitor, "user agents": f.h.agents.stats()} {
		if st.Entries == 0 || st.Entries > maxEntries || st.Bytes > maxBytes {
			t.Errorf("%s: %d entries, %d bytes; caps %d entries, %d bytes", name, st.Entries, st.Bytes, maxEntries, maxBytes)
		}
	}
}

// TestSessions_EvictionDegrades: a session evicted from a full table goes
// on with the same tracker session id, its next event as its entry.
func TestSessions_EvictionDegrades(t *testing.T) {
	f := newFixture(t, nil)
	f.h.sessions = newSessions(1, 1<<20)
	first, _, _, err := f.event(t, chromeMac, map[string]any{"href": "https://example.com/first"})
	if err != nil || first.EntryPath != "/first" {
		t.Fatalf("first: %v %q", err, first.EntryPath)
	}
	if _, _, _, err := f.event(t, chromeMac, map[string]any{"href": "https://example.com/other", "sessionId": "s" + randomUUID().String()}); err != nil {
		t.Fatal(err)
	}
	again, _, _, err := f.event(t, chromeMac, map[string]any{"href": "https://example.com/again"})
	if err != nil || again.SessionID != first.SessionID || again.EntryPath != "/again" {
		t.Fatalf("after eviction: %v, session %v (was %v), entry %q", err, again.SessionID, first.SessionID, again.EntryPath)
	}
}
