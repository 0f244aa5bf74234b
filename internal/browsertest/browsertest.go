// Package browsertest starts headless Chromium for the tests that drive
// the dashboard in a real browser.
package browsertest

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/internal/testskip"
)

// Environment: CI installs Chromium and sets OPENFAST_REQUIRE_BROWSER=1,
// so that a missing browser fails the test instead of skipping it.
const (
	requireBrowserEnv = "OPENFAST_REQUIRE_BROWSER"
	chromiumEnv       = "OPENFAST_CHROMIUM"
	defaultChromium   = "/usr/bin/chromium"
)

// Timeout bounds a browser test from the start of Chromium.
const Timeout = 2 * time.Minute

// New starts Chromium ($OPENFAST_CHROMIUM, else /usr/bin/chromium)
// headless with a fresh profile and returns the context of its first tab;
// the test's cleanup closes the browser. Without Chromium the test skips
// (fails with OPENFAST_REQUIRE_BROWSER=1). What pages write to their
// console is logged when the test fails.
func New(t *testing.T) context.Context {
	t.Helper()
	path := cmp.Or(os.Getenv(chromiumEnv), defaultChromium)
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (apt-get install chromium, or set %s): %v", path, chromiumEnv, err)
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Fatalf("%s (%s=1)", msg, requireBrowserEnv)
		}
		testskip.Skip(t, "Chromium", "apt-get install chromium, or set "+chromiumEnv, msg+"; set "+requireBrowserEnv+"=1 to make this a failure")
	}
	root, cancelRoot := context.WithTimeout(context.Background(), Timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	var mu sync.Mutex
	var console []string
	done := make(chan struct{})
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelRoot()
		<-done
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			for _, line := range console {
				t.Log("page console:", line)
			}
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		close(done)
		t.Fatalf("start %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	return ctx
}
