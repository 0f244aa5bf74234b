package enrich

import (
	"strings"
	"sync"

	useragent "github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"
)

// maxUserAgentLen bounds the work done on one user agent: only its first bytes are
// examined. Real browsers send a few hundred bytes; in-app browsers up to about 500.
const maxUserAgentLen = 1024

// Device types as DataFast reports them (spec §5.7).
const (
	deviceDesktop = "desktop"
	deviceMobile  = "mobile"
	deviceTablet  = "tablet"
)

// UserAgent is what a user agent says about the visitor's software and device.
type UserAgent struct {
	// Browser is a DataFast-style display name: "Chrome", "Safari", "Firefox",
	// "Edge", "Opera", "Samsung Internet", "Instagram", "Facebook", "Twitter"...;
	// "" when unknown.
	Browser string
	// BrowserVersion is the major version, e.g. "120"; "" when unknown.
	BrowserVersion string
	// OS is "Mac OS", "iOS", "Windows", "Android", "Linux", "Chrome OS"...;
	// "" when unknown.
	OS string
	// OSVersion is the dotted version the user agent claims, e.g. "17.2" for iOS,
	// "10.15.7" for Mac OS, "10" for Windows NT 10.0; "" when unknown.
	OSVersion string
	// Device is "desktop", "mobile" or "tablet", never empty.
	Device string
}

// uaParser is built on first use: filling its trie takes tens of milliseconds.
// After that it is only read, which is safe from many goroutines.
var uaParser = sync.OnceValue(useragent.NewParser)

// browserNames maps the parser's browser names to the names DataFast shows.
// Names not listed are kept as the parser returns them.
var browserNames = map[agents.Browser]string{
	agents.BrowserSamsung: "Samsung Internet",
	agents.BrowserYandex:  "Yandex",
	agents.BrowserSilk:    "Silk",
}

// osNames maps the parser's OS names to the names DataFast shows.
// Names not listed are kept as the parser returns them.
var osNames = map[agents.OS]string{
	agents.OSMacOS:    "Mac OS",
	agents.OSChromeOS: "Chrome OS",
}

// inAppBrowser is a browser embedded in an app. The parser sees only the engine
// (Safari or Chrome), while DataFast reports the app.
type inAppBrowser struct {
	token       string   // present in the user agent
	name        string   // what to report
	versionKeys []string // the major version follows the first key found
}

// inAppBrowsers is checked in order; the first token found wins.
var inAppBrowsers = []inAppBrowser{
	{token: "Instagram", name: "Instagram", versionKeys: []string{"Instagram "}},
	{token: "FBAN/", name: "Facebook", versionKeys: []string{"FBAV/"}},
	{token: "FBAV/", name: "Facebook", versionKeys: []string{"FBAV/"}},
	{token: "FB_IAB/", name: "Facebook", versionKeys: []string{"FBAV/"}},
	{token: "Twitter for iP", name: "Twitter", versionKeys: []string{"Twitter for iPhone/", "Twitter for iPad/"}},
	{token: "TwitterAndroid", name: "Twitter"},
	{token: "LinkedInApp", name: "LinkedIn", versionKeys: []string{"LinkedInApp/"}},
	{token: "Snapchat", name: "Snapchat", versionKeys: []string{"Snapchat/"}},
	{token: "musical_ly", name: "TikTok", versionKeys: []string{"app_version/", "musical_ly_"}},
	{token: "MicroMessenger/", name: "WeChat", versionKeys: []string{"MicroMessenger/"}},
}

// windowsVersions maps Windows NT kernel versions to marketing versions.
// Windows 11 still sends "Windows NT 10.0", so it reads as "10".
var windowsVersions = map[string]string{
	"10.0": "10",
	"6.3":  "8.1",
	"6.2":  "8",
	"6.1":  "7",
	"6.0":  "Vista",
	"5.2":  "XP",
	"5.1":  "XP",
}

