package enrich

import (
	"net/netip"
	"strings"
)

// directNone is the referrer name of visits without an outside referrer.
const directNone = "Direct/None"

// referrerHosts maps a hostname, and every subdomain of it, to a referrer name.
// The longest listed suffix of a hostname wins, so "gemini.google.com" beats
// the rule for Google. Google, Yahoo, Yandex and Pinterest run under many
// country domains and are matched by brandHosts instead.
var referrerHosts = map[string]string{
	"bing.com":             "Bing",
	"duckduckgo.com":       "DuckDuckGo",
	"ya.ru":                "Yandex",
	"baidu.com":            "Baidu",
	"ecosia.org":           "Ecosia",
	"search.brave.com":     "Brave Search",
	"twitter.com":          "X",
	"x.com":                "X",
	"t.co":                 "X",
	"facebook.com":         "Facebook",
	"fb.com":               "Facebook",
	"fb.me":                "Facebook",
	"instagram.com":        "Instagram",
	"linkedin.com":         "LinkedIn",
	"lnkd.in":              "LinkedIn",
	"reddit.com":           "Reddit",
	"redd.it":              "Reddit",
	"youtube.com":          "YouTube",
	"youtu.be":             "YouTube",
	"pin.it":               "Pinterest",
	"tiktok.com":           "TikTok",
	"news.ycombinator.com": "Hacker News",
	"producthunt.com":      "Product Hunt",
	"github.com":           "GitHub",
	"chatgpt.com":          "ChatGPT",
	"chat.openai.com":      "ChatGPT",
	"perplexity.ai":        "Perplexity",
	"claude.ai":            "Claude",
	"gemini.google.com":    "Gemini",
	"bard.google.com":      "Gemini",
	"threads.net":          "Threads",
	"threads.com":          "Threads",
	"bsky.app":             "Bluesky",
	"t.me":                 "Telegram",
	"telegram.org":         "Telegram",
	"telegram.me":          "Telegram",
	"whatsapp.com":         "WhatsApp",
	"wa.me":                "WhatsApp",
	"slack.com":            "Slack",
	"discord.com":          "Discord",
	"discordapp.com":       "Discord",
	"discord.gg":           "Discord",
}

// brandHosts names the brands whose hostname counts when its registrable part
// is <brand>.<tld>, <brand>.co.<cc> or <brand>.com.<cc> (google.de,
// www.google.co.uk, news.google.com, google.com.br). "notgoogle.com" and
// "google.evil.com" are not the brand.
var brandHosts = map[string]string{
	"google":    "Google",
	"yahoo":     "Yahoo",
	"yandex":    "Yandex",
	"pinterest": "Pinterest",
}

// androidApps maps the package names Android apps send as
// "android-app://<package>/" referrers to a referrer name.
var androidApps = map[string]string{
	"com.google.android.googlequicksearchbox": "Google",
	"com.google.android.gm":                   "Google",
	"com.twitter.android":                     "X",
	"com.facebook.katana":                     "Facebook",
	"com.facebook.orca":                       "Facebook",
	"com.instagram.android":                   "Instagram",
	"com.linkedin.android":                    "LinkedIn",
	"com.reddit.frontpage":                    "Reddit",
	"com.google.android.youtube":              "YouTube",
	"com.pinterest":                           "Pinterest",
	"com.zhiliaoapp.musically":                "TikTok",
	"org.telegram.messenger":                  "Telegram",
	"com.whatsapp":                            "WhatsApp",
	"com.slack":                               "Slack",
	"com.discord":                             "Discord",
	"com.openai.chatgpt":                      "ChatGPT",
	"com.instagram.barcelona":                 "Threads",
	"xyz.blueskyweb.app":                      "Bluesky",
}

// referrerNames holds every name the tables give, keyed by its lower-case
// form, so that ReferrerName maps a name to itself.
var referrerNames = func() map[string]string {
	m := map[string]string{strings.ToLower(directNone): directNone}
	for _, table := range []map[string]string{referrerHosts, brandHosts, androidApps} {
		for _, name := range table {
			m[strings.ToLower(name)] = name
		}
	}
	return m
}()

// Referrer normalizes document.referrer into DataFast's referrer name and also
// returns the referrer's hostname without "www." (for filters by domain).
//
// Empty, unparsable, non-web, or same-site referrers (the page's own hostname,
// or the website domain or one of its subdomains) give "Direct/None" and an
// empty hostname. Known sources give their name (Google, X, Facebook, ...);
// any other referrer is named by its hostname. Android app referrers
// ("android-app://com.twitter.android/") are named by the app when it is a
// known source, else by the package name, which is also the hostname returned.
func Referrer(referrer, pageHostname, websiteDomain string) (name, hostname string) {
	scheme, host, ok := splitReferrer(strings.TrimSpace(referrer))
	if !ok {
		return directNone, ""
	}
	if scheme == "android-app" {
		if name, ok := androidApps[host]; ok {
			return name, host
		}
		return hostName(host), host
	}
	if host == bareHost(pageHostname) || inDomain(host, bareHost(websiteDomain)) {
		return directNone, ""
	}
	return hostName(host), host
}

