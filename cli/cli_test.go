package cli

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/client"
	"github.com/openfast/openfast/wire"
)

func TestCLI_ParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in, dim, op string
		values      []string
	}{
		{"country=US", "country", "", []string{"US"}},
		{"filter_country=is_not:France,DE", "country", "is_not", []string{"France", "DE"}},
		{"page=contains:/docs", "page", "contains", []string{"/docs"}},
		{"referrer=https://news.ycombinator.com/", "referrer", "", []string{"https://news.ycombinator.com/"}},
		{"utm_source=does_not_contain:news", "utm_source", "does_not_contain", []string{"news"}},
	} {
		f, err := parseFilter(tc.in)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tc.in, err)
			continue
		}
		if f.Dimension != tc.dim || f.Op != tc.op || strings.Join(f.Values, "|") != strings.Join(tc.values, "|") {
			t.Errorf("parseFilter(%q) = %+v", tc.in, f)
		}
	}
	for _, bad := range []string{"country", "=US", "Country=US", "country=", "country=is:"} {
		if _, err := parseFilter(bad); err == nil || exitCode(err) != ExitUsage {
			t.Errorf("parseFilter(%q) = %v, want a usage error", bad, err)
		}
	}
	f, _ := parseFilter("page=contains:/docs")
	g, _ := parseFilter("goal=signup")
	c, _ := parseFilter("country=US")
	rest, extra, err := visitorFilters([]client.Filter{f, g, c})
	if err != nil || len(rest) != 1 || rest[0].Dimension != "country" ||
		extra["visitedPageContains"][0] != "/docs" || extra["completedGoal"][0] != "signup" {
		t.Errorf("visitorFilters = %v, %v, %v", rest, extra, err)
	}
}

func TestCLI_Columns(t *testing.T) {
	rows, err := decodeObjects(json.RawMessage(`[{"payments":0,"path":"/","campaign":{"utm_source":"x"},"visitors":3,"image":"u"}]`))
	if err != nil {
		t.Fatal(err)
	}
	got := columns(rows, []string{"path", "utm_source", "visitors"}, []string{"image"})
	if want := []string{"path", "campaign.utm_source", "visitors", "payments"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("columns = %v, want %v", got, want)
	}
	for key, want := range map[string]string{"bounce_rate": "BOUNCE RATE", "system.browser.name": "BROWSER", "location.countryCode": "COUNTRY CODE"} {
		if h := header(key); h != want {
			t.Errorf("header(%q) = %q, want %q", key, h, want)
		}
	}
	for raw, want := range map[string]string{`null`: "-", `""`: "-", `["a","b"]`: "a,b", `12.5`: "12.5", `"2026-05-21T10:00:00.000Z"`: "2026-05-21 10:00:00"} {
		if c := cell(json.RawMessage(raw)); c != want {
			t.Errorf("cell(%s) = %q, want %q", raw, c, want)
		}
	}
}

// TestWebsiteSettings checks that `websites update` has a flag for every
// setting of wire.Website, each of a kind it knows how to send.
func TestWebsiteSettings(t *testing.T) {
	flags := map[string]bool{}
	for _, st := range websiteSettings {
		switch st.kind() {
		case settingString, settingNullable, settingBool, settingList, settingDays:
		default:
			t.Errorf("--%s sets %s, of type %v, which no flag kind sends", st.flag, st.member, st.kind())
		}
		flags[st.member] = true
	}
	readOnly := []string{"_id", "trackingId", "createdAt"}
	typ := reflect.TypeFor[wire.Website]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if !flags[name] && !slices.Contains(readOnly, name) {
			t.Errorf("wire.Website.%s (%s) has no flag in websites update", typ.Field(i).Name, name)
		}
	}
}

func TestCLI_PaidAmount(t *testing.T) {
	var goal wire.CompletedGoal
	if err := json.Unmarshal([]byte(`{"name":"signup","description":null,"isServer":false,"origin":"manual","timestamp":"2026-03-10T08:00:00.000Z"}`), &goal); err != nil {
		t.Fatal(err)
	}
	if got := paidAmount(goal); got != dash {
		t.Errorf("paidAmount(goal) = %q, want %q", got, dash)
	}
	for body, want := range map[string]string{
		`"amount":29.99,"currency":"EUR","renewal":false,"refunded":false`: "29.99 EUR",
		`"amount":19,"currency":"USD","renewal":true,"refunded":false`:     "19.00 USD (renewal)",
		`"amount":-10,"currency":"USD","renewal":false,"refunded":true`:    "-10.00 USD (refund)",
	} {
		var pay wire.CompletedGoal
		if err := json.Unmarshal([]byte(`{"name":"payment","origin":"payment_provider",`+body+`}`), &pay); err != nil {
			t.Fatal(err)
		}
		if got := paidAmount(pay); got != want {
			t.Errorf("paidAmount(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestCLI_ExpiryFlags(t *testing.T) {
	if got, err := expiryFlags("", ""); got != "" || err != nil {
		t.Errorf("no flags = %q, %v; want never", got, err)
	}
	if got, err := expiryFlags("", "2027-01-01T02:00:00+02:00"); got != "2027-01-01T00:00:00Z" || err != nil {
		t.Errorf("--expires-at = %q, %v", got, err)
	}
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "365d": 365 * 24 * time.Hour, "12h": 12 * time.Hour} {
		before := time.Now()
		got, err := expiryFlags(in, "")
		at, perr := time.Parse(time.RFC3339Nano, got)
		if err != nil || perr != nil || at.Before(before.Add(want)) || at.After(time.Now().Add(want)) {
			t.Errorf("--expires-in %s = %q, %v", in, got, err)
		}
	}
	for _, bad := range [][2]string{{"30d", "2027-01-01T00:00:00Z"}, {"0d", ""}, {"-1h", ""}, {"30", ""}, {"xd", ""}, {"", "2027-01-01"}, {"", "tomorrow"}} {
		if _, err := expiryFlags(bad[0], bad[1]); err == nil || exitCode(err) != ExitUsage {
			t.Errorf("expiryFlags(%q, %q) = %v, want a usage error", bad[0], bad[1], err)
		}
	}
}

func TestCLI_AllowedIPsFlag(t *testing.T) {
	if got, err := allowedIPsFlag("10.0.0.0/8, 203.0.113.7 2001:db8::/32,"); err != nil || strings.Join(got, "|") != "10.0.0.0/8|203.0.113.7|2001:db8::/32" {
		t.Errorf("allowedIPsFlag = %q, %v", got, err)
	}
	for _, bad := range []string{"", " ", ",,"} {
		if _, err := allowedIPsFlag(bad); err == nil || exitCode(err) != ExitUsage {
			t.Errorf("allowedIPsFlag(%q) = %v, want a usage error", bad, err)
		}
	}
	list := []string{"10.0.0.0/8", "::1/128"}
	if got := allowedIPsColumn(&list); got != "10.0.0.0/8,::1/128" {
		t.Errorf("allowedIPsColumn = %q", got)
	}
	if got := allowedIPsColumn(nil); got != "any" {
		t.Errorf("allowedIPsColumn(nil) = %q", got)
	}
}
