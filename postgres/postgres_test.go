package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
	"github.com/openfast/openfast/internal/pgtest"
	"github.com/openfast/openfast/storetest"
)

// serverEnv names the variable that holds the test server's URL.
const serverEnv = pgtest.ServerEnv

// freshDatabase creates an empty database on the test server, dropped when
// the test ends, and returns its URL.
func freshDatabase(t *testing.T) string { return pgtest.FreshDatabase(t) }

// openURL opens the store at rawURL, closed when the test ends.
func openURL(t *testing.T, rawURL string) *DB {
	t.Helper()
	db, err := Open(context.Background(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openFresh(t *testing.T) openfast.MetadataStore {
	t.Helper()
	return openURL(t, freshDatabase(t))
}

func TestMetadataConformance(t *testing.T) {
	storetest.Metadata(t, openFresh)
}

// TestAPIKeyLimitAcrossProcesses: two stores with their own connections on
// one database (two processes, as far as the server can tell) share the
// per-website key limit.
func TestAPIKeyLimitAcrossProcesses(t *testing.T) {
	dbURL := freshDatabase(t)
	stores := []*DB{openURL(t, dbURL), openURL(t, dbURL)}
	ctx := context.Background()
	for round := range 3 {
		owner := &openfast.User{ID: openfast.NewID(), Email: fmt.Sprintf("owner%d@example.com", round)}
		must(t, stores[0].CreateUser(ctx, owner))
		w := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + openfast.NewID(), OwnerID: owner.ID,
			Domain: "example.com", Timezone: "UTC", Currency: "USD"}
		must(t, stores[1].CreateWebsite(ctx, w, nil))
		var ok, limited atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			s := stores[i%2]
			wg.Go(func() {
				id := openfast.NewID()
				err := s.CreateAPIKey(ctx, &openfast.APIKey{ID: id, WebsiteID: w.ID, DisplayKey: "df_test...0000", Hash: []byte(id), CreatedBy: "test"},
					openfast.MaxAPIKeysPerWebsite, nil)
				switch openfast.ErrorCode(err) {
				case "":
					ok.Add(1)
				case openfast.ELIMIT:
					limited.Add(1)
				default:
					t.Errorf("CreateAPIKey: %v", err)
				}
			})
		}
		wg.Wait()
		for _, s := range stores {
			keys, err := s.APIKeys(ctx, w.ID)
			must(t, err)
			if ok.Load() != 10 || limited.Load() != 30 || len(keys) != 10 {
				t.Fatalf("round %d: %d created, %d limited, %d stored; want 10, 30, 10", round, ok.Load(), limited.Load(), len(keys))
			}
		}
	}
}

// TestAccessTokenLimitAcrossProcesses: the same for the per-account token
// limit.
func TestAccessTokenLimitAcrossProcesses(t *testing.T) {
	dbURL := freshDatabase(t)
	stores := []*DB{openURL(t, dbURL), openURL(t, dbURL)}
	ctx := context.Background()
	u := &openfast.User{ID: openfast.NewID(), Email: "tokens@example.com"}
	must(t, stores[0].CreateUser(ctx, u))
	var ok, limited atomic.Int32
	var wg sync.WaitGroup
	for i := range 60 {
		s := stores[i%2]
		wg.Go(func() {
			id := openfast.NewID()
			err := s.CreateAccessToken(ctx, &openfast.AccessToken{ID: id, UserID: u.ID, DisplayKey: "dft_x...0000", Hash: []byte(id), Permissions: []string{"*"}},
				openfast.MaxAccessTokensPerUser, nil)
			switch openfast.ErrorCode(err) {
			case "":
				ok.Add(1)
			case openfast.ELIMIT:
				limited.Add(1)
			default:
				t.Errorf("CreateAccessToken: %v", err)
			}
		})
	}
	wg.Wait()
	list, err := stores[1].AccessTokens(ctx, u.ID)
	must(t, err)
	if ok.Load() != 20 || limited.Load() != 40 || len(list) != 20 {
		t.Fatalf("%d created, %d limited, %d stored; want 20, 40, 20", ok.Load(), limited.Load(), len(list))
	}
}

// TestMigrateConcurrently: processes starting together on an empty
// database apply the migrations once (pg_advisory_xact_lock), and
// reopening applies nothing again.
func TestMigrateConcurrently(t *testing.T) {
	dbURL := freshDatabase(t)
	const n = 4
	stores := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dbURL) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	again := openURL(t, dbURL)
	var count int
	err := again.conn(context.Background(), func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&count)
	})
	must(t, err)
	files, _ := migrations.ReadDir("migrations")
	if count != len(files) {
		t.Fatalf("%d migrations recorded, want %d", count, len(files))
	}
}

