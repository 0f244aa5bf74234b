package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/internal/httpsredirect"
	"github.com/openfast/openfast/sqlite"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// acmeDir is the folder of the data folder where automatic certificates,
// their keys and the ACME account key are kept.
const acmeDir = "acme"

// certCheckInterval is how often the certificate files are checked for a
// change (a renewal written by another program) while the server runs.
const certCheckInterval = time.Minute

// defaultHSTSMaxAge is the Strict-Transport-Security max-age sent over
// TLS unless --hsts-max-age says otherwise: a year.
const defaultHSTSMaxAge = 365 * 24 * time.Hour

// tlsOptions are serve's flags of HTTPS: certificate files, or automatic
// certificates through ACME, the plain-HTTP listener that redirects to
// HTTPS, and HSTS.
type tlsOptions struct {
	certFile, keyFile string
	acme              bool
	acmeEmail         string
	acmeDirectoryURL  string
	httpListen        string
	hstsMaxAge        time.Duration

	// Whether --listen and --hsts-max-age were given (flag or
	// environment): --acme's default listen address is :443 instead of
	// --listen's default, and an HSTS setting without TLS is refused.
	listenSet, hstsSet bool
}

func (o *tlsOptions) flags(f *pflag.FlagSet) {
	f.StringVar(&o.certFile, "tls-cert", "", "certificate file (PEM, the full chain) to serve HTTPS on --listen with; read again when it changes, at most a minute later or at once on SIGHUP (needs --tls-key)")
	f.StringVar(&o.keyFile, "tls-key", "", "private key file (PEM) of --tls-cert")
	f.BoolVar(&o.acme, "acme", false, "serve HTTPS with certificates obtained and renewed automatically through ACME (Let's Encrypt by default) for the host of --public-url, which must be https; listens on :443 unless --listen is given and on --http-listen, and needs both reachable from the internet; certificates are kept in the data folder's acme folder")
	f.StringVar(&o.acmeEmail, "acme-email", "", "with --acme: contact address given to the certificate authority, for expiry and problem notices")
	f.StringVar(&o.acmeDirectoryURL, "acme-directory-url", "", "with --acme: directory URL of the ACME certificate authority (default: Let's Encrypt's production one; e.g. https://acme-staging-v02.api.letsencrypt.org/directory for its staging)")
	f.StringVar(&o.httpListen, "http-listen", "", "with HTTPS: address answering plain HTTP, with a 308 redirect to the same path on https (and ACME's HTTP-01 challenges with --acme) (default: :80 with --acme, none with --tls-cert)")
	f.DurationVar(&o.hstsMaxAge, "hsts-max-age", defaultHSTSMaxAge, "with HTTPS: max-age of the Strict-Transport-Security header, which tells browsers to use https only for this host (0: no header)")
}