// ReferrerName returns the name for a hostname (the same table as Referrer), or
// the hostname itself, lower-cased and without "www.". A referrer name is
// returned as that name in its canonical spelling ("google" -> "Google",
// "direct/none" -> "Direct/None"), and "" as "Direct/None", so the result of
// ReferrerName can be fed to it again. A full URL is read for its hostname.
func ReferrerName(hostname string) string {
	hostname = strings.TrimSpace(hostname)
	if hostname == "" {
		return directNone
	}
	if name, ok := referrerNames[strings.ToLower(hostname)]; ok {
		return name
	}
	host := bareHost(hostname)
	if host == "" {
		return strings.ToLower(hostname)
	}
	if name, ok := androidApps[host]; ok {
		return name
	}
	return hostName(host)
}

// hostName names a lower-case hostname without "www.". A one-label host that
// spells a name ("http://x/") takes that name, so that names and hostnames
// never collide.
func hostName(host string) string {
	if strings.IndexByte(host, '.') < 0 {
		if name, ok := referrerNames[host]; ok {
			return name
		}
	}
	for h := host; h != ""; {
		if name, ok := referrerHosts[h]; ok {
			return name
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	if name := brandName(host); name != "" {
		return name
	}
	return host
}

// brandName returns the brand of host when its registrable part is
// <brand>.<tld>, <brand>.co.<cc> or <brand>.com.<cc>, else "".
func brandName(host string) string {
	rest, tld := cutLastLabel(host)
	if !isLetters(tld) || len(tld) < 2 {
		return ""
	}
	rest, second := cutLastLabel(rest)
	if name, ok := brandHosts[second]; ok {
		return name
	}
	if (second != "co" && second != "com") || len(tld) != 2 {
		return ""
	}
	_, third := cutLastLabel(rest)
	return brandHosts[third]
}

// cutLastLabel splits "a.b.c" into "a.b" and "c".
func cutLastLabel(h string) (rest, label string) {
	i := strings.LastIndexByte(h, '.')
	if i < 0 {
		return "", h
	}
	return h[:i], h[i+1:]
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// inDomain reports whether host is domain or one of its subdomains.
func inDomain(host, domain string) bool {
	return domain != "" && (host == domain ||
		len(host) > len(domain) && strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.')
}

// bareHost lower-cases a hostname and removes a port, a trailing dot and
// leading "www." labels.
// A value given as a URL ("https://example.com/") is read for its hostname.
func bareHost(h string) string {
	if strings.Contains(h, "://") {
		if _, host, ok := splitReferrer(h); ok {
			return host
		}
		return ""
	}
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	if host, _, ok := cutPort(h); ok {
		h = host
	}
	return stripWWW(h)
}

// stripWWW removes leading "www." labels, but keeps a name such as "www.com"
// whole.
func stripWWW(h string) string {
	for strings.HasPrefix(h, "www.") && strings.IndexByte(h[len("www."):], '.') >= 0 {
		h = h[len("www."):]
	}
	return h
}

// splitReferrer extracts the lower-case scheme and the lower-case hostname
// (no userinfo, port, trailing dot or leading "www.") of an http, https or
// android-app URL. ok is false for anything else or a malformed host.
func splitReferrer(s string) (scheme, host string, ok bool) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", "", false
	}
	scheme = s[:i]
	switch {
	case strings.EqualFold(scheme, "https"):
		scheme = "https"
	case strings.EqualFold(scheme, "http"):
		scheme = "http"
	case strings.EqualFold(scheme, "android-app"):
		scheme = "android-app"
	default:
		return "", "", false
	}
	authority := s[i+3:]
	if j := strings.IndexAny(authority, "/?#\\"); j >= 0 {
		authority = authority[:j]
	}
	if j := strings.LastIndexByte(authority, '@'); j >= 0 {
		authority = authority[j+1:]
	}
	host, _, ok = cutPort(authority)
	if !ok {
		return "", "", false
	}
	host = stripWWW(strings.TrimSuffix(strings.ToLower(host), "."))
	if host == "" || len(host) > maxHostnameLength || !validHost(host) {
		return "", "", false
	}
	if strings.IndexByte(host, ':') >= 0 {
		if ip, err := netip.ParseAddr(host); err != nil || ip.Zone() != "" {
			return "", "", false
		}
	}
	return scheme, host, true
}

// cutPort splits "host:port" and "[v6]:port" into host and port. ok is false
// when the port is not numeric or the brackets are unbalanced.
func cutPort(authority string) (host, port string, ok bool) {
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := authority[1:end], authority[end+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' || !isDigits(rest[1:]) {
			return "", "", false
		}
		return host, rest[1:], true
	}
	i := strings.LastIndexByte(authority, ':')
	if i < 0 {
		return authority, "", true
	}
	if strings.IndexByte(authority[:i], ':') >= 0 || !isDigits(authority[i+1:]) {
		return "", "", false // an unbracketed IPv6 address or a bad port
	}
	return authority[:i], authority[i+1:], true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
