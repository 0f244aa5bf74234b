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

func TestSnapshot(t *testing.T) {
	tab := New()
	for _, c := range []string{"EUR", "USD", "GBP", "JPY", "CHF", "ZAR"} {
		if !tab.Known(c) {
			t.Errorf("%s unknown", c)
		}
	}
	if tab.Known("XYZ") || tab.Known("RUB") {
		t.Error("a currency without rates is known")
	}
	// 9 May 2025: 1 EUR = 1.1252 USD = 0.8477 GBP.
	if r, ok := tab.Rate("EUR", "USD", day("2025-05-09")); !ok || r != 1.1252 {
		t.Errorf("EUR→USD %v %v", r, ok)
	}
	if r, ok := tab.Rate("USD", "GBP", day("2025-05-09")); !ok || math.Abs(r-0.8477/1.1252) > 1e-12 {
		t.Errorf("USD→GBP %v %v", r, ok)
	}
	// A Saturday takes Friday's rate; a day before the first, the first's.
	sat, _ := tab.Rate("EUR", "USD", day("2025-05-10"))
	early, _ := tab.Rate("EUR", "USD", day("2024-01-01"))
	if sat != 1.1252 || early != 1.1343 {
		t.Errorf("Saturday %v, before the first day %v", sat, early)
	}
	if _, ok := tab.Rate("XYZ", "USD", day("2025-05-09")); ok {
		t.Error("a rate for an unknown currency")
	}
	if r, ok := tab.Rate("XYZ", "XYZ", 0); !ok || r != 1 {
		t.Error("a currency to itself is 1")
	}
}

const feed = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<Cube>
		<Cube time="2025-06-02"><Cube currency="USD" rate="1.1444"/><Cube currency="GBP" rate="0.84"/></Cube>
		<Cube time="2025-05-30"><Cube currency="USD" rate="1.1357"/></Cube>
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
	if err != nil || len(days) != 2 || days[day("2025-06-02")]["GBP"] != 0.84 {
		t.Fatalf("%v %v", days, err)
	}
	if _, err := Fetch(context.Background(), srv.Client(), srv.URL+"/bad"); err == nil {
		t.Fatal("a page that is not rates was read")
	}
	tab := New()
	tab.Merge(days)
	if r, _ := tab.Rate("EUR", "USD", day("2025-06-03")); r != 1.1444 {
		t.Errorf("after the merge: %v", r)
	}
	if r, _ := tab.Rate("EUR", "USD", day("2025-05-09")); r != 1.1252 {
		t.Errorf("the snapshot's day: %v", r)
	}
	if _, err := ParseXML(strings.NewReader(`<Envelope><Cube><Cube time="x"><Cube currency="USD" rate="1"/></Cube></Cube></Envelope>`)); err == nil {
		t.Error("a bad date was read")
	}
}
