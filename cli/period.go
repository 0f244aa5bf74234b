package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// periodHelp lists the relative periods --period takes.
const periodHelp = "relative range: today, yesterday, Nd (the last N days with today, such as 7d or 30d), Nmo (the last N calendar months with this one, such as 12mo), mtd, ytd or all; days of the website's time zone (or --timezone); not with --from/--to"

// Bounds of Nd and Nmo: ten years.
const (
	maxPeriodDays   = 3660
	maxPeriodMonths = 120
)

// periodRange turns a relative period into the first and last day
// (YYYY-MM-DD, both included) of the range it covers on the calendar of
// now's location; all is true for "all" (no range).
func periodRange(period string, now time.Time) (from, to string, all bool, err error) {
	y, m, d := now.Date()
	day := func(dd int) string { return time.Date(y, m, d+dd, 12, 0, 0, 0, time.UTC).Format(time.DateOnly) }
	today := day(0)
	switch period {
	case "all":
		return "", "", true, nil
	case "today":
		return today, today, false, nil
	case "yesterday":
		return day(-1), day(-1), false, nil
	case "mtd":
		return time.Date(y, m, 1, 12, 0, 0, 0, time.UTC).Format(time.DateOnly), today, false, nil
	case "ytd":
		return time.Date(y, 1, 1, 12, 0, 0, 0, time.UTC).Format(time.DateOnly), today, false, nil
	}
	bad := fmt.Errorf("--period %q: want today, yesterday, Nd (such as 7d or 30d), Nmo (such as 12mo), mtd, ytd or all", period)
	if digits, ok := strings.CutSuffix(period, "mo"); ok {
		n, ok := periodCount(digits, maxPeriodMonths)
		if !ok {
			return "", "", false, bad
		}
		return time.Date(y, m-time.Month(n-1), 1, 12, 0, 0, 0, time.UTC).Format(time.DateOnly), today, false, nil
	}
	if digits, ok := strings.CutSuffix(period, "d"); ok {
		n, ok := periodCount(digits, maxPeriodDays)
		if !ok {
			return "", "", false, bad
		}
		return day(1 - n), today, false, nil
	}
	return "", "", false, bad
}

// periodCount reads the N of Nd or Nmo: digits only, 1 to max.
func periodCount(digits string, max int) (int, bool) {
	if digits == "" || len(digits) > 4 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 1 && n <= max
}

// localTimezone is the IANA name of this machine's time zone: TZ when it
// names one (empty is UTC), else the zone /etc/localtime links to, else
// /etc/timezone's, else UTC.
func localTimezone() string {
	valid := func(name string) bool {
		if name == "" || name == "Local" {
			return false
		}
		_, err := time.LoadLocation(name)
		return err == nil
	}
	if tz, ok := os.LookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" {
			return "UTC"
		}
		if valid(tz) {
			return tz
		}
		if _, name, ok := strings.Cut(tz, "zoneinfo/"); ok && valid(name) {
			return name
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(filepath.ToSlash(target), "zoneinfo/"); ok && valid(name) {
			return name
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		if name := strings.TrimSpace(string(b)); valid(name) {
			return name
		}
	}
	return "UTC"
}
