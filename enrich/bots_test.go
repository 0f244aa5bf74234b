package enrich

import (
	"strings"
	"testing"
)

func TestIsBot(t *testing.T) {
	tests := []struct {
		name string
		ua   string
		want bool
	}{
		// People.
		{"ChromeWindows", uaChromeWindows, false},
		{"FirefoxWindows", uaFirefoxWindows, false},
		{"EdgeWindows", uaEdgeWindows, false},
		{"IE11Windows7", uaIE11Windows7, false},
		{"SafariMac", uaSafariMac, false},
		{"FirefoxMac", uaFirefoxMac, false},
		{"ChromeLinux", uaChromeLinux, false},
		{"ChromeOS", uaChromeOS, false},
		{"SafariIPhone", uaSafariIPhone, false},
		{"SafariIPad", uaSafariIPad, false},
		{"ChromeAndroidPhone", uaChromeAndroid, false},
		{"ChromeAndroidTablet", uaChromeAndroidTab, false},
		{"SamsungInternetPhone", uaSamsungPhone, false},
		{"OperaMini", uaOperaMini, false},
		{"InstagramIPhone", uaInstagramIPhone, false},
		{"InstagramAndroid", uaInstagramAndroid, false},
		{"FacebookIPhone", uaFacebookIPhone, false},
		{"FacebookAndroid", uaFacebookAndroid, false},
		{"TwitterIPhone", uaTwitterIPhone, false},
		{"TikTokAndroid", uaTikTokAndroid, false},
		{"MozillaOnly", "Mozilla/5.0", false},

		// Crawlers and link previews.
		{"Googlebot", uaGooglebot, true},
		{"GooglebotSmartphone", uaGooglebotSmartphone, true},
		{"GoogleInspectionTool", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Google-InspectionTool/1.0;)", true},
		{"Bingbot", uaBingbot, true},
		{"YandexBot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", true},
		{"AhrefsBot", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", true},
		{"FacebookExternalHit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", true},
		{"Twitterbot", "Twitterbot/1.0", true},
		{"Slackbot", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", true},

		// Monitoring.
		{"UptimeRobot", "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", true},
		{"Pingdom", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", true},

		// HTTP libraries and command-line tools.
		{"Curl", uaCurl, true},
		{"Wget", "Wget/1.21.4", true},
		{"PythonRequests", uaPythonRequests, true},
		{"GoHTTPClient", "Go-http-client/1.1", true},
		{"NodeFetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", true},

		// Headless, automated and auditing browsers.
		{"HeadlessChrome", uaHeadlessChrome, true},
		{"ChromeLighthouse", uaLighthouse, true},
		{"LighthouseDesktop", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Lighthouse", true},
		{"PhantomJS", "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", true},
		{"Cypress", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.6.1 Chrome/114.0.5735.289 Electron/25.8.4 Safari/537.36", true},
		{"Electron", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36", true},
		{"Puppeteer", uaChromeWindows + " Puppeteer", true},
		{"Playwright", uaSafariMac + " Playwright/1.40", true},
		{"WebPageTest", uaChromeWindows + " PTST/231120.123456", true},

		// Nothing at all.
		{"Empty", "", true},
		{"Blank", "  \t ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsBot(tt.ua); got != tt.want {
				t.Errorf("IsBot(%q) = %v, want %v", tt.ua, got, tt.want)
			}
		})
	}
}

func TestIsBot_Long(t *testing.T) {
	// A marker past the examined prefix is not seen; one inside it is.
	padding := strings.Repeat(" x", maxUserAgentLen)
	if IsBot(uaChromeWindows + padding + " HeadlessChrome") {
		t.Error("IsBot looked past the examined prefix")
	}
	if !IsBot(uaChromeWindows + " HeadlessChrome" + padding) {
		t.Error("IsBot missed a marker inside the examined prefix")
	}
}

func BenchmarkIsBot(b *testing.B) {
	uas := []string{uaChromeWindows, uaSafariIPhone, uaChromeAndroid, uaInstagramIPhone, uaGooglebot}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		IsBot(uas[i%len(uas)])
		i++
	}
}
