package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/openfast/openfast/ingest"
)

// TestEventsHTTP_AttackMode: isAttackModeEnabled, set through the API,
// filters events without Accept-Language, from datacenter ranges, and
// beyond the burst limit from one address (an IPv6 /64), each under its
// own reason, exactly once; events from browsers are stored, and turning
// the setting off stores the same events again.
func TestEventsHTTP_AttackMode(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	s := newServerConfig(t, ingest.WriterConfig{QueueSize: 100, MaxBatch: 10}, func(c *ingest.Config) {
		trustLoopback(c)
		c.BurstLimit = 5
		c.Now = func() time.Time { return now } // one minute for the whole test
	})
	setAttackMode := func(on bool) {
		t.Helper()
		status, out := s.do(t, "PUT", "/api/v1/admin/websites/"+s.site.ID, map[string]any{"isAttackModeEnabled": on})
		data, _ := out["data"].([]any)
		if status != 200 || len(data) != 1 || fmt.Sprint(data[0].(map[string]any)["isAttackModeEnabled"]) != fmt.Sprint(on) {
			t.Fatalf("set isAttackModeEnabled %v: %d %v", on, status, out)
		}
	}
	noLanguage := map[string]string{"Accept-Language": ""}

	var want tally
	var events []tracked
	// Off (the default): none of the checks applies.
	events = append(events,
		tracked{path: "/off/no-language", ip: "192.0.2.1", header: noLanguage},
		tracked{path: "/off/datacenter", ip: "88.198.0.1"})
	for i := range 7 {
		events = append(events, tracked{path: fmt.Sprintf("/off/burst/%d", i), ip: "192.0.2.2"})
	}
	s.checkTracked(t, &want, events)

	setAttackMode(true)
	events = append(events[:0],
		// Browsers.
		tracked{path: "/on/browser/1", ip: "192.0.2.10"},
		tracked{path: "/on/browser/2", ip: "81.2.69.142"},
		tracked{path: "/on/browser/3", ip: "2001:db8:7::1"},
		// No Accept-Language, or a blank one.
		tracked{path: "/on/no-language/1", ip: "192.0.2.11", header: noLanguage, reason: "attack_mode_no_language"},
		tracked{path: "/on/no-language/2", ip: "192.0.2.12", header: map[string]string{"Accept-Language": " , "}, reason: "attack_mode_no_language"},
		tracked{path: "/on/no-language/3", ip: "88.198.0.1", header: noLanguage, reason: "attack_mode_no_language"}, // the first reason wins
		// Datacenters: Hetzner, AWS, Google, over IPv4, IPv6 and IPv4-mapped.
		tracked{path: "/on/datacenter/1", ip: "88.198.0.1", reason: "attack_mode_datacenter"},
		tracked{path: "/on/datacenter/2", ip: "2a01:4f8::1", reason: "attack_mode_datacenter"},
		tracked{path: "/on/datacenter/3", ip: "3.5.140.2", reason: "attack_mode_datacenter"},
		tracked{path: "/on/datacenter/4", ip: "::ffff:8.8.8.8", reason: "attack_mode_datacenter"},
	)
	// Bursts: the limit is 5 a minute; 192.0.2.2's earlier events, sent
	// with attack mode off, do not count.
	for i := range 7 {
		e := tracked{path: fmt.Sprintf("/on/burst/v4/%d", i), ip: "192.0.2.2"}
		if i >= 5 {
			e.reason = "attack_mode_burst"
		}
		events = append(events, e)
	}
	for i := range 6 { // six addresses of one /64
		e := tracked{path: fmt.Sprintf("/on/burst/v6/%d", i), ip: fmt.Sprintf("2001:db8:9:1::%x", i+1)}
		if i >= 5 {
			e.reason = "attack_mode_burst"
		}
		events = append(events, e)
	}
	events = append(events, tracked{path: "/on/burst/next-64", ip: "2001:db8:9:2::1"})
	s.checkTracked(t, &want, events)

	setAttackMode(false)
	s.checkTracked(t, &want, append(events[:0],
		tracked{path: "/off-again/no-language", ip: "192.0.2.11", header: noLanguage},
		tracked{path: "/off-again/datacenter", ip: "88.198.0.1"},
		tracked{path: "/off-again/burst", ip: "192.0.2.2"}))
}
