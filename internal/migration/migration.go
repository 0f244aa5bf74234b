// Package migration reads a store's numbered migrations: embedded files
// named NNNN_name.sql, applied in the order of their numbers.
package migration

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// File is one migration.
type File struct {
	Version int
	Name    string // the file's path in the file system it came from
	SQL     string
}

// Label is the migration's file name without its folder and extension,
// such as 0002_salts.
func (f File) Label() string { return strings.TrimSuffix(path.Base(f.Name), ".sql") }

// List returns the migrations of the .sql files in dir of fsys, ordered by
// version.
func List(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	files := make([]File, 0, len(names))
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name: %w", name, err)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		files = append(files, File{Version: version, Name: name, SQL: string(body)})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Version < files[j].Version })
	for i := 1; i < len(files); i++ {
		if files[i].Version == files[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", files[i-1].Name, files[i].Name)
		}
	}
	return files, nil
}

// NewerError is the error of opening a store whose schema a newer openfast
// wrote: it records migrations this binary does not know. Nothing is
// changed in the store.
type NewerError struct {
	Where string // "this data folder" or "this database"
	Store string // "metadata" or "event"
	Found int    // the store's schema version
	Known int    // the newest this binary knows
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("%s was written by a newer openfast (%s schema %d, this binary knows up to %d); use a newer binary or restore a backup",
		e.Where, e.Store, e.Found, e.Known)
}

// Latest is the newest version of files, 0 when there are none.
func Latest(files []File) int {
	if len(files) == 0 {
		return 0
	}
	return files[len(files)-1].Version
}

// Applied is a migration a store has just applied.
type Applied struct {
	Store   string // sqlite, postgres, duckdb or clickhouse
	Version int
	Name    string
}

type reporterKey struct{}

// WithReporter returns a context under which the stores' Open calls fn
// for each migration they apply, e.g. to log it.
func WithReporter(ctx context.Context, fn func(Applied)) context.Context {
	return context.WithValue(ctx, reporterKey{}, fn)
}

// Report tells the reporter of ctx, if any, that a migration was applied.
func Report(ctx context.Context, a Applied) {
	if fn, ok := ctx.Value(reporterKey{}).(func(Applied)); ok && fn != nil {
		fn(a)
	}
}
