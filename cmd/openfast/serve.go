package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/enrich"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/migration"
	"github.com/openfast/openfast/internal/servergc"
	"github.com/openfast/openfast/mail"
	"github.com/openfast/openfast/rates"
	"github.com/openfast/openfast/sqlite"
	"github.com/openfast/openfast/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
)

// shutdownTimeout bounds how long in-flight requests may finish after a
// SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

type serveOptions struct {
	exchangeRatesURL string
	listen           string
	metricsListen    string
	stores           storeOptions
	rateLimit        int
	rateBurst        int
	authFailures     int
	logFormat        string
	cacheTTL         time.Duration
	invitationTTL    time.Duration
	queryTimeout     time.Duration
	geoIPDB          string
	trustedProxies   string
	eventQueue       int
	eventBatch       int
	eventLoadDelay   time.Duration
	eventDBMemory    string
	publicURL        string
	smtpURL          string
	smtpFrom         string
	secretKeyFile    string
	allowTestPays    bool
	compress         bool
	tls              tlsOptions
	retention        string
	retentionEvery   time.Duration
	backup           backupOptions
}

func newServeCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server on the embedded store",
		Long: `Run the openfast API server. Metadata lives in SQLite and events in DuckDB,
in the data folder, which is created with owner-only permissions on first
start; serve refuses a data folder that other users may read, write or list,
and creates every file in it private to its owner. With --database-url the metadata lives in PostgreSQL, and with
--clickhouse-url the events live in ClickHouse: several servers can then
share them. The data folder still holds each server's event journal.

Every flag can also be set with OPENFAST_<FLAG>, e.g. OPENFAST_LISTEN=0.0.0.0:8080.`,
		Example: `  openfast serve
  openfast serve --listen 0.0.0.0:8080 --data-dir /var/lib/openfast --log-format json
  openfast serve --database-url postgres://openfast@db/openfast --clickhouse-url clickhouse://ch:9000/openfast`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.tls.resolve(cmd, &o.listen)
			o.backup.keepSet = cmd.Flags().Changed("backup-keep") || os.Getenv("OPENFAST_BACKUP_KEEP") != ""
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.publicURL, "public-url", "", "the address people reach the server at, e.g. https://analytics.example.com: used in the dashboard's links, snippets and invitation URLs, and an https one makes its cookies Secure (default: the address of each request)")
	o.tls.flags(f)
	f.StringVar(&o.metricsListen, "metrics-listen", "", "address serving /metrics and /readyz instead of --listen, which then answers them 404 (default: both on --listen)")
	o.stores.metadataFlags(f)
	o.stores.eventFlags(f)
	f.IntVar(&o.rateLimit, "rate-limit", 600, "requests per minute allowed to each credential (0 disables)")
	f.IntVar(&o.rateBurst, "rate-limit-burst", 100, "burst size of the per-credential rate limit")
	f.IntVar(&o.authFailures, "auth-failure-limit", app.DefaultAuthFailureLimit, "failed authentications (malformed or unknown credentials) a client address may make per minute, in bursts of as many; beyond it every credential from the address is refused with 429 until the allowance refills (0 disables)")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&o.exchangeRatesURL, "exchange-rates-url", rates.DefaultURL, "the European Central Bank's reference rates (XML) to fetch once a day, which convert payments to each website's currency; empty: never fetch, use the rates built in and saved")
	f.StringVar(&o.geoIPDB, "geoip-db", "", "MaxMind-format database (.mmdb) for country, region and city of events (default: the embedded country-only database)")
	f.StringVar(&o.trustedProxies, "trusted-proxies", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For gives the client address")
	f.IntVar(&o.eventQueue, "event-queue", 100_000, "events that may wait for a journal commit before /api/events answers 503")
	f.IntVar(&o.eventBatch, "event-batch", 5_000, "most events committed to the journal at once")
	f.DurationVar(&o.eventLoadDelay, "event-load-delay", ingest.DefaultLoadDelay, "longest time an acknowledged event waits in the journal before it is loaded into the event store and shows in analytics")
	f.StringVar(&o.eventDBMemory, "event-db-memory", "", "memory cap of the event database (DuckDB), e.g. 256MB or 2GB; queries spill to disk beyond it (default: a quarter of the machine's memory, at least 256MB and at most 512MB)")
	f.DurationVar(&o.invitationTTL, "invitation-ttl", app.DefaultInvitationTTL, "how long an invitation to a website can be accepted; after it the invitation is no longer listed and the owner invites again")
	f.DurationVar(&o.cacheTTL, "credential-cache-ttl", 5*time.Second, "how long a verified credential or a website's settings are trusted before the store is asked again (changes through this server's API apply at once; at most 5s with --database-url, where other servers change them too)")
	f.StringVar(&o.smtpURL, "smtp-url", "", "mail server for alerts and reports: smtp://user:password@host:587 (STARTTLS required), smtps://user:password@host:465 (TLS) or smtp+insecure://host:25 (no encryption, no credentials); empty: no mail is sent")
	f.StringVar(&o.smtpFrom, "smtp-from", "", `sender of the server's mail, e.g. alerts@example.com or "Analytics <alerts@example.com>" (required with --smtp-url)`)
	f.StringVar(&o.secretKeyFile, "secret-key-file", "", "file of 32 random bytes, readable by its owner only, that encrypts the payment providers' credentials at rest (default: "+secretKeyFileName+" in the data folder, created on first start)")
	f.BoolVar(&o.allowTestPays, "allow-test-payments", false, "accept the payment providers' test-mode keys (Stripe rk_test_..., Paddle pdl_sdbx_...) when connecting a provider; off, they are refused with 400")
	f.BoolVar(&o.compress, "compress", true, "compress JSON, pages, scripts and styles of 1 KiB or more with zstd or gzip for clients that accept them (false: leave it to a reverse proxy)")
	f.DurationVar(&o.queryTimeout, "query-timeout", app.DefaultQueryTimeout, "longest time one analytics read may run; a read stopped at it answers 503")
	f.StringVar(&o.retention, "retention", "forever", "server-wide data retention for websites without their own retentionDays: a number of days (400 or 400d) or forever; older events are deleted daily, by whole days of each website's timezone")
	f.DurationVar(&o.retentionEvery, "retention-every", app.DefaultRetentionEvery, "how often the retention job deletes old events (it also runs 30s after the start, or after this if shorter)")
	o.backup.flags(f)
	return cmd
}

