package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
)

// featurePage loads script.js with the attributes given as the third
// argument, and holds what the feature tests click.
const featurePage = `<!doctype html>
<html><head><meta charset="utf-8"><title>App</title>
<script defer src="%s/js/script.js" data-website-id="%s" data-domain="example.com" data-allow-localhost="true" data-debug="true" %s></script>
</head><body><h1>App</h1>
<a id="pdf" href="/files/Guide.PDF?v=2">Guide</a>
<a id="page" href="/files/readme.html">Readme</a>
<a id="hash" href="#/settings">Settings</a>
</body></html>
`

// featureServer serves featurePage, with attrs, for every /app/ path; other
// paths answer 204.
func featureServer(t *testing.T, s *server, attrs string) *httptest.Server {
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/app/") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, featurePage, s.http.URL, s.tracking, attrs)
	}))
	t.Cleanup(pages.Close)
	return pages
}

// TestTrackerCheckoutIDsInChromium: a checkout id in the page URL goes as a
// payment event whose props hold it, once per session: a reload of the
// page sends the pageview only.
func TestTrackerCheckoutIDsInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages)
	pages := featureServer(t, s, "")
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/thanks?session_id=cs_test_a1B2c3&order_id=1234")
	events := s.waitEvents(t, 3, "the pageview and two checkout ids")
	// The three requests leave together and may be stored in any order.
	var pageview storedEvent
	byID := map[string]storedEvent{}
	for _, e := range events {
		if e.Type == openfast.EventPageview {
			pageview = e
		}
		for k := range e.Props {
			byID[k] = e
		}
	}
	visitor := pageview.VisitorID
	checkEvent(t, s, pageview, openfast.EventPageview, visitor, "/app/thanks", "", nil)
	checkEvent(t, s, byID["stripe_session_id"], openfast.EventPaymentHint, visitor, "/app/thanks", "", map[string]string{"stripe_session_id": "cs_test_a1B2c3"})
	checkEvent(t, s, byID["lemonsqueezy_order_id"], openfast.EventPaymentHint, visitor, "/app/thanks", "", map[string]string{"lemonsqueezy_order_id": "1234"})

	settle()
	b.open(t, pages.URL+"/app/thanks?session_id=cs_test_a1B2c3&order_id=1234")
	s.waitEvents(t, 4, "the reload")
	settle()
	// waitEvents fails if a payment came after the pageview.
	if events = s.waitEvents(t, 4, "the reload"); events[3].Type != openfast.EventPageview {
		t.Errorf("the reload sent a %s, want the pageview only", events[3].Type)
	}
}

// TestTrackerOptInFeaturesInChromium: with data-hash-routing, a hash change
// is a pageview whose path holds the fragment; with data-track-downloads, a
// click on a PDF link is a file_download goal with the file's URL (sent by
// beacon, as the page may leave); window.datafast("404") is the 404 goal.
func TestTrackerOptInFeaturesInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages)
	pages := featureServer(t, s, `data-hash-routing="true" data-track-downloads="true"`)
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/#/home")
	s.waitEvents(t, 1, "the pageview")
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("hash"))); err != nil {
		t.Fatal(err)
	}
	s.waitEvents(t, 2, "the hash change")
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("pdf"))); err != nil {
		t.Fatal(err)
	}
	s.waitEvents(t, 3, "the download")
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("page"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`window.datafast("404")`)); err != nil {
		t.Fatal(err)
	}
	events := s.waitEvents(t, 4, "the 404 goal")
	visitor := events[0].VisitorID
	checkEvent(t, s, events[0], openfast.EventPageview, visitor, "/app/#/home", "", nil)
	checkEvent(t, s, events[1], openfast.EventPageview, visitor, "/app/#/settings", "", nil)
	checkEvent(t, s, events[2], openfast.EventCustom, visitor, "/app/#/settings", "file_download", map[string]string{"url": pages.URL + "/files/Guide.PDF"})
	checkEvent(t, s, events[3], openfast.EventCustom, visitor, "/app/#/settings", "404", nil)
}