// ParseUserAgent reads the browser, operating system and device type from a
// User-Agent header. Unknown parts are empty, except Device, which defaults to
// "desktop". It does not decide whether the agent is a bot; see IsBot.
func ParseUserAgent(ua string) UserAgent {
	if len(ua) > maxUserAgentLen {
		ua = ua[:maxUserAgentLen]
	}
	parsed := uaParser().Parse(ua)

	c := UserAgent{
		Browser:        displayName(browserNames, parsed.Browser()),
		BrowserVersion: majorVersion(parsed.BrowserVersion()),
		OS:             displayName(osNames, parsed.OS()),
	}

	// Internet Explorer 11 sends "Trident/7.0; rv:11.0", and the parser reads
	// the Trident version.
	if parsed.IsIE() {
		if v := majorAfter(ua, "rv:"); v != "" {
			c.BrowserVersion = v
		}
	}
	for _, app := range inAppBrowsers {
		if !strings.Contains(ua, app.token) {
			continue
		}
		c.Browser, c.BrowserVersion = app.name, ""
		for _, key := range app.versionKeys {
			if v := majorAfter(ua, key); v != "" {
				c.BrowserVersion = v
				break
			}
		}
		break
	}
	if c.Browser == "" {
		c.BrowserVersion = ""
	}

	// The parser knows the FreeBSD token but returns no name for it.
	if c.OS == "" && strings.Contains(ua, "FreeBSD") {
		c.OS = "FreeBSD"
	}
	c.OSVersion = osVersion(c.OS, ua)
	c.Device = deviceType(parsed, c.OS, ua)
	return c
}

// displayName returns the table's name for a parser name, or the name itself.
func displayName[K ~string](table map[K]string, name K) string {
	if n, ok := table[name]; ok {
		return n
	}
	return string(name)
}

// deviceType decides between desktop, mobile and tablet.
func deviceType(parsed useragent.UserAgent, os, ua string) string {
	switch {
	case strings.Contains(ua, "iPad") || parsed.IsTablet():
		return deviceTablet
	case os == "Android":
		// Android phones say "Mobile" ("Mobile Safari", "; Mobile;"), Android
		// tablets do not; the parser calls every Android device mobile.
		if strings.Contains(ua, "Mobile") {
			return deviceMobile
		}
		return deviceTablet
	case parsed.IsMobile() || os == "iOS":
		return deviceMobile
	default:
		return deviceDesktop
	}
}

// osVersion reads the version of the named OS from the user agent.
func osVersion(os, ua string) string {
	switch os {
	case "iOS":
		for _, key := range []string{"iPhone OS ", "CPU OS ", "iOS ", "iPadOS "} {
			if v := versionAfter(ua, key); v != "" {
				return v
			}
		}
	case "Mac OS":
		return versionAfter(ua, "Mac OS X ")
	case "Android":
		return versionAfter(ua, "Android ")
	case "Windows":
		v := versionAfter(ua, "Windows NT ")
		if name, ok := windowsVersions[v]; ok {
			return name
		}
		return v
	case "Chrome OS":
		// "CrOS x86_64 14541.0.0": the version follows the architecture.
		_, rest, ok := strings.Cut(ua, "CrOS ")
		if !ok {
			return ""
		}
		_, rest, ok = strings.Cut(rest, " ")
		if !ok {
			return ""
		}
		return versionAfter(rest, "")
	}
	return ""
}

// versionAfter returns the dotted version that starts right after the first
// key in s ("17_2" becomes "17.2"), or "" when no digit follows the key.
func versionAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	s = s[i+len(key):]
	n := 0
	for n < len(s) && n < 32 && (isDecimalDigit(s[n]) || s[n] == '.' || s[n] == '_') {
		n++
	}
	v := strings.TrimRight(s[:n], "._")
	if v == "" || !isDecimalDigit(v[0]) {
		return ""
	}
	if strings.IndexByte(v, '_') >= 0 {
		v = strings.ReplaceAll(v, "_", ".")
	}
	return v
}

// majorAfter returns the digits that follow the first key in s.
func majorAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	return majorVersion(s[i+len(key):])
}

// majorVersion returns the leading digits of a version such as "120.0.1".
func majorVersion(v string) string {
	n := 0
	for n < len(v) && n < 16 && isDecimalDigit(v[n]) {
		n++
	}
	return v[:n]
}

func isDecimalDigit(b byte) bool { return '0' <= b && b <= '9' }
