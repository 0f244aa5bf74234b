package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/clickhouse"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/postgres"
	"github.com/openfast/openfast/sqlite"
	"github.com/spf13/pflag"
)

// storeOptions select the stores: the embedded files in the data folder,
// or PostgreSQL for metadata and ClickHouse for events.
type storeOptions struct {
	dataDir       string
	databaseURL   string
	clickhouseURL string
	// create lets an admin command create the data folder (--create);
	// without it an admin command refuses a folder with no metadata
	// database, which is most often a mistyped or missing --data-dir.
	create bool
	// canCreate: the command has --create.
	canCreate bool
}

// maxClusterCacheTTL bounds --credential-cache-ttl when the metadata lives
// in PostgreSQL, where other nodes may revoke what this one caches.
const maxClusterCacheTTL = 5 * time.Second

func (o *storeOptions) metadataFlags(f *pflag.FlagSet) {
	f.StringVar(&o.dataDir, "data-dir", "./openfast-data", "data folder (created with mode 0700)")
	f.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL URL (postgres://...) for the metadata, instead of SQLite in the data folder")
}

// createFlag adds --create to an admin command that may start a new data
// folder.
func (o *storeOptions) createFlag(f *pflag.FlagSet) {
	o.canCreate = true
	f.BoolVar(&o.create, "create", false, "create the data folder (with its metadata database) if it does not exist yet; without it the command refuses a folder that has no "+sqlite.FileName)
}

// operatorDataDir says where an admin command finds the metadata: the
// data folder's absolute path, or "" with --database-url. Unless --create
// is given, a data folder without a metadata database is refused: the
// server would not see what the command writes there.
func (o *storeOptions) operatorDataDir() (string, error) {
	if o.databaseURL != "" {
		return "", nil
	}
	abs, err := filepath.Abs(o.dataDir)
	if err != nil {
		return "", fmt.Errorf("data folder %s: %w", o.dataDir, err)
	}
	if o.create {
		return abs, nil
	}
	if _, err := os.Stat(filepath.Join(abs, sqlite.FileName)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			hint := ""
			if o.canCreate {
				hint = ", or add --create to start a new one there"
			}
			return "", fmt.Errorf("no openfast data folder at %s (no %s in it): name the server's folder with --data-dir or OPENFAST_DATA_DIR%s", abs, sqlite.FileName, hint)
		}
		return "", fmt.Errorf("data folder %s: %w", abs, err)
	}
	return abs, nil
}

func (o *storeOptions) eventFlags(f *pflag.FlagSet) {
	f.StringVar(&o.clickhouseURL, "clickhouse-url", "", "ClickHouse URL (clickhouse://host:9000/database, native protocol) for the events, instead of DuckDB in the data folder")
}

// metadataStore is a metadata store that can also be copied.
type metadataStore interface {
	openfast.MetadataStore
	openfast.MetadataCopier
}

func (o *storeOptions) openMetadata(ctx context.Context) (metadataStore, error) {
	if o.databaseURL != "" {
		if !strings.HasPrefix(o.databaseURL, "postgres://") && !strings.HasPrefix(o.databaseURL, "postgresql://") {
			return nil, fmt.Errorf("--database-url must be a postgres:// URL")
		}
		return postgres.Open(ctx, o.databaseURL)
	}
	return sqlite.OpenDataDir(ctx, o.dataDir)
}

// eventStore is what the server needs from an event store.
type eventStore interface {
	openfast.EventStore
	analytics.Store
	analytics.VisitorStore
}

func (o *storeOptions) openEvents(ctx context.Context) (eventStore, error) {
	if o.clickhouseURL != "" {
		if !strings.HasPrefix(o.clickhouseURL, "clickhouse://") {
			return nil, fmt.Errorf("--clickhouse-url must be a clickhouse:// URL (the native protocol)")
		}
		return clickhouse.Open(ctx, o.clickhouseURL)
	}
	return duckdb.OpenDataDir(ctx, o.dataDir) // the folder must exist
}
