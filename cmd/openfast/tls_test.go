package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var redirectAddr = regexp.MustCompile(`msg="http redirect listening" addr=(\S+)`)

// testCert is a self-signed certificate for 127.0.0.1 and localhost,
// written as PEM files.
type testCert struct {
	certFile, keyFile string
	pool              *x509.CertPool
	serial            *big.Int
}

// writeTestCert writes a new self-signed certificate and its key to
// cert.pem and key.pem in dir (replacing them).
func writeTestCert(t *testing.T, dir string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "openfast test " + serial.String()},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := testCert{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool(), serial: serial}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c.pool.AddCert(leaf)
	// Written next to the target and renamed, as renewal tools do.
	for _, f := range []struct {
		path string
		data []byte
	}{
		{c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
		{c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})},
	} {
		if err := os.WriteFile(f.path+".new", f.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f.path+".new", f.path); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// useHTTPS points p's requests at https://, trusting pool.
func (p *serverProcess) useHTTPS(t *testing.T, pool *x509.CertPool) {
	t.Helper()
	transport := &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}, DisableCompression: true}
	t.Cleanup(transport.CloseIdleConnections)
	p.client = &http.Client{Transport: transport, Timeout: waitLimit,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p.baseURL = "https://" + p.addr
}

// noRedirects is a plain-HTTP client that returns redirects as they are.
var noRedirects = &http.Client{
	Transport:     &http.Transport{Proxy: nil, DisableCompression: true},
	Timeout:       waitLimit,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send sends one request with client and returns the response with its
// body read.
func send(t *testing.T, client *http.Client, method, target string, header map[string]string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return res, b
}

// setPassword runs `openfast admin set-password` for email.
func setPassword(t *testing.T, dataDir, email, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "admin", "set-password", "--data-dir", dataDir, "--email", email)
	cmd.Env = baseEnv()
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin set-password: %v\n%s", err, out)
	}
}