func newLogger(format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func serve(ctx context.Context, o serveOptions) error {
	servergc.Tune()
	restrictUmask() // files 0600 and folders 0700, whoever creates them
	log, err := newLogger(o.logFormat)
	if err != nil {
		return err
	}
	if o.rateLimit < 0 || o.rateBurst < 1 {
		return errors.New("--rate-limit must be 0 or more and --rate-limit-burst 1 or more")
	}
	if o.authFailures < 0 {
		return errors.New("--auth-failure-limit must be 0 or more")
	}
	retentionDays, err := openfast.ParseRetention(o.retention)
	if err != nil {
		return fmt.Errorf("--retention: %w", err)
	}
	if o.retentionEvery <= 0 {
		return fmt.Errorf("--retention-every must be positive, got %s", o.retentionEvery)
	}
	authFailures := o.authFailures
	if authFailures == 0 {
		authFailures = -1 // the app's "disabled"
	}
	if o.eventQueue < 1 || o.eventBatch < 1 {
		return errors.New("--event-queue and --event-batch must be 1 or more")
	}
	if o.eventLoadDelay < time.Millisecond || o.eventLoadDelay > time.Minute {
		return errors.New("--event-load-delay must be between 1ms and 1m")
	}
	if o.invitationTTL < time.Minute {
		return errors.New("--invitation-ttl must be at least 1m")
	}
	if o.queryTimeout <= 0 {
		return errors.New("--query-timeout must be more than 0, e.g. 15s")
	}
	if o.stores.databaseURL != "" && o.cacheTTL > maxClusterCacheTTL {
		return fmt.Errorf("--credential-cache-ttl must be at most %s with --database-url: other servers may revoke what this one caches", maxClusterCacheTTL)
	}
	if err := o.backup.check(o.stores); err != nil {
		return err
	}
	trusted, err := enrich.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	publicURL, err := parsePublicURL(o.publicURL)
	if err != nil {
		return err
	}
	https, err := o.tls.prepareTLS(publicURL, o.stores.dataDir, log)
	if err != nil {
		return err
	}
	sender, err := newMailSender(o.smtpURL, o.smtpFrom)
	if err != nil {
		return err
	}
	var geo *enrich.GeoDB
	if o.geoIPDB != "" {
		if geo, err = enrich.OpenGeoDB(o.geoIPDB); err != nil {
			return fmt.Errorf("--geoip-db: %w", err)
		}
	} else if geo, err = enrich.OpenEmbeddedGeoDB(); err != nil {
		return err
	}
	defer geo.Close()
	info := geo.Info()
	if sender != nil {
		log.Info("mail", "server", sender.String(), "from", sender.From())
	} else {
		log.Info("mail", "server", "none (--smtp-url not set: alerts are recorded as failed, no mail is sent)")
	}
	if o.allowTestPays {
		log.Warn("payment providers' test-mode keys are accepted (--allow-test-payments): test payments will count as revenue")
	}
	log.Info("geoip database", "database", info.Name, "type", info.Type, "built", info.Built.Format(time.DateOnly))
	if err := sqlite.EnsureDataDir(o.stores.dataDir); err != nil {
		return err
	}
	if err := sqlite.CheckDataDirPrivate(o.stores.dataDir); err != nil {
		return err
	}
	unlock, err := lockDataDir(o.stores.dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	// Each migration the stores apply as they open is logged.
	ctx = migration.WithReporter(ctx, func(m migration.Applied) {
		log.Info("migrated", "store", m.Store, "version", m.Version, "name", m.Name)
	})
	keyFile, named := o.secretKeyFile, o.secretKeyFile != ""
	if !named {
		keyFile = filepath.Join(o.stores.dataDir, secretKeyFileName)
	}
	secretKey, err := loadSecretKey(keyFile, named)
	if err != nil {
		return err
	}
	store, err := o.stores.openMetadata(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	events, err := o.stores.openEvents(ctx)
	if err != nil {
		return err
	}
	defer events.Close() // on early returns; closed explicitly at the end
	if ddb, ok := events.(*duckdb.DB); ok {
		ddb.SetLogger(log)
	}
	if ddb, ok := events.(*duckdb.DB); ok {
		limit := o.eventDBMemory
		if limit == "" {
			limit = duckdb.DefaultMemoryLimit()
		}
		if limit != "" {
			if err := ddb.SetMemoryLimit(ctx, limit); err != nil {
				return fmt.Errorf("--event-db-memory: %w", err)
			}
			log.Info("event database memory", "limit", limit, "default", o.eventDBMemory == "")
		}
	} else if o.eventDBMemory != "" {
		return errors.New("--event-db-memory applies to the embedded event store only")
	}
	// Events acknowledged but not loaded by an earlier run are loaded here,
	// before the server listens.
	writer, err := ingest.OpenWriter(ctx, ingest.WriterConfig{
		Store: events, Dir: filepath.Join(o.stores.dataDir, ingest.JournalDir), Logger: log,
		QueueSize: o.eventQueue, MaxBatch: o.eventBatch, LoadDelay: o.eventLoadDelay,
	})
	if err != nil {
		return err
	}
	defer writer.Close() // on early returns; runs after the HTTP server's shutdown
	backups := &backupRunner{source: serverBackupSource(o.stores.dataDir, store, events, writer.Hold, o.secretKeyFile)}
	imports := serverImports(o.stores.dataDir, store, events)
	closeAdmin, err := listenAdmin(o.stores.dataDir, backups, imports, log)
	if err != nil {
		return err
	}
	defer closeAdmin()

	exchange := rates.New()
	rateStore, _ := store.(openfast.ExchangeRateStore)
	if rateStore != nil {
		if err := exchange.Load(ctx, rateStore); err != nil {
			return err
		}
	}
	var mailer mail.Sender // a nil *SMTPSender must stay a nil interface
	if sender != nil {
		mailer = sender
	}
	log.Info("exchange rates", "source", "European Central Bank", "latest", time.Unix(exchange.Last()*86400, 0).UTC().Format(time.DateOnly), "refresh", o.exchangeRatesURL)
	a, err := app.New(app.Config{
		Retention: app.RetentionConfig{Days: retentionDays, Every: o.retentionEvery},
		Metadata:  store, Events: events, Writer: writer, Analytics: events, CacheTTL: o.cacheTTL, Logger: log, Rates: exchange,
		InvitationTTL:     o.invitationTTL,
		QueryTimeout:      o.queryTimeout,
		AuthFailureLimit:  authFailures,
		Mail:              mailer,
		PublicURL:         publicURL,
		SecretKey:         secretKey,
		Providers:         paymentProviders(o.allowTestPays),
		AllowTestPayments: o.allowTestPays,
	})
	if err != nil {
		return err
	}
	metrics := prometheus.NewRegistry()
	ingestHandler := ingest.NewHandler(ingest.Config{
		Writer: writer, Website: a.TrackedWebsite, GeoIP: geo, TrustedProxies: trusted, Registerer: metrics,
		Salts: store, Accepted: a.ObserveEvent,
	})
	var srv *api.Server
	dashboard, err := web.New(web.Config{
		App: a, Logger: log, PublicURL: publicURL,
		ClientIP: func(r *http.Request) string { return srv.ClientIP(r) },
	})
	if err != nil {
		return err
	}
	srv, err = api.New(api.Config{
		App: a, Logger: log, RateLimit: o.rateLimit, RateBurst: o.rateBurst, TrustedProxies: trusted, Registry: metrics,
		Events: ingestHandler.ServeEvent, SeparateOps: o.metricsListen != "", Dashboard: dashboard,
		Compress: o.compress,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	if o.metricsListen != "" {
		closeOps, err := listenOps(o.metricsListen, srv, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer closeOps()
	}
	httpServer := srv.HTTPServer()
	stopHTTPS, err := https.start(httpServer, ln, srv, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopHTTPS()

	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(bg) })
	if o.exchangeRatesURL != "" {
		wg.Go(func() { exchange.Refresh(bg, o.exchangeRatesURL, rateStore, log) })
	}
	if w, ok := store.(openfast.ChangeWatcher); ok {
		// Revocations made by other servers or processes apply here at
		// once, not only when the cache entries expire.
		wg.Go(func() {
			w.WatchChanges(bg, a.InvalidateCaches, func(err error) {
				log.Warn("not hearing of changes made by other processes; retrying (until then caches expire by --credential-cache-ttl)", "error", err)
			})
		})
	}

	if o.backup.dir != "" {
		wg.Go(func() { backupSchedule(bg, backups, o.backup.dir, o.backup.every, o.backup.keep, log) })
	}

	served := make(chan error, 1)
	go func() { served <- https.serve(httpServer, ln) }()
	log.Info("openfast listening", append([]any{"addr", ln.Addr().String(), "data_dir", o.stores.dataDir}, https.logAttrs()...)...)

	select {
	case err = <-served:
	case <-ctx.Done():
		log.Info("shutting down", "timeout", shutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		err = httpServer.Shutdown(sctx)
		cancel()
		if err != nil {
			log.Warn("in-flight requests did not finish in time", "error", err)
			httpServer.Close()
		}
		err = nil
	}
	stopBackground()
	wg.Wait() // writes the last credential-use times
	closeAdmin()
	writer.Close() // journals every queued event and loads the journal
	if cerr := events.Close(); cerr != nil {
		log.Error("close the event store", "error", cerr)
		err = errors.Join(err, cerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// parsePublicURL reads --public-url: empty, or an absolute http(s) URL
// without query or fragment.
func parsePublicURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--public-url must be an http or https URL such as https://analytics.example.com, got %q", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// newMailSender reads --smtp-url and --smtp-from: both empty means no mail
// (nil); a URL needs a sender address, and a sender address needs a URL.
func newMailSender(rawURL, from string) (*mail.SMTPSender, error) {
	if rawURL == "" {
		if from != "" {
			return nil, errors.New("--smtp-from needs --smtp-url: no mail is sent without a mail server")
		}
		return nil, nil
	}
	if from == "" {
		return nil, errors.New("--smtp-url needs --smtp-from, the sender address of the server's mail")
	}
	if _, err := mail.ParseSMTPURL(rawURL); err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	if _, err := mail.ParseFrom(from); err != nil {
		return nil, fmt.Errorf("--smtp-from: %w", err)
	}
	return mail.NewSMTPSender(mail.SMTPConfig{URL: rawURL, From: from})
}
