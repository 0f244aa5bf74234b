package web_test

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/internal/testskip"
)

// TestMain ends the run with a line that counts the tests skipped for want
// of Chromium.
func TestMain(m *testing.M) { os.Exit(testskip.Main(m, "web")) }

// screenshotsEnv names a folder that keeps the browser tests' screenshots.
const screenshotsEnv = "OPENFAST_SCREENSHOTS_DIR"

// screenshot saves the whole page as name.png, in $OPENFAST_SCREENSHOTS_DIR
// or the test's temporary folder.
func screenshot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := cmp.Or(os.Getenv(screenshotsEnv), t.TempDir())
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// waitFor waits until expr is true on the page, through navigations.
func waitFor(t *testing.T, b *browsertest.Browser, what, expr string) {
	t.Helper()
	var err error
	for range 50 { // a poll that a navigation interrupts starts again
		if _, err = chromedp.Run(b.Ctx, chromedp.Poll[bool](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err == nil {
			return
		}
		if !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	t.Fatalf("%s (at %s): %v", what, loc, err)
}

// settled waits until every panel of the page has loaded and the chart is
// drawn.
func settled(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	waitFor(t, b, "the page did not settle", `document.querySelector(".analytics") !== null &&
		document.querySelectorAll(".analytics .loading").length === 0 && document.querySelector(".uplot") !== null`)
}

// signInBrowser signs the owner in, in the browser, onto the website's
// analytics page.
func (a *analyticsEnv) signInBrowser(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	if err := chromedp.Do(b.Ctx,
		chromedp.Navigate(a.srv.URL+"/login?next=/websites/"+a.site),
		chromedp.SetValue(chromedp.CSS(`input[name=email]`), "ann@example.com"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// pageText is the text of the elements that match a CSS selector.
func pageText(t *testing.T, b *browsertest.Browser, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(`+"`"+sel+"`"+`)).map(e => e.innerText).join("\n")`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAnalyticsInBrowser: signed in, the analytics page loads every panel
// and draws its chart; clicking a referrer row puts its filter in the URL
// and narrows every panel; Esc clears it. The page breaks no rule of the
// content security policy.
func TestAnalyticsInBrowser(t *testing.T) {
	a := newAnalyticsEnv(t)
	b := browsertest.New(t)
	page := a.srv.URL + "/websites/" + a.site
	a.signInBrowser(t, b)
	settled(t, b)
	if got := pageText(t, b, ".kpi-list"); !strings.Contains(got, "Visitors\n3") {
		t.Errorf("key figures:\n%s", got)
	}
	screenshot(t, b, "analytics")
	// A label too long for its cell ends inside it, with an ellipsis.
	if fits, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`(() => {
		const a = Array.from(document.querySelectorAll(".rows th a")).find(a => a.textContent === "United States of America");
		const cell = a.closest("th").getBoundingClientRect(), label = a.getBoundingClientRect();
		return a.scrollWidth > a.clientWidth && getComputedStyle(a).textOverflow === "ellipsis" && label.right <= cell.right;
	})()`)); err != nil || !fits {
		t.Errorf("the long country name does not end with an ellipsis inside its cell (%v)", err)
	}

	if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`a[title="Filter by Google"]`))); err != nil {
		t.Fatalf("click the Google row: %v", err)
	}
	waitFor(t, b, "no filter in the URL", `location.search.includes("filter_referrer=is%3AGoogle")`)
	settled(t, b)
	for _, tc := range []struct{ sel, want, not string }{
		{".chips", "Referrer is Google", ""},
		{".kpi-list", "Visitors\n1", "Visitors\n3"},
		{".panel", "/pricing", "/blog"},
		{".panel", "United States of America", "Germany"},
		{".panel", "Chrome", "Firefox"},
		{".chart figcaption", "1 visitors", ""},
	} {
		got := pageText(t, b, tc.sel)
		if !strings.Contains(got, tc.want) || tc.not != "" && strings.Contains(got, tc.not) {
			t.Errorf("%s after the click: want %q, not %q:\n%s", tc.sel, tc.want, tc.not, got)
		}
	}
	screenshot(t, b, "analytics-filtered")

	// Dark mode follows the system's.
	if err := chromedp.Do(b.Ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if dark, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); dark != "rgb(17, 17, 20)" {
		t.Errorf("dark background: %s", dark)
	}
	screenshot(t, b, "analytics-dark")

	// Esc clears the filters; "7" picks the last 7 days.
	if err := chromedp.Do(b.Ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "Esc did not clear the filter", `location.href === `+"`"+page+"`")
	settled(t, b)
	if err := chromedp.Do(b.Ctx, chromedp.KeyEvent("7")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, `"7" did not pick the last 7 days`, `location.search === "?period=7d"`)
	settled(t, b)

	// A failing panel shows the server's message in its place; the others
	// load.
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(page+"?period=12m&interval=hour")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the panels did not load", `document.querySelectorAll(".analytics .loading").length === 0`)
	if got := pageText(t, b, ".chart-card .panel-error"); !strings.Contains(got, "choose a longer interval") {
		t.Errorf("chart error: %q", got)
	}
	if got := pageText(t, b, ".kpi-list"); !strings.Contains(got, "Visitors\n3") {
		t.Errorf("key figures beside the failing chart:\n%s", got)
	}
	for _, line := range b.Console() {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Uncaught") || strings.Contains(line, "status of 429") {
			t.Errorf("page console: %s", line)
		}
	}
}

// TestSharedPageInBrowser: the public dashboard loads without sign-in,
// with its comparison drawn, and shows no visitors panel.
func TestSharedPageInBrowser(t *testing.T) {
	a := newAnalyticsEnv(t)
	a.share(t, true)
	b := browsertest.New(t)
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(a.srv.URL+"/share/example.com?period=today&compare=previous")); err != nil {
		t.Fatal(err)
	}
	settled(t, b)
	if got := pageText(t, b, ".kpi-list"); !strings.Contains(got, "Visitors\n2\n▲ +100.0%") {
		t.Errorf("key figures:\n%s", got)
	}
	if got := pageText(t, b, "main"); strings.Contains(got, "@") || strings.Contains(got, "Visitors\nVisitor") || strings.Contains(got, "Sign out") {
		t.Errorf("the public page shows:\n%s", got)
	}
	if got := pageText(t, b, ".u-legend"); !strings.Contains(got, "previous period") {
		t.Errorf("no comparison in the chart's legend:\n%s", got)
	}
	screenshot(t, b, "share")
}
