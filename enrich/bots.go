package enrich

import (
	"bytes"
	"strings"

	"github.com/x-way/crawlerdetect"
)

// automationMarkers are lower-case substrings that headless, automated and
// auditing browsers put in their user agents. The crawler list misses most of
// them because these agents otherwise look like ordinary Chrome or Safari.
var automationMarkers = [][]byte{
	[]byte("headless"),   // HeadlessChrome, Headless Firefox builds
	[]byte("phantomjs"),  // PhantomJS
	[]byte("slimerjs"),   // SlimerJS
	[]byte("electron/"),  // Electron shells: Cypress, Nightmare, desktop apps' views
	[]byte("cypress/"),   // Cypress
	[]byte("nightmare"),  // Nightmare
	[]byte("puppeteer"),  // user agents set by Puppeteer scripts
	[]byte("playwright"), // user agents set by Playwright scripts
	[]byte("selenium"),   // Selenium
	[]byte("webdriver"),  // WebDriver clients
	[]byte("lighthouse"), // Lighthouse, Chrome-Lighthouse, PageSpeed Insights
	[]byte("ptst/"),      // WebPageTest
}

// IsBot reports whether a user agent belongs to a crawler, a monitoring tool, a
// headless or automated browser (HeadlessChrome, PhantomJS, Electron test
// runners, Lighthouse, Puppeteer and Playwright markers), an HTTP library such as
// curl or python-requests, or is empty. Only the first 1 KiB is examined.
//
// Any Electron shell counts as automated, as does Slack's desktop app (the
// Crawler-Detect list has "Slack/"): pages are rarely browsed inside them.
//
// Crawlers are recognised with the Crawler-Detect patterns, which
// github.com/x-way/crawlerdetect compiles once when the program starts.
func IsBot(ua string) bool {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return true
	}
	if len(ua) > maxUserAgentLen {
		ua = ua[:maxUserAgentLen]
	}

	var buf [maxUserAgentLen]byte
	lower := buf[:len(ua)]
	for i := range len(ua) {
		b := ua[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
	}
	for _, marker := range automationMarkers {
		if bytes.Contains(lower, marker) {
			return true
		}
	}
	return crawlerdetect.IsCrawler(ua)
}