// servedSerial is the serial number of the certificate a new TLS
// connection to addr is served.
func servedSerial(t *testing.T, addr string, pool *x509.CertPool) *big.Int {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: waitLimit}, "tcp", addr, &tls.Config{RootCAs: pool, InsecureSkipVerify: pool == nil})
	if err != nil {
		t.Fatalf("TLS dial %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// serve --tls-cert --tls-key serves HTTPS (TLS 1.2 or later) with HSTS,
// the API and the dashboard with Secure cookies; --http-listen redirects
// plain HTTP there with 308; the certificate is read again on SIGHUP.
func TestServe_TLSCertificateFiles(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	certDir := t.TempDir()
	cert := writeTestCert(t, certDir)
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	setPassword(t, dataDir, "owner@example.com", "a long enough password")
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--http-listen", "127.0.0.1:0"}})
	if line := srv.waitLog(t, `msg="openfast listening"`); !strings.Contains(line, "scheme=https") {
		t.Errorf("listening line %q does not say https", line)
	}
	srv.useHTTPS(t, cert.pool)

	res, _ := send(t, srv.client, http.MethodGet, srv.baseURL+"/healthz", nil, nil)
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("GET /healthz over https: %d, TLS %v", res.StatusCode, res.TLS)
	}
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q, want max-age=31536000", got)
	}
	srv.account(t, token, "owner@example.com", "Owner")

	t.Run("HTTP2", func(t *testing.T) {
		transport := &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: cert.pool}, ForceAttemptHTTP2: true}
		defer transport.CloseIdleConnections()
		res, _ := send(t, &http.Client{Transport: transport, Timeout: waitLimit}, http.MethodGet, srv.baseURL+"/healthz", nil, nil)
		if res.ProtoMajor != 2 {
			t.Errorf("protocol %s, want HTTP/2", res.Proto)
		}
	})

	t.Run("TLS1.1Refused", func(t *testing.T) {
		conn, err := tls.Dial("tcp", srv.addr, &tls.Config{RootCAs: cert.pool, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Fatal("a TLS 1.1 handshake succeeded")
		}
	})
	t.Run("PlainHTTPToTLSPort", func(t *testing.T) {
		res, err := noRedirects.Get("http://" + srv.addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				t.Fatal("plain HTTP to the TLS port answered 200")
			}
		}
	})
	t.Run("Compression", func(t *testing.T) {
		_, plain := send(t, srv.client, http.MethodGet, srv.baseURL+"/api/v1/openapi.json", nil, nil)
		res, gz := send(t, srv.client, http.MethodGet, srv.baseURL+"/api/v1/openapi.json", map[string]string{"Accept-Encoding": "gzip"}, nil)
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(decoded, plain) || !bytes.HasPrefix(plain, []byte("{")) {
			t.Fatalf("gzipped JSON decodes to %d bytes (%v), the plain answer is %d", len(decoded), err, len(plain))
		}
		// The dashboard's pages too.
		res, page := send(t, srv.client, http.MethodGet, srv.baseURL+"/login", map[string]string{"Accept-Encoding": "gzip"}, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || len(page) == 0 {
			t.Errorf("GET /login with gzip: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
		}
	})
	t.Run("SecureCookie", func(t *testing.T) {
		form := url.Values{"email": {"owner@example.com"}, "password": {"a long enough password"}}
		res, body := send(t, srv.client, http.MethodPost, srv.baseURL+"/login",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()))
		cookies := res.Cookies()
		if res.StatusCode != http.StatusSeeOther || len(cookies) == 0 {
			t.Fatalf("POST /login: %d, cookies %v; body %s", res.StatusCode, cookies, body)
		}
		for _, c := range cookies {
			if !c.Secure || !c.HttpOnly {
				t.Errorf("cookie %s: Secure %v HttpOnly %v, want both", c.Name, c.Secure, c.HttpOnly)
			}
		}
	})
	t.Run("Redirect", func(t *testing.T) {
		m := redirectAddr.FindStringSubmatch(srv.waitLog(t, `msg="http redirect listening"`))
		if m == nil {
			t.Fatal("no redirect listener address")
		}
		_, port, _ := net.SplitHostPort(srv.addr)
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, "/websites?x=1&y=%2F"},
			{http.MethodHead, "/healthz"},
			{http.MethodPost, "/api/events"},
		} {
			res, _ := send(t, noRedirects, tc.method, "http://"+m[1]+tc.path, nil, strings.NewReader("{}"))
			want := "https://127.0.0.1:" + port + tc.path
			if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
				t.Errorf("%s %s over http: %d Location %q, want 308 %s", tc.method, tc.path, res.StatusCode, res.Header.Get("Location"), want)
			}
			if res.Header.Get("Strict-Transport-Security") != "" {
				t.Errorf("%s %s over http: HSTS header sent over plain HTTP", tc.method, tc.path)
			}
		}
		res, body := send(t, noRedirects, http.MethodGet, "http://"+m[1]+"/", map[string]string{"Host": "bad_host!"}, nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"status":"error"`) {
			t.Errorf("a bad Host: %d %s, want 400 in the error envelope", res.StatusCode, body)
		}
	})
	t.Run("Reload", func(t *testing.T) {
		if got := servedSerial(t, srv.addr, cert.pool); got.Cmp(cert.serial) != 0 {
			t.Fatalf("served serial %v, want %v", got, cert.serial)
		}
		// A key that does not match is refused; the server keeps serving.
		other := writeTestCert(t, t.TempDir())
		keyPEM, err := os.ReadFile(other.keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cert.keyFile, keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		srv.signal(t, syscall.SIGHUP)
		srv.waitLog(t, "still serving the previous certificate")
		if got := servedSerial(t, srv.addr, cert.pool); got.Cmp(cert.serial) != 0 {
			t.Fatalf("after a bad renewal: served serial %v, want the previous %v", got, cert.serial)
		}
		renewed := writeTestCert(t, certDir)
		srv.signal(t, syscall.SIGHUP)
		srv.waitLog(t, "openfast test "+renewed.serial.String())
		if got := servedSerial(t, srv.addr, renewed.pool); got.Cmp(renewed.serial) != 0 {
			t.Fatalf("after SIGHUP: served serial %v, want the renewed %v", got, renewed.serial)
		}
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/healthz", "", nil)
	})
}

// serve refuses, at start and with a clear message, HTTPS flags that do not
// go together and certificate files that cannot serve.
func TestServe_TLSRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := writeTestCert(t, dir)
	other := writeTestCert(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"CertWithoutKey", []string{"--tls-cert", cert.certFile}, "--tls-cert and --tls-key go together"},
		{"KeyWithoutCert", []string{"--tls-key", cert.keyFile}, "--tls-cert and --tls-key go together"},
		{"MissingCert", []string{"--tls-cert", missing, "--tls-key", cert.keyFile}, "--tls-cert: stat " + missing + ": no such file"},
		{"NotPEM", []string{"--tls-cert", garbage, "--tls-key", cert.keyFile}, "holds no PEM certificate"},
		{"Mismatch", []string{"--tls-cert", cert.certFile, "--tls-key", other.keyFile}, "--tls-cert and --tls-key do not make a certificate (tls: private key does not match public key)"},
		{"HTTPPublicURL", []string{"--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--public-url", "http://example.com"}, "is http, but the server serves HTTPS"},
		{"ACMEWithFiles", []string{"--acme", "--public-url", "https://a.example.com", "--tls-cert", cert.certFile, "--tls-key", cert.keyFile}, "not both"},
		{"ACMEWithoutPublicURL", []string{"--acme"}, "--acme needs --public-url https://"},
		{"ACMEWithIP", []string{"--acme", "--public-url", "https://127.0.0.1"}, "--acme needs a domain name"},
		{"ACMEBadDirectory", []string{"--acme", "--public-url", "https://a.example.com", "--acme-directory-url", "ftp://x"}, "--acme-directory-url must be"},
		{"ACMEEmailAlone", []string{"--acme-email", "ops@example.com"}, "need --acme"},
		{"HTTPListenAlone", []string{"--http-listen", "127.0.0.1:0"}, "--http-listen redirects to HTTPS"},
		{"HSTSAlone", []string{"--hsts-max-age", "1h"}, "--hsts-max-age applies to HTTPS only"},
		{"HSTSNegative", []string{"--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--hsts-max-age", "-1s"}, "--hsts-max-age must be 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data")}, tc.args...)
			_, stderr, code := runCLI(t, args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant an error containing %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, "openfast listening") {
				t.Errorf("the server started:\n%s", stderr)
			}
		})
	}
	// The environment counts as the flag.
	_, stderr, code := runCLIEnv(t, []string{"OPENFAST_HSTS_MAX_AGE=1h"}, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	if code == 0 || !strings.Contains(stderr, "--hsts-max-age applies to HTTPS only") {
		t.Errorf("OPENFAST_HSTS_MAX_AGE without HTTPS: exit %d, %s", code, stderr)
	}
}

// serve --acme: certificates cannot be issued here (no inbound network),
// so this checks the wiring: the certificate folder, the host policy that
// refuses every other name, the HTTP-01 challenge path and the redirect of
// everything else to the host of --public-url.
func TestServe_ACMEWiring(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(privateDir(t), "data")
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--acme", "--public-url", "https://analytics.example.com", "--acme-email", "ops@example.com",
		// Nothing listens there: no certificate is ever requested.
		"--acme-directory-url", "http://127.0.0.1:1/directory",
		"--http-listen", "127.0.0.1:0"}})
	srv.waitLog(t, `certificates="automatic (ACME)" host=analytics.example.com`)
	checkMode(t, filepath.Join(dataDir, "acme"), 0o700)

	for _, tc := range []struct{ serverName, want string }{
		{"other.example.com", `other.example.com\" not configured in HostWhitelist`},
		{"", "missing server name"},
	} {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: waitLimit}, "tcp", srv.addr, &tls.Config{ServerName: tc.serverName, InsecureSkipVerify: true})
		if err == nil {
			conn.Close()
			t.Errorf("TLS handshake for %q succeeded", tc.serverName)
			continue
		}
		srv.waitLog(t, tc.want)
	}

	m := redirectAddr.FindStringSubmatch(srv.waitLog(t, `msg="http redirect listening"`))
	if m == nil {
		t.Fatal("no redirect listener address")
	}
	base := "http://" + m[1]
	for _, tc := range []struct {
		method, path, host string
		status             int
		location           string
	}{
		{http.MethodGet, "/login?next=%2Fwebsites", "analytics.example.com", http.StatusPermanentRedirect, "https://analytics.example.com/login?next=%2Fwebsites"},
		{http.MethodPost, "/api/events", "anything.example.org", http.StatusPermanentRedirect, "https://analytics.example.com/api/events"},
		// The challenge path is autocert's: no token here, and only for
		// the host of --public-url.
		{http.MethodGet, "/.well-known/acme-challenge/token", "analytics.example.com", http.StatusNotFound, ""},
		{http.MethodGet, "/.well-known/acme-challenge/token", "other.example.com", http.StatusForbidden, ""},
	} {
		res, _ := send(t, noRedirects, tc.method, base+tc.path, map[string]string{"Host": tc.host}, strings.NewReader("{}"))
		if res.StatusCode != tc.status || res.Header.Get("Location") != tc.location {
			t.Errorf("%s %s (Host %s): %d Location %q, want %d %q", tc.method, tc.path, tc.host, res.StatusCode, res.Header.Get("Location"), tc.status, tc.location)
		}
	}
}

// Handshakes read the certificate while reloads replace it: no race (run
// with -race), and every handshake gets one of the certificates.
func TestCertFiles_ConcurrentReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTestCert(t, dir)
	files, err := loadCertFiles(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				files.nextCheck.Store(0) // a check is due at every handshake
				if c, err := files.getCertificate(nil); err != nil || c == nil || c.Leaf == nil {
					t.Errorf("getCertificate: %v, %v", c, err)
					return
				}
			}
		})
	}
	var last testCert
	for range 5 {
		last = writeTestCert(t, dir)
		files.reload(true)
	}
	wg.Wait()
	if got := files.current().Leaf.SerialNumber; got.Cmp(last.serial) != 0 {
		t.Errorf("serving serial %v after the last reload, want %v", got, last.serial)
	}
}
