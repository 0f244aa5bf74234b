package eventfile

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// drain reads a source to its end or first error, at most limit events.
func drain(src Source, limit int) {
	for i := 0; i < limit; i++ {
		if _, err := src.Next(); err != nil {
			return
		}
	}
}

func FuzzExportReader(f *testing.F) {
	var buf bytes.Buffer
	for _, format := range []string{"csv", "ndjson"} {
		buf.Reset()
		w, _ := NewWriter(&buf, format)
		w.Write(&openfast.Event{WebsiteID: "665f0b3c4d2e1a0012345678", Time: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), Type: openfast.EventPageview,
			Hostname: "example.org", Path: "/", Referrer: "Direct/None", Coordinates: openfast.CoordinatesOf(48.85, 2.35)})
		w.Flush()
		f.Add(bytes.Clone(buf.Bytes()))
	}
	f.Add([]byte("{}\n"))
	f.Add([]byte("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := NewExportReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		drain(src, 1000)
	})
}

func FuzzGoatCounterReader(f *testing.F) {
	f.Add([]byte("2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date\n" +
		"/,Home,false,,Firefox 120,Linux,s1,0,example.com/x,h,\"1920,1080,1\",FR-IDF,true,2024-03-01T09:00:00Z\n" +
		"/e,,true,,,,s1,0,,,,,false,2024-03-01T09:01:00Z\n"))
	f.Add([]byte("1Path,Date\n/,x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := NewGoatCounterReader(bytes.NewReader(b), Options{Hostname: "example.org"})
		if err != nil {
			return
		}
		drain(src, 1000)
	})
}

// FuzzPlausibleReader fuzzes the CSV files of a Plausible zip: the
// visitors table and one breakdown.
func FuzzPlausibleReader(f *testing.F) {
	f.Add([]byte("date,visitors,pageviews,bounces,visits,visit_duration\n2024-03-01,3,7,1,4,600\n"),
		[]byte("date,hostname,page,pageviews\n2024-03-01,example.org,/blog,3\n"))
	f.Add([]byte("date,visitors,pageviews,bounces,visits,visit_duration\n2024-03-01,0,0,0,0,0\n"), []byte(""))
	f.Fuzz(func(t *testing.T, visitors, pages []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("imported_visitors_20240301_20240301.csv")
		w.Write(visitors)
		w, _ = zw.Create("imported_pages_20240301_20240301.csv")
		w.Write(pages)
		zw.Close()
		src, err := NewPlausibleReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), Options{}, time.UTC)
		if err != nil {
			return
		}
		drain(src, 10000)
	})
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("2Path,Title\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch Detect(b) {
		case KindOpenfast, KindParquet, KindGoatCounter, KindPlausible:
		default:
			t.Fatal("unknown kind")
		}
	})
}

// TestRoundTrip writes events as CSV and NDJSON and reads them back.
func TestRoundTrip(t *testing.T) {
	events := []openfast.Event{
		{WebsiteID: "665f0b3c4d2e1a0012345678", Time: time.Date(2024, 3, 1, 9, 0, 0, 123456000, time.UTC), Type: openfast.EventPageview,
			VisitorID: openfast.UUID{1}, SessionID: openfast.UUID{2}, Hostname: "example.org", Path: "/a,b\"c", EntryPath: "/",
			Referrer: "Google", ReferrerHost: "google.com", CountryCode: "FR", Region: "Île-de-France", City: "Paris",
			Coordinates: openfast.CoordinatesOf(48.85, 2.35), Browser: "Firefox", OS: "Linux", Device: "desktop",
			ScreenWidth: 1920, ScreenHeight: 1080, Language: "fr", Props: `{"a":"b\nc"}`},
		{WebsiteID: "665f0b3c4d2e1a0012345678", Time: time.Date(2024, 3, 1, 9, 0, 1, 0, time.UTC), Type: openfast.EventPaymentHint,
			RevenueCents: -5, Currency: "EUR", TransactionID: "tx", EventID: "e", Goal: "g"},
	}
	for _, format := range []string{"csv", "ndjson"} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		for i := range events {
			if err := w.Write(&events[i]); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		src, err := NewExportReader(&buf)
		if err != nil {
			t.Fatal(format, err)
		}
		for i := range events {
			got, err := src.Next()
			if err != nil {
				t.Fatal(format, err)
			}
			if got != events[i] {
				t.Errorf("%s row %d:\n got %+v\nwant %+v", format, i, got, events[i])
			}
		}
		if _, err := src.Next(); err != io.EOF {
			t.Errorf("%s: %v after the last row, want EOF", format, err)
		}
	}
}
