// Package browsertest starts headless Chromium for the tests that load
// openfast's pages in a real browser (the tracker and SDK tests of ingest,
// the dashboard tests of web), and skips them, counted by testskip, when
// Chromium is missing. CI installs Chromium and sets
// OPENFAST_REQUIRE_BROWSER=1 so that a missing piece fails the tests
// instead.
package browsertest

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/internal/testskip"
)

// Environment of the browser tests.
const (
	RequireEnv      = "OPENFAST_REQUIRE_BROWSER" // "1": a missing browser or piece fails the test
	ChromiumEnv     = "OPENFAST_CHROMIUM"        // the Chromium program
	DefaultChromium = "/usr/bin/chromium"
)

// Timeout bounds a browser test from the start of Chromium to its end.
const Timeout = 2 * time.Minute

// Unavailable skips the test because something it needs (what, provided
// as how says) is missing, or fails it when the environment says the
// browser tests must run.
func Unavailable(t *testing.T, what, how, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1)", msg, RequireEnv)
	}
	testskip.Skip(t, what, how, fmt.Sprintf("%s; set %s=1 to make this a failure", msg, RequireEnv))
}

// Browser is one headless Chromium with one tab. Ctx ends at the test's
// deadline; the test's cleanup closes the browser.
type Browser struct {
	Ctx     context.Context
	mu      sync.Mutex
	console []string
}

// New starts Chromium ($OPENFAST_CHROMIUM, else /usr/bin/chromium)
// headless, with a fresh profile, a 1280×800 window and the network
// closed to background traffic; opts add to or override these. What the
// page writes to its console is logged when the test fails.
func New(t *testing.T, opts ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	path := Path()
	if _, err := exec.LookPath(path); err != nil {
		Unavailable(t, "Chromium", "apt-get install chromium, or set "+ChromiumEnv,
			"no Chromium at %s (apt-get install chromium, or set %s): %v", path, ChromiumEnv, err)
	}
	root, cancelRoot := context.WithTimeout(context.Background(), Timeout)
	ctx, cancel, err := Start(root, func(attempt int, err error) {
		t.Logf("start %s (try %d of %d): %v", path, attempt, startAttempts, err)
	}, opts...)
	if err != nil {
		cancelRoot()
		t.Fatalf("start %s: %v", path, err)
	}
	b := &Browser{Ctx: ctx}
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		cancelRoot()
		<-done
	})
	t.Cleanup(func() {
		if t.Failed() {
			b.mu.Lock()
			defer b.mu.Unlock()
			for _, line := range b.console {
				t.Log("page console:", line)
			}
		}
	})
	if err := look(ctx, os.Getenv(LookEnv)); err != nil {
		close(done)
		t.Fatalf("%s: %v", LookEnv, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.logConsole(m.String())
		}
	}()
	return b
}

// startAttempts is how many times Start starts a Chromium that exits
// while it starts.
const startAttempts = 3

// Start starts Chromium (Path) with Options and opts under parent, and
// returns its first tab; cancel closes it. Chromium now and then exits
// while it starts, before it has opened anything (a crash report on a
// loaded machine): a fault of the machine, not of what a test or a
// benchmark measures, so it gets two more tries, each reported to retry
// (which may be nil).
func Start(parent context.Context, retry func(attempt int, err error), opts ...chromedp.ExecAllocatorOption) (ctx context.Context, cancel context.CancelFunc, err error) {
	for attempt := 1; ; attempt++ {
		alloc, cancelAlloc := chromedp.NewExecAllocator(parent, append(Options(Path()), opts...)...)
		tab, cancelTab := chromedp.NewContext(alloc)
		err := chromedp.Do(tab)
		if err == nil {
			return tab, func() { cancelTab(); cancelAlloc() }, nil
		}
		cancelTab()
		cancelAlloc()
		if attempt == startAttempts || !strings.Contains(err.Error(), "failed to start") {
			return nil, nil, err
		}
		if retry != nil {
			retry(attempt, err)
		}
	}
}

// Path is the Chromium program: $OPENFAST_CHROMIUM, else /usr/bin/chromium.
func Path() string { return cmp.Or(os.Getenv(ChromiumEnv), DefaultChromium) }

// Options are New's options for the Chromium at path: headless, a fresh
// profile, a 1280×800 window and the network closed to background
// traffic. The benchmarks in bench/ start Chromium with them too.
func Options(path string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The network is closed: no background, update or sync traffic.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	}
}

// Console returns what the page has written to its console so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

func (b *Browser) logConsole(line string) {
	b.mu.Lock()
	b.console = append(b.console, line)
	b.mu.Unlock()
}

// LookEnv names the variable that makes every page of the browser tests
// look as a visitor may see it, for screenshots: "dark" (the system's
// dark colour scheme), "narrow" (a 390 px wide phone window), or both,
// comma-separated.
const LookEnv = "OPENFAST_SCREENSHOTS_LOOK"

// look applies LookEnv's value to the browser's tab.
func look(ctx context.Context, value string) error {
	for _, part := range strings.Split(value, ",") {
		var err error
		switch strings.TrimSpace(part) {
		case "":
		case "dark":
			err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
				return err
			}))
		case "narrow":
			err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
					Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true})
				return err
			}))
		default:
			err = fmt.Errorf("unknown look %q (dark, narrow)", part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