// TestTimes: times come back in UTC, at the millisecond precision the SQLite
// store keeps.
func TestTimes(t *testing.T) {
	db := openURL(t, freshDatabase(t))
	ctx := context.Background()
	created := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("X", 5*3600))
	u := &openfast.User{ID: openfast.NewID(), Email: "t@example.com", CreatedAt: created}
	must(t, db.CreateUser(ctx, u))
	got, err := db.UserByID(ctx, u.ID)
	must(t, err)
	want := created.Truncate(time.Millisecond).UTC()
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt %v, want %v in UTC", got.CreatedAt, want)
	}
}

func TestPing(t *testing.T) {
	db := openURL(t, freshDatabase(t))
	must(t, db.Ping(context.Background()))
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMetadataCopy(t *testing.T) {
	storetest.MetadataCopy(t, func(t *testing.T) storetest.CopyStore {
		return openURL(t, freshDatabase(t))
	})
}

// TestWatchChanges: a server watching the store hears at once of a key
// deleted through another connection pool (another server), and not of a
// change that was rolled back.
func TestWatchChanges(t *testing.T) {
	url := freshDatabase(t)
	a, b := openURL(t, url), openURL(t, url)
	ctx := context.Background()
	u := &openfast.User{ID: openfast.NewID(), Email: "watch@example.com"}
	must(t, b.CreateUser(ctx, u))
	w := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_watch", OwnerID: u.ID, Domain: "watch.example.com", Timezone: "UTC", Currency: "USD"}
	must(t, b.CreateWebsite(ctx, w, nil))
	k := &openfast.APIKey{ID: openfast.NewID(), WebsiteID: w.ID, DisplayKey: "df_x...y", Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedBy: "test"}
	must(t, b.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite, nil))

	changes := make(chan struct{}, 16)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.WatchChanges(wctx, func() { changes <- struct{}{} }, func(err error) { t.Errorf("watch lost: %v", err) })
	}()
	defer func() { cancel(); <-done }()
	select {
	case <-changes: // the call made once listening
	case <-time.After(30 * time.Second):
		t.Fatal("WatchChanges did not start")
	}

	// A failed update (apply returns an error) is rolled back: no news.
	_, err := b.UpdateWebsite(ctx, w.ID, func(*openfast.Website) error { return errors.New("no") }, nil)
	if err == nil {
		t.Fatal("the update did not fail")
	}
	must(t, b.DeleteAPIKey(ctx, w.ID, k.ID, nil))
	select {
	case <-changes:
	case <-time.After(30 * time.Second):
		t.Fatal("the deletion was not announced")
	}
	select {
	case <-changes:
		t.Fatal("two announcements for one committed change")
	case <-time.After(200 * time.Millisecond):
	}
}

// A database that a newer openfast migrated further is refused, unchanged,
// with a message that says what to do.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	u := freshDatabase(t)
	db := openURL(t, u)
	if _, err := db.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, now())`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), u)
	var newer *migration.NewerError
	if !errors.As(err, &newer) || newer.Found != 9999 || newer.Store != "metadata" {
		t.Fatalf("Open = %v, want a newer-schema error for version 9999", err)
	}
	if want := "this database was written by a newer openfast (metadata schema 9999, this binary knows up to"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}
