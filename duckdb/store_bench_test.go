package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// BenchmarkInsertEvents commits batches of realistic events; ns/op is per
// event.
func BenchmarkInsertEvents(b *testing.B) {
	for _, size := range []int{1, 32, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, err := OpenDataDir(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			site := openfast.NewID()
			batch := make([]openfast.Event, size)
			for i := range batch {
				batch[i] = storetest.SampleEvent(site, i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += size {
				if err := db.InsertEvents(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
