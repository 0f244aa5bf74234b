package duckdb

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestImport_DeleteRemovesExactlyItsEvents: an import that shares a
// visitor with tracked events is deleted with exactly its events, and the
// analytics answer as before it.
func TestImport_DeleteRemovesExactlyItsEvents(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDataDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	site := openfast.NewID()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var tracked, imported []openfast.Event
	for i := range 20 {
		e := storetest.SampleEvent(site, i)
		e.Type, e.Time = openfast.EventPageview, base.Add(time.Duration(i)*time.Hour)
		tracked = append(tracked, e)
		// The same visitors a day earlier, from a file.
		e.Time = e.Time.AddDate(0, 0, -1)
		e.Path = "/imported"
		imported = append(imported, e)
	}
	if err := db.InsertEvents(ctx, tracked); err != nil {
		t.Fatal(err)
	}
	svc := &analytics.Service{Store: db, Now: func() time.Time { return base.AddDate(0, 0, 2) }}
	overview := func() string {
		t.Helper()
		q, err := analytics.Parse(analytics.Overview, url.Values{}, "UTC", base)
		if err != nil {
			t.Fatal(err)
		}
		o, err := svc.Overview(ctx, site, q, "USD")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(o)
		return string(b)
	}
	before := overview()

	im := openfast.Import{ID: "import-1", WebsiteID: site, Source: "openfast", FileName: "f.csv", Created: base}
	if err := db.CreateImport(ctx, im); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertImported(ctx, im.ID, imported[:10]); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertImported(ctx, im.ID, imported[10:]); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteImport(ctx, im.ID); err != nil {
		t.Fatal(err)
	}
	list, err := db.Imports(ctx, site)
	if err != nil || len(list) != 1 || list[0].Rows != 20 || !list[0].Complete || list[0].Source != "openfast" {
		t.Fatalf("imports = %+v, %v", list, err)
	}
	if n, _ := db.CountEvents(ctx, site); n != 40 {
		t.Fatalf("%d events, want 40", n)
	}
	if overview() == before {
		t.Fatal("the import changed no answer")
	}
	n, err := db.DeleteImport(ctx, im.ID)
	if err != nil || n != 20 {
		t.Fatalf("deleted %d, %v; want 20", n, err)
	}
	if _, err := db.DeleteImport(ctx, im.ID); openfast.ErrorCode(err) != openfast.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ := db.Imports(ctx, ""); len(list) != 0 {
		t.Fatalf("imports left: %+v", list)
	}
	var got []openfast.Event
	db.StreamEvents(ctx, site, time.Time{}, time.Time{}, func(e *openfast.Event) error { got = append(got, *e); return nil })
	if len(got) != 20 {
		t.Fatalf("%d events left, want the 20 tracked", len(got))
	}
	for _, e := range got {
		if e.Path == "/imported" {
			t.Fatalf("an imported event is left: %+v", e)
		}
	}
	if after := overview(); after != before {
		t.Fatalf("overview after the deletion:\n%s\nbefore the import:\n%s", after, before)
	}
}

// TestExportParquet_ReadsBack: the Parquet export reads back, through
// ReadParquet, as the events stored.
func TestExportParquet_ReadsBack(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDataDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	site := openfast.NewID()
	var in []openfast.Event
	for i := range 30 {
		e := storetest.SampleEvent(site, i)
		e.Time = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		in = append(in, e)
	}
	if err := db.InsertEvents(ctx, in); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := db.ExportParquet(ctx, site, time.Time{}, time.Time{}, &buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "e.parquet")
	os.WriteFile(file, buf.Bytes(), 0o600)
	rows := 0
	err = ReadParquet(ctx, file, func(v []string) error {
		rows++
		if len(v) != len(openfast.ExportColumns) || v[0] != site {
			t.Fatalf("row %v", v)
		}
		return nil
	})
	if err != nil || rows != len(in) {
		t.Fatalf("%d rows, %v; want %d", rows, err, len(in))
	}
	if err := ReadParquet(ctx, filepath.Join(t.TempDir(), "missing.parquet"), func([]string) error { return nil }); err == nil {
		t.Fatal("a missing file read")
	}
}