// resolve records which flags were given, on the command line or in the
// environment (bindEnv does not mark the flags it sets as changed), and
// applies --acme's default listen address.
func (o *tlsOptions) resolve(cmd *cobra.Command, listen *string) {
	given := func(name string) bool {
		_, env := os.LookupEnv("OPENFAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
		return cmd.Flags().Changed(name) || env
	}
	o.listenSet, o.hstsSet = given("listen"), given("hsts-max-age")
	if o.acme && !o.listenSet {
		*listen = ":443"
	}
}

// httpsSetup is the HTTPS of a running server: its TLS configuration and
// what goes with it.
type httpsSetup struct {
	config     *tls.Config
	files      *certFiles        // with --tls-cert
	manager    *autocert.Manager // with --acme
	httpListen string
	hsts       string // the Strict-Transport-Security value; empty: none
	host       string // the host of --public-url, the redirects' target
}

// prepareTLS checks the HTTPS flags and loads the certificate files, so
// that a mistake stops serve before anything is opened. It returns nil for
// plain HTTP.
func (o tlsOptions) prepareTLS(publicURL *url.URL, dataDir string, log *slog.Logger) (*httpsSetup, error) {
	files := o.certFile != "" || o.keyFile != ""
	if !files && !o.acme {
		switch {
		case o.acmeEmail != "" || o.acmeDirectoryURL != "":
			return nil, errors.New("--acme-email and --acme-directory-url need --acme")
		case o.httpListen != "":
			return nil, errors.New("--http-listen redirects to HTTPS: it needs --tls-cert and --tls-key, or --acme")
		case o.hstsSet:
			return nil, errors.New("--hsts-max-age applies to HTTPS only: it needs --tls-cert and --tls-key, or --acme (behind a reverse proxy, set the header there)")
		}
		return nil, nil
	}
	if o.hstsMaxAge < 0 {
		return nil, errors.New("--hsts-max-age must be 0 (no header) or more")
	}
	if publicURL != nil && publicURL.Scheme != "https" {
		return nil, fmt.Errorf("--public-url %s is http, but the server serves HTTPS: give its https address", publicURL)
	}
	s := &httpsSetup{httpListen: o.httpListen}
	if publicURL != nil {
		s.host = publicURL.Host
	}
	if o.hstsMaxAge > 0 {
		s.hsts = "max-age=" + strconv.FormatInt(int64(o.hstsMaxAge/time.Second), 10)
	}
	if o.acme {
		if files {
			return nil, errors.New("--acme obtains certificates itself: give it or --tls-cert and --tls-key, not both")
		}
		if publicURL == nil {
			return nil, errors.New("--acme needs --public-url https://your.host: the certificate is requested for that host")
		}
		host := publicURL.Hostname()
		if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
			return nil, fmt.Errorf("--acme needs a domain name in --public-url, not %q", host)
		}
		if o.acmeDirectoryURL != "" {
			if u, err := url.Parse(o.acmeDirectoryURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("--acme-directory-url must be an http(s) URL, got %q", o.acmeDirectoryURL)
			}
		}
		if err := sqlite.EnsureDataDir(dataDir); err != nil {
			return nil, err
		}
		cache := filepath.Join(dataDir, acmeDir)
		if err := os.MkdirAll(cache, 0o700); err != nil {
			return nil, fmt.Errorf("create the certificate folder: %w", err)
		}
		if err := os.Chmod(cache, 0o700); err != nil {
			return nil, err
		}
		s.manager = &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(cache),
			HostPolicy: autocert.HostWhitelist(host),
			Email:      o.acmeEmail,
		}
		if o.acmeDirectoryURL != "" {
			s.manager.Client = &acme.Client{DirectoryURL: o.acmeDirectoryURL}
		}
		s.config = s.manager.TLSConfig()
		if s.httpListen == "" {
			s.httpListen = ":80"
		}
		dirURL := o.acmeDirectoryURL
		if dirURL == "" {
			dirURL = autocert.DefaultACMEDirectory
		}
		log.Info("https", "certificates", "automatic (ACME)", "host", host, "directory", dirURL, "cache", cache)
	} else {
		if o.certFile == "" || o.keyFile == "" {
			return nil, errors.New("--tls-cert and --tls-key go together: give both files, or neither")
		}
		f, err := loadCertFiles(o.certFile, o.keyFile, log)
		if err != nil {
			return nil, err
		}
		s.files = f
		s.config = &tls.Config{GetCertificate: f.getCertificate}
		leaf := f.current().Leaf
		log.Info("https", "certificates", "files", "cert", o.certFile, "subject", leaf.Subject.String(),
			"names", strings.Join(leaf.DNSNames, ","), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
		if time.Now().After(leaf.NotAfter) {
			log.Warn("the certificate of --tls-cert has expired", "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	s.config.MinVersion = tls.VersionTLS12
	return s, nil
}

// start puts HTTPS in place for httpServer, which serves on ln: its TLS
// configuration, the HSTS header, the redirect listener and the reload of
// certificate files on SIGHUP. The function returned stops what it
// started.
func (s *httpsSetup) start(httpServer *http.Server, ln net.Listener, apiServer *api.Server, log *slog.Logger) (func(), error) {
	if s == nil {
		return func() {}, nil
	}
	httpServer.TLSConfig = s.config
	if s.hsts != "" {
		next, value := httpServer.Handler, []string{s.hsts}
		httpServer.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Strict-Transport-Security"] = value
			next.ServeHTTP(w, r)
		})
	}
	var stops []func()
	stop := func() {
		for _, f := range stops {
			f()
		}
	}
	if s.files != nil {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-hup:
					s.files.reload(true)
				case <-done:
					return
				}
			}
		})
		stops = append(stops, func() { signal.Stop(hup); close(done); wg.Wait() })
	}
	if s.httpListen != "" {
		hl, err := net.Listen("tcp", s.httpListen)
		if err != nil {
			stop()
			return nil, fmt.Errorf("--http-listen %s: %w", s.httpListen, err)
		}
		port := ""
		if _, p, err := net.SplitHostPort(ln.Addr().String()); err == nil && p != "443" {
			port = p
		}
		var h http.Handler = httpsredirect.Handler(s.host, port)
		if s.manager != nil {
			h = s.manager.HTTPHandler(h)
		}
		redirect := apiServer.HTTPServerFor(h)
		go func() {
			if err := redirect.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
				log.Error("http redirect listener stopped", "error", err)
			}
		}()
		log.Info("http redirect listening", "addr", hl.Addr().String())
		stops = append(stops, func() { redirect.Close() })
	}
	return stop, nil
}

