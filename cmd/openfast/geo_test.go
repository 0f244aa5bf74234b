package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast/internal/geotest"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// postFrom posts a pageview of path as a desktop browser whose address,
// behind the trusted proxy 127.0.0.1, is clientIP.
func postFrom(t *testing.T, srv *serverProcess, trackingID, path, visitorID, clientIP string) {
	t.Helper()
	body := fmt.Sprintf(`{"websiteId":%q,"domain":"example.com","href":"https://example.com%s","referrer":null,"visitorId":%q,"sessionId":"s%s","type":"pageview"}`,
		trackingID, path, visitorID, visitorID)
	req, err := http.NewRequest(http.MethodPost, srv.baseURL+"/api/events", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", desktopChrome)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	req.Header.Set("X-Forwarded-For", clientIP)
	resp, err := srv.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/events from %s: %d %s", clientIP, resp.StatusCode, b)
	}
}

// TestServe_EmbeddedGeoIP: a server started without --geoip-db logs the
// embedded country database and its build date, and places events from
// public addresses (given by a trusted proxy's X-Forwarded-For) in the
// countries that database says; the countries breakdown names them.
func TestServe_EmbeddedGeoIP(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "0",
		"--event-load-delay", "5ms", "--trusted-proxies", "127.0.0.1",
	}})
	line := srv.waitLog(t, `msg="geoip database"`)
	for _, want := range []string{`database="embedded geo-whois-asn-country`, `built=2026-06-17`} {
		if !strings.Contains(line, want) {
			t.Errorf("start-up log %q lacks %s", line, want)
		}
	}
	token := runBootstrap(t, dataDir, "geo@example.com", "Geo")
	site := srv.createTrackedWebsite(t, token)

	visitors := map[string]string{ // address -> visitor id
		"8.8.8.8":              "a3ab2331-989f-4cfa-91c6-2461c9e3c601", // US
		"2001:4860:4860::8888": "a3ab2331-989f-4cfa-91c6-2461c9e3c602", // US
		"1.1.1.1":              "a3ab2331-989f-4cfa-91c6-2461c9e3c603", // AU
		"81.2.69.142":          "a3ab2331-989f-4cfa-91c6-2461c9e3c604", // GB
		"194.25.0.68":          "a3ab2331-989f-4cfa-91c6-2461c9e3c605", // DE
		"10.0.0.7":             "a3ab2331-989f-4cfa-91c6-2461c9e3c606", // private: nowhere
	}
	for ip, v := range visitors {
		postFrom(t, srv, site.trackingID, "/", v, ip)
	}

	want := []string{"Australia 1", "Germany 1", "United Kingdom 1", "United States of America 2"}
	var got []string
	defer func() {
		if t.Failed() {
			t.Logf("countries breakdown: %q, want %q", got, want)
		}
	}()
	eventually(t, "the countries breakdown counts the events", func() bool {
		_, b := srv.do(t, http.MethodGet, "/api/v1/analytics/countries?websiteId="+site.websiteID, token, nil)
		var r struct {
			Data []struct {
				Country  string `json:"country"`
				Visitors int    `json:"visitors"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("countries: %v; body %s", err, b)
		}
		got = got[:0]
		for _, row := range r.Data {
			if row.Country != "" && row.Country != "Unknown" {
				got = append(got, fmt.Sprint(row.Country, " ", row.Visitors))
			}
		}
		slices.Sort(got)
		return slices.Equal(got, want)
	})
}

// writeCityDB writes a GeoLite2-City database that places 81.2.69.0/24 in
// London, England and 2.56.0.0/16 in San Francisco, California.
func writeCityDB(t *testing.T) string {
	t.Helper()
	city := func(cc, subCode, subName, name string) mmdbtype.Map {
		return mmdbtype.Map{
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String(cc)},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String(subCode), "names": mmdbtype.Map{"en": mmdbtype.String(subName)}}},
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(name)}},
		}
	}
	return geotest.WriteMMDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-City", IPVersion: 6, RecordSize: 24}, map[string]mmdbtype.Map{
		"81.2.69.0/24": city("GB", "ENG", "England", "London"),
		"2.56.0.0/16":  city("US", "CA", "California", "San Francisco"),
	})
}

// TestServe_GeoIPDBRegionNames: with --geoip-db a city database replaces
// the embedded one (the log names it), and regions are English names, as
// DataFast shows them: in the regions breakdown, in a visitor's identity
// and on the realtime map.
func TestServe_GeoIPDBRegionNames(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	db := writeCityDB(t)
	srv := startServer(t, serverOptions{args: []string{
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "0",
		"--event-load-delay", "5ms", "--trusted-proxies", "127.0.0.1", "--geoip-db", db,
	}})
	if line := srv.waitLog(t, `msg="geoip database"`); !strings.Contains(line, "database="+db) || !strings.Contains(line, "type=GeoLite2-City") {
		t.Errorf("start-up log %q does not name %s", line, db)
	}
	token := runBootstrap(t, dataDir, "geo@example.com", "Geo")
	site := srv.createTrackedWebsite(t, token)
	const london, sf = "a3ab2331-989f-4cfa-91c6-2461c9e3c611", "a3ab2331-989f-4cfa-91c6-2461c9e3c612"
	postFrom(t, srv, site.trackingID, "/", london, "81.2.69.142")
	postFrom(t, srv, site.trackingID, "/", sf, "2.56.7.8")

	want := []string{"California 1", "England 1"}
	var got []string
	defer func() {
		if t.Failed() {
			t.Logf("regions breakdown: %q, want %q", got, want)
		}
	}()
	eventually(t, "the regions breakdown counts the events", func() bool {
		_, b := srv.do(t, http.MethodGet, "/api/v1/analytics/regions?websiteId="+site.websiteID, token, nil)
		var r struct {
			Data []struct {
				Region   string `json:"region"`
				Visitors int    `json:"visitors"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("regions: %v; body %s", err, b)
		}
		got = got[:0]
		for _, row := range r.Data {
			got = append(got, fmt.Sprint(row.Region, " ", row.Visitors))
		}
		slices.Sort(got)
		return slices.Equal(got, want)
	})

	b := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/visitors/"+sf+"?websiteId="+site.websiteID, token, nil)
	var v struct {
		Data struct {
			Identity struct {
				CountryCode string `json:"countryCode"`
				Region      string `json:"region"`
				City        string `json:"city"`
			} `json:"identity"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if got := v.Data.Identity; got.CountryCode != "US" || got.Region != "California" || got.City != "San Francisco" {
		t.Errorf("visitor identity %+v, want US, California, San Francisco; body %s", got, b)
	}

	b = srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/realtime/map?websiteId="+site.websiteID, token, nil)
	if !strings.Contains(string(b), `"region":"England"`) || !strings.Contains(string(b), `"region":"California"`) {
		t.Errorf("realtime map does not name the regions: %s", b)
	}
}
