package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNew_StartsAgain: a Chromium that exits while it starts is started
// again, and the browser New returns works.
func TestNew_StartsAgain(t *testing.T) {
	real := Path()
	if _, err := exec.LookPath(real); err != nil {
		Unavailable(t, "Chromium", "apt-get install chromium, or set "+ChromiumEnv, "no Chromium at %s: %v", real, err)
	}
	dir := t.TempDir()
	// The first start exits at once, as a crash at start does.
	script := filepath.Join(dir, "chromium")
	mark := filepath.Join(dir, "started")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nif [ ! -e '"+mark+"' ]; then : > '"+mark+"'; echo 'crashed at start' >&2; exit 1; fi\nexec '"+real+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(ChromiumEnv, script)
	b := New(t)
	title, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.title = "started again", document.title`))
	if err != nil || title != "started again" {
		t.Fatalf("the browser started again does not work: %q %v", title, err)
	}
}
