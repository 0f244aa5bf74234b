// Package rates holds the European Central Bank's euro reference exchange
// rates (about 30 currencies, one set per business day since 4 January
// 1999), which convert payments to a website's currency at the rate of
// their day. The ECB's whole history is embedded in the binary
// (ecb/eurofxref-hist.csv.zst, ecb/update.sh refreshes it); the server
// adds the newer days from the ECB once a day when it can reach it (Fetch),
// and keeps what it fetched in the metadata store.
package rates

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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
var embedded = sync.OnceValues(func() (map[Day]map[string]float64, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxHistorySize))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	b, err := dec.DecodeAll(history, nil)
	if err != nil {
		return nil, err
	}
	return ParseCSV(bytes.NewReader(b))
})

// New returns a table holding the embedded history.
func New() *Table {
	days, err := embedded()
	if err != nil {
		panic("rates: the embedded history: " + err.Error())
	}
	t := &Table{series: map[string][]point{}}
	t.Merge(days)
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
		slices.SortStableFunc(s, func(a, b point) int { return int(a.day - b.day) })
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
	i, _ := slices.BinarySearchFunc(s, day+1, func(p point, d Day) int { return int(p.day - d) })
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
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read exchange rates: %w", err)
	}
	if len(head) < 2 || strings.TrimSpace(head[0]) != "Date" {
		return nil, fmt.Errorf("read exchange rates: the first column is not Date")
	}
	currencies := make([]string, len(head))
	for i, h := range head[1:] {
		h = strings.TrimSpace(h)
		if h != "" && len(h) != 3 {
			return nil, fmt.Errorf("read exchange rates: currency %q", h)
		}
		currencies[i+1] = h
	}
	out := map[Day]map[string]float64{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read exchange rates: %w", err)
		}
		date, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("read exchange rates: date %q", rec[0])
		}
		rs := map[string]float64{}
		for i, f := range rec[1:] {
			f = strings.TrimSpace(f)
			if i+1 >= len(currencies) || currencies[i+1] == "" || f == "" || f == "N/A" {
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("read exchange rates: %s %q on %s", currencies[i+1], f, rec[0])
			}
			rs[currencies[i+1]] = v
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
