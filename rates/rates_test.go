package rates

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func day(s string) Day {
	t, _ := time.Parse(time.DateOnly, s)
	return DayOf(t)
}

func TestHistory(t *testing.T) {
	tab := New()
	for _, c := range []string{"EUR", "USD", "GBP", "JPY", "CHF", "ZAR"} {
		if !tab.Known(c) {
			t.Errorf("%s unknown", c)
		}
	}
	// XYZ never had rates; the ECB stopped quoting RUB in March 2022 and
	// CYP when Cyprus took the euro: old payments convert, new ones are
	// refused.
	for _, c := range []string{"XYZ", "RUB", "CYP"} {
		if tab.Known(c) {
			t.Errorf("%s is known", c)
		}
	}
	// 9 May 2025: 1 EUR = 1.1252 USD = 0.8477 GBP.
	if r, ok := tab.Rate("EUR", "USD", day("2025-05-09")); !ok || r != 1.1252 {
		t.Errorf("EUR→USD %v %v", r, ok)
	}
	if r, ok := tab.Rate("USD", "GBP", day("2025-05-09")); !ok || math.Abs(r-0.8477/1.1252) > 1e-12 {
		t.Errorf("USD→GBP %v %v", r, ok)
	}
	// The first day, 4 January 1999: 1 EUR = 1.1789 USD; a day before it
	// takes its rate; a Saturday takes Friday's.
	first, _ := tab.Rate("EUR", "USD", day("1999-01-04"))
	early, _ := tab.Rate("EUR", "USD", day("1998-06-01"))
	sat, _ := tab.Rate("EUR", "USD", day("2025-05-10"))
	if first != 1.1789 || early != 1.1789 || sat != 1.1252 {
		t.Errorf("first day %v, before it %v, Saturday %v", first, early, sat)
	}
	// A currency the ECB no longer quotes converts at its last rate.
	if r, ok := tab.Rate("CYP", "EUR", day("2020-01-01")); !ok || math.Abs(r-1/0.585274) > 1e-9 {
		t.Errorf("CYP→EUR %v %v", r, ok)
	}
	if _, ok := tab.Rate("XYZ", "USD", day("2025-05-09")); ok {
		t.Error("a rate for an unknown currency")
	}
	if r, ok := tab.Rate("XYZ", "XYZ", 0); !ok || r != 1 {
		t.Error("a currency to itself is 1")
	}
}

func TestParseCSV(t *testing.T) {
	days, err := ParseCSV(strings.NewReader("Date,USD,RUB,\n2025-06-02,1.1444,N/A,\n2025-05-30,1.1357,90.1,\n"))
	if err != nil || len(days) != 2 || days[day("2025-06-02")]["USD"] != 1.1444 || len(days[day("2025-06-02")]) != 1 || days[day("2025-05-30")]["RUB"] != 90.1 {
		t.Fatalf("%v %v", days, err)
	}
	for _, bad := range []string{"", "Day,USD\n2025-01-01,1\n", "Date,USD\nx,1\n", "Date,USD\n2025-01-01,-1\n", "Date,USDX\n2025-01-01,1\n", "Date,USD\n"} {
		if _, err := ParseCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("%q was read", bad)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("Date,USD,JPY,\n2025-06-02,1.1444,N/A,\n")
	f.Add("Date,USD\n2025-06-02,\"1\n")
	f.Fuzz(func(t *testing.T, s string) {
		days, err := ParseCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		tab := &Table{series: map[string][]point{}}
		tab.Merge(days)
		for _, rs := range days {
			for c, r := range rs {
				if r <= 0 || !tab.Known(c) && len(c) != 3 {
					t.Fatalf("%s %v", c, r)
				}
			}
		}
	})
}

const feed = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<Cube>
		<Cube time="2026-05-04"><Cube currency="USD" rate="1.1444"/><Cube currency="GBP" rate="0.84"/></Cube>
		<Cube time="2025-05-09"><Cube currency="USD" rate="1.5"/></Cube>
	</Cube>
</gesmes:Envelope>`

func TestFetchAndMerge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.Write([]byte("<html>"))
			return
		}
		w.Write([]byte(feed))
	}))
	defer srv.Close()
	days, err := Fetch(context.Background(), srv.Client(), srv.URL+"/rates.xml")
	if err != nil || len(days) != 2 || days[day("2026-05-04")]["GBP"] != 0.84 {
		t.Fatalf("%v %v", days, err)
	}
	if _, err := Fetch(context.Background(), srv.Client(), srv.URL+"/bad"); err == nil {
		t.Fatal("a page that is not rates was read")
	}
	tab := New()
	tab.Merge(days)
	// A new day, and a day of the history replaced; JPY, missing from
	// the feed, is still quoted.
	if r, _ := tab.Rate("EUR", "USD", day("2026-05-05")); r != 1.1444 {
		t.Errorf("after the merge: %v", r)
	}
	if r, _ := tab.Rate("EUR", "USD", day("2025-05-09")); r != 1.5 {
		t.Errorf("a replaced day: %v", r)
	}
	if r, _ := tab.Rate("EUR", "USD", day("2025-05-08")); r != 1.1297 {
		t.Errorf("a day of the history: %v", r)
	}
	if !tab.Known("JPY") {
		t.Error("JPY unknown after the merge")
	}
	if _, err := ParseXML(strings.NewReader(`<Envelope><Cube><Cube time="x"><Cube currency="USD" rate="1"/></Cube></Cube></Envelope>`)); err == nil {
		t.Error("a bad date was read")
	}
}

func FuzzParseXML(f *testing.F) {
	f.Add(feed)
	f.Add(`<Envelope><Cube><Cube time="2025-01-01"><Cube currency="USD" rate="0"/></Cube></Cube></Envelope>`)
	f.Fuzz(func(t *testing.T, s string) {
		days, err := ParseXML(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, rs := range days {
			for c, r := range rs {
				if r <= 0 || len(c) != 3 {
					t.Fatalf("%s %v", c, r)
				}
			}
		}
	})
}

// BenchmarkParseHistory measures what serve pays once at start: the
// embedded history decompressed and parsed.
func BenchmarkParseHistory(b *testing.B) {
	for b.Loop() {
		if _, err := parseHistory(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRate measures one conversion, done per payment row at read time.
func BenchmarkRate(b *testing.B) {
	tab := New()
	d := day("2019-07-15")
	for b.Loop() {
		if _, ok := tab.Rate("USD", "JPY", d); !ok {
			b.Fatal("no rate")
		}
	}
}
