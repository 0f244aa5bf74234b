package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/eventfile"
)

func init() {
	// The export's files are validated as opaque bodies.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/vnd.apache.parquet", openapi3filter.FileBodyDecoder)
}

// exportEvents reads an export's rows back as events.
func exportEvents(t *testing.T, body []byte) []openfast.Event {
	t.Helper()
	src, err := eventfile.NewExportReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []openfast.Event
	for {
		e, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

// storedEvents are the events of a website as the store streams them.
func storedEvents(t *testing.T, a *analyticsEnv, site string, start, end time.Time) []openfast.Event {
	t.Helper()
	var out []openfast.Event
	err := a.events.StreamEvents(context.Background(), site, start, end, func(e *openfast.Event) error {
		out = append(out, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExport(t *testing.T) {
	a := newAnalyticsEnv(t)
	want := storedEvents(t, a, a.site, time.Time{}, time.Time{})
	if len(want) == 0 {
		t.Fatal("the fixture has no events")
	}
	t.Run("CSV", func(t *testing.T) {
		res := a.do(http.MethodGet, "/api/v1/export?format=csv", a.keyA, nil)
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		// The fixture's domain is siteN.example.com, N by the order the
		// package's tests make websites in.
		if cd := res.header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename=openfast-site[0-9]+\.example\.com-all\.csv$`).MatchString(cd) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		header, err := csv.NewReader(bytes.NewReader(res.body)).Read()
		if err != nil || strings.Join(header, ",") != strings.Join(openfast.ExportColumns, ",") {
			t.Fatalf("header = %v, %v", header, err)
		}
		got := exportEvents(t, res.body)
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
	t.Run("NDJSON", func(t *testing.T) {
		res := a.with(t).do(http.MethodGet, "/api/v1/export?format=ndjson&websiteId="+a.site, a.admin, nil)
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		got := exportEvents(t, res.body)
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
	t.Run("Parquet", func(t *testing.T) {
		res := a.do(http.MethodGet, "/api/v1/export?format=parquet", a.keyA, nil)
		if res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("PAR1")) || !bytes.HasSuffix(res.body, []byte("PAR1")) {
			t.Fatalf("status %d, %d bytes, not a Parquet file", res.status, len(res.body))
		}
	})
	t.Run("Range", func(t *testing.T) {
		res := a.do(http.MethodGet, "/api/v1/export?format=csv&startAt=2026-03-09&endAt=2026-03-09&timezone=UTC", a.keyA, nil)
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		day := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
		wantDay := storedEvents(t, a, a.site, day, day.AddDate(0, 0, 1))
		if got := exportEvents(t, res.body); len(got) != len(wantDay) || len(wantDay) == 0 || len(wantDay) == len(want) {
			t.Fatalf("%d rows of 9 March, want %d (of %d)", len(got), len(wantDay), len(want))
		}
		if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "20260309-20260309.csv") {
			t.Errorf("Content-Disposition = %q", cd)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		siteB, keyA := a.siteB, a.keyA
		a := a.with(t)
		a.do(http.MethodGet, "/api/v1/export", keyA, nil).fails(http.StatusBadRequest, "format must be one of csv, ndjson, parquet")
		a.do(http.MethodGet, "/api/v1/export?format=xlsx", keyA, nil).fails(http.StatusBadRequest, "format must be one of")
		a.do(http.MethodGet, "/api/v1/export?format=csv&startAt=2026-03-09", keyA, nil).fails(http.StatusBadRequest, "startAt and endAt must be given together")
		a.do(http.MethodGet, "/api/v1/export?format=csv&websiteId="+siteB, keyA, nil).fails(http.StatusForbidden)
		a.do(http.MethodGet, "/api/v1/export?format=csv", "", nil).fails(http.StatusUnauthorized)
	})
}

// TestExport_Streams exports more rows than any buffer of the way holds.
func TestExport_Streams(t *testing.T) {
	a := newAnalyticsEnv(t)
	const n = 20_000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]openfast.Event, n)
	for i := range batch {
		batch[i] = openfast.Event{WebsiteID: a.site, Time: base.Add(time.Duration(i) * time.Second), Type: openfast.EventPageview,
			VisitorID: fixtureUUID(byte(i)), SessionID: fixtureUUID(byte(i)), Hostname: "example.com", Path: "/bulk/" + strings.Repeat("x", i%50),
			Referrer: "Direct/None", Browser: "Chrome", OS: "Linux", Device: "desktop"}
	}
	if err := a.events.InsertEvents(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	res := a.do(http.MethodGet, "/api/v1/export?format=ndjson&startAt=2026-01-01&endAt=2026-01-01&timezone=UTC", a.keyA, nil)
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	if len(res.body) < 1<<20 {
		t.Fatalf("only %d bytes", len(res.body))
	}
	if got := exportEvents(t, res.body); len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
}
