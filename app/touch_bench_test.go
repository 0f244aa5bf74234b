package app

import (
	"testing"
	"time"

	"github.com/openfast/openfast/auth"
)

// BenchmarkUsageTracker_Touch is the tracker's share of the hot path: one
// use of an already tracked credential.
func BenchmarkUsageTracker_Touch(b *testing.B) {
	u := newUsageTracker()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	u.touch(auth.KindWebsiteKey, "6b16135227594949f3fd9144", now)
	for b.Loop() {
		u.touch(auth.KindWebsiteKey, "6b16135227594949f3fd9144", now)
	}
}