// serve serves httpServer on ln, with TLS when s is not nil.
func (s *httpsSetup) serve(httpServer *http.Server, ln net.Listener) error {
	if s == nil {
		return httpServer.Serve(ln)
	}
	return httpServer.ServeTLS(ln, "", "")
}

// logAttrs are the attributes of the "openfast listening" line.
func (s *httpsSetup) logAttrs() []any {
	if s == nil {
		return []any{"scheme", "http"}
	}
	return []any{"scheme", "https"}
}

// certFiles serves the certificate of --tls-cert and --tls-key, and reads
// the files again when they change: checked at most once a minute, from
// the handshakes themselves, and at once on SIGHUP. A pair that does not
// load (a renewal half written, a key that does not match) is logged and
// the certificate served so far is kept; the files are tried again at the
// next check.
type certFiles struct {
	certFile, keyFile string
	log               *slog.Logger

	cert      atomic.Pointer[tls.Certificate]
	nextCheck atomic.Int64 // unix nanoseconds

	mu     sync.Mutex // held while the files are read
	stamps [2]fileStamp
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

// loadCertFiles reads the pair, with an error naming the flag at fault.
func loadCertFiles(certFile, keyFile string, log *slog.Logger) (*certFiles, error) {
	c := &certFiles{certFile: certFile, keyFile: keyFile, log: log}
	cert, stamps, err := c.read()
	if err != nil {
		return nil, err
	}
	c.cert.Store(cert)
	c.stamps = stamps
	c.nextCheck.Store(time.Now().Add(certCheckInterval).UnixNano())
	return c, nil
}

func (c *certFiles) current() *tls.Certificate { return c.cert.Load() }

// read loads the pair and the files' stamps (taken before reading, so
// that a write during the read is seen at the next check).
func (c *certFiles) read() (*tls.Certificate, [2]fileStamp, error) {
	var stamps [2]fileStamp
	var pems [2][]byte
	for i, f := range []struct{ flag, path string }{{"--tls-cert", c.certFile}, {"--tls-key", c.keyFile}} {
		st, err := stampOf(f.path)
		if err == nil {
			pems[i], err = os.ReadFile(f.path)
		}
		if err != nil {
			return nil, stamps, fmt.Errorf("%s: %w", f.flag, err)
		}
		stamps[i] = st
	}
	if !bytes.Contains(pems[0], []byte("CERTIFICATE")) {
		return nil, stamps, fmt.Errorf("--tls-cert %s holds no PEM certificate", c.certFile)
	}
	if !bytes.Contains(pems[1], []byte("PRIVATE KEY")) {
		return nil, stamps, fmt.Errorf("--tls-key %s holds no PEM private key", c.keyFile)
	}
	cert, err := tls.X509KeyPair(pems[0], pems[1])
	if err != nil {
		return nil, stamps, fmt.Errorf("--tls-cert and --tls-key do not make a certificate (%w): the key must be the certificate's, both in PEM", err)
	}
	return &cert, stamps, nil
}

// getCertificate is tls.Config.GetCertificate: the current certificate,
// after a check of the files when one is due.
func (c *certFiles) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if time.Now().UnixNano() >= c.nextCheck.Load() {
		c.reload(false)
	}
	return c.cert.Load(), nil
}

// reload reads the files again if they changed, or if force (SIGHUP). Only
// one reload runs at a time; a handshake that finds one running does not
// wait for it.
func (c *certFiles) reload(force bool) {
	if force {
		c.mu.Lock()
	} else if !c.mu.TryLock() {
		return
	}
	defer c.mu.Unlock()
	c.nextCheck.Store(time.Now().Add(certCheckInterval).UnixNano())
	if !force {
		cs, err1 := stampOf(c.certFile)
		ks, err2 := stampOf(c.keyFile)
		if err1 == nil && err2 == nil && cs == c.stamps[0] && ks == c.stamps[1] {
			return
		}
	}
	cert, stamps, err := c.read()
	if err != nil {
		c.log.Warn("certificate files not loaded; still serving the previous certificate", "error", err)
		return
	}
	c.cert.Store(cert)
	c.stamps = stamps
	c.log.Info("certificate loaded", "cert", c.certFile, "subject", cert.Leaf.Subject.String(),
		"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
}
