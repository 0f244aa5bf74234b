// Package rates holds the European Central Bank's euro reference exchange
// rates (about 30 currencies, one set per business day), which convert
// payments to a website's currency at the rate of their day. A snapshot is
// embedded in the binary; the server refreshes it from the ECB once a day
// when it can reach it (Fetch), and keeps what it fetched in the metadata
// store.
package rates

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// DefaultURL is the ECB's feed of the last 90 days' rates.
const DefaultURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"

// snapshot is the embedded set of rates, in the ECB's XML format.
//
//go:embed snapshot.xml
var snapshot []byte

// Day is a date as days since 1970-01-01.
type Day = int64

// DayOf is the UTC date of t.
func DayOf(t time.Time) Day {
	return Day(t.UTC().Truncate(24*time.Hour).Unix()) / 86400
}

// Table is a set of daily rates: for each date, what one euro is worth in
// each currency. It is safe for concurrent use.
type Table struct {
	mu    sync.RWMutex
	days  []Day                      // sorted
	rates map[Day]map[string]float64 // per euro; EUR is implied
	known map[string]bool
}

// New returns a table holding the embedded snapshot.
func New() *Table {
	t := &Table{rates: map[Day]map[string]float64{}, known: map[string]bool{"EUR": true}}
	days, err := ParseXML(bytes.NewReader(snapshot))
	if err != nil {
		panic("rates: the embedded snapshot: " + err.Error())
	}
	t.Merge(days)
	return t
}

// Merge adds (or replaces) the rates of these days.
func (t *Table) Merge(days map[Day]map[string]float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for d, rs := range days {
		if _, ok := t.rates[d]; !ok {
			t.days = append(t.days, d)
		}
		t.rates[d] = rs
		for c := range rs {
			t.known[c] = true
		}
	}
	sort.Slice(t.days, func(i, j int) bool { return t.days[i] < t.days[j] })
}

// Days returns the table's rates, for saving.
func (t *Table) Days() map[Day]map[string]float64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[Day]map[string]float64, len(t.rates))
	for d, rs := range t.rates {
		out[d] = rs
	}
	return out
}

// Known reports whether the table has rates for a currency (ISO 4217
// code, upper case).
func (t *Table) Known(currency string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.known[currency]
}

// perEuro is what one euro is worth in c on day: the rate of the latest
// date at or before day that has one (weekends and holidays have none),
// or else the earliest one after.
func (t *Table) perEuro(c string, day Day) (float64, bool) {
	if c == "EUR" {
		return 1, true
	}
	i := sort.Search(len(t.days), func(i int) bool { return t.days[i] > day })
	for j := i - 1; j >= 0; j-- {
		if r, ok := t.rates[t.days[j]][c]; ok {
			return r, true
		}
	}
	for j := i; j < len(t.days); j++ {
		if r, ok := t.rates[t.days[j]][c]; ok {
			return r, true
		}
	}
	return 0, false
}

// Rate implements analytics.Rates: what one unit of from is worth in to
// on day, through the euro.
func (t *Table) Rate(from, to string, day Day) (float64, bool) {
	if from == to {
		return 1, true
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	f, ok1 := t.perEuro(from, day)
	g, ok2 := t.perEuro(to, day)
	if !ok1 || !ok2 || f == 0 {
		return 0, false
	}
	return g / f, true
}

// The ECB's XML: Cube elements dated by time, holding Cube elements with
// currency and rate.
type envelope struct {
	Cube struct {
		Days []struct {
			Time  string `xml:"time,attr"`
			Rates []struct {
				Currency string `xml:"currency,attr"`
				Rate     string `xml:"rate,attr"`
			} `xml:"Cube"`
		} `xml:"Cube"`
	} `xml:"Cube"`
}

// ParseXML reads rates in the ECB's XML format (eurofxref-daily.xml,
// eurofxref-hist-90d.xml, eurofxref-hist.xml).
func ParseXML(r io.Reader) (map[Day]map[string]float64, error) {
	var env envelope
	if err := xml.NewDecoder(r).Decode(&env); err != nil {
		return nil, fmt.Errorf("read exchange rates: %w", err)
	}
	out := map[Day]map[string]float64{}
	for _, d := range env.Cube.Days {
		date, err := time.Parse(time.DateOnly, d.Time)
		if err != nil {
			return nil, fmt.Errorf("read exchange rates: date %q", d.Time)
		}
		rs := map[string]float64{}
		for _, x := range d.Rates {
			v, err := strconv.ParseFloat(x.Rate, 64)
			if err != nil || v <= 0 || len(x.Currency) != 3 {
				return nil, fmt.Errorf("read exchange rates: %s %q on %s", x.Currency, x.Rate, d.Time)
			}
			rs[x.Currency] = v
		}
		if len(rs) > 0 {
			out[DayOf(date)] = rs
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read exchange rates: no rates")
	}
	return out, nil
}

// Fetch downloads and reads rates from url (the ECB's XML), at most 8 MiB.
func Fetch(ctx context.Context, client *http.Client, url string) (map[Day]map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch exchange rates: %w", err)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch exchange rates: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch exchange rates: %s", res.Status)
	}
	return ParseXML(io.LimitReader(res.Body, 8<<20))
}
