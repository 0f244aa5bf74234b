// Package rates holds the European Central Bank's euro reference exchange
// rates (about 30 currencies, one set per business day since 4 January
// 1999), which convert payments to a website's currency at the rate of
// their day. The ECB's whole history is embedded in the binary
// (ecb/eurofxref-hist.csv.zst, ecb/update.sh refreshes it); the server
// adds the newer days from the ECB once a day when it can reach it (Fetch),
// and keeps what it fetched in the metadata store.
package rates

import (
	"context"
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// DefaultURL is the ECB's feed of the last 90 days' rates.
const DefaultURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"

// history is the ECB's eurofxref-hist.csv, zstd-compressed: every
// business day's rates since 1999. ecb/SOURCE says which day it ends on.
//
//go:embed ecb/eurofxref-hist.csv.zst
var history []byte

// maxHistorySize bounds the decompressed history (1.9 MB in 2026).
const maxHistorySize = 64 << 20

// Day is a date as days since 1970-01-01.
type Day = int64

// DayOf is the UTC date of t.
func DayOf(t time.Time) Day {
	return Day(t.UTC().Truncate(24*time.Hour).Unix()) / 86400
}

// point is one day's rate of a currency: what one euro is worth in it.
type point struct {
	day  Day
	rate float64
}

// Table is a set of daily rates: for each currency, what one euro is
// worth in it on each business day. It is safe for concurrent use.
type Table struct {
	mu     sync.RWMutex
	series map[string][]point // by currency, sorted by day; EUR is implied
	last   Day                // the latest day with rates
}

// embedded parses the embedded history once; New copies it.
var embedded = sync.OnceValues(parseHistory)

// parseHistory decompresses and parses the embedded history into a table.
func parseHistory() (*Table, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxHistorySize))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	b, err := dec.DecodeAll(history, nil)
	if err != nil {
		return nil, err
	}
	t := &Table{series: map[string][]point{}}
	err = scanCSV(b, func(d Day, currency string, rate float64) {
		t.series[currency] = append(t.series[currency], point{d, rate})
		t.last = max(t.last, d)
	})
	if err != nil {
		return nil, err
	}
	for c, s := range t.series {
		// The ECB's file lists the newest day first.
		slices.SortFunc(s, func(a, b point) int { return cmpDay(a.day, b.day) })
		t.series[c] = slices.CompactFunc(s, func(a, b point) bool { return a.day == b.day })
	}
	return t, nil
}

func cmpDay(a, b Day) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// New returns a table holding the embedded history.
func New() *Table {
	base, err := embedded()
	if err != nil {
		panic("rates: the embedded history: " + err.Error())
	}
	t := &Table{series: make(map[string][]point, len(base.series)), last: base.last}
	for c, s := range base.series {
		t.series[c] = slices.Clone(s)
	}
	return t
}

// Merge adds (or replaces) the rates of these days.
func (t *Table) Merge(days map[Day]map[string]float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	touched := map[string]bool{}
	for d, rs := range days {
		for c, r := range rs {
			t.series[c] = append(t.series[c], point{d, r})
			touched[c] = true
		}
		if len(rs) > 0 && d > t.last {
			t.last = d
		}
	}
	for c := range touched {
		s := t.series[c]
		// Sort by day, the newest of equal days first, and keep it.
		slices.SortStableFunc(s, func(a, b point) int { return cmpDay(a.day, b.day) })
		out := s[:0]
		for i := range s {
			if len(out) > 0 && out[len(out)-1].day == s[i].day {
				out[len(out)-1] = s[i] // appended later: the newer value
				continue
			}
			out = append(out, s[i])
		}
		t.series[c] = slices.Clip(out)
	}
}

// Last is the latest day with rates (0 for an empty table).
func (t *Table) Last() Day {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.last
}

// quotedWithin is how recent a currency's last rate must be, before the
// table's latest day, for Known.
const quotedWithin = 31

// Known reports whether the table has recent rates for a currency (ISO
// 4217 code, upper case): within a month of its latest day, a currency the
// ECB still quotes. Currencies it stopped quoting (the euro's
// predecessors, RUB since March 2022) still convert old payments but take
// no new ones.
func (t *Table) Known(currency string) bool {
	if currency == "EUR" {
		return true
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	s := t.series[currency]
	return len(s) > 0 && s[len(s)-1].day >= t.last-quotedWithin
}

// perEuro is what one euro is worth in c on day: the rate of the latest
// date at or before day that has one (weekends and holidays have none),
// or else the earliest one after.
func (t *Table) perEuro(c string, day Day) (float64, bool) {
	if c == "EUR" {
		return 1, true
	}
	s := t.series[c]
	if len(s) == 0 {
		return 0, false
	}
	i, _ := slices.BinarySearchFunc(s, day+1, func(p point, d Day) int { return cmpDay(p.day, d) })
	if i > 0 {
		return s[i-1].rate, true
	}
	return s[0].rate, true
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

// ParseCSV reads rates in the ECB's CSV format (eurofxref-hist.csv): a
// header "Date,USD,JPY,…" and a line a day, "N/A" (or nothing) where a
// currency has no rate that day.
func ParseCSV(r io.Reader) (map[Day]map[string]float64, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxHistorySize+1))
	if err != nil {
		return nil, fmt.Errorf("read exchange rates: %w", err)
	}
	if len(b) > maxHistorySize {
		return nil, fmt.Errorf("read exchange rates: more than %d bytes", maxHistorySize)
	}
	out := map[Day]map[string]float64{}
	err = scanCSV(b, func(d Day, currency string, rate float64) {
		if out[d] == nil {
			out[d] = map[string]float64{}
		}
		out[d][currency] = rate
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanCSV calls emit for each rate of the ECB's CSV in b. It splits lines
// and fields itself (the ECB's file has no quoting; a quote makes a bad
// number), which is several times faster than encoding/csv: the embedded
// history is read at every start.
func scanCSV(b []byte, emit func(d Day, currency string, rate float64)) error {
	text := string(b) // one copy; every field below is a substring of it
	line, rest, _ := strings.Cut(text, "\n")
	head := strings.Split(strings.TrimRight(line, "\r"), ",")
	if len(head) < 2 || strings.TrimSpace(head[0]) != "Date" {
		return fmt.Errorf("read exchange rates: the first column is not Date")
	}
	currencies := make([]string, len(head))
	for i, h := range head[1:] {
		h = strings.TrimSpace(h)
		if h != "" && len(h) != 3 {
			return fmt.Errorf("read exchange rates: currency %q", h)
		}
		currencies[i+1] = h
	}
	rates := 0
	for len(rest) > 0 {
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		field, more, _ := strings.Cut(line, ",")
		date, err := time.Parse(time.DateOnly, strings.TrimSpace(field))
		if err != nil {
			return fmt.Errorf("read exchange rates: date %q", field)
		}
		d := DayOf(date)
		for i := 1; more != ""; i++ {
			field, more, _ = strings.Cut(more, ",")
			f := strings.TrimSpace(field)
			if i >= len(currencies) || currencies[i] == "" || f == "" || f == "N/A" {
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v <= 0 || math.IsInf(v, 0) {
				return fmt.Errorf("read exchange rates: %s %q on %s", currencies[i], f, date.Format(time.DateOnly))
			}
			emit(d, currencies[i], v)
			rates++
		}
	}
	if rates == 0 {
		return fmt.Errorf("read exchange rates: no rates")
	}
	return nil
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
