package enrich

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a page URL may contribute.
const (
	maxPathLength       = 2048 // bytes of Page.Path
	maxQueryValueLength = 255  // bytes of each campaign parameter and ad click id
	maxHostnameLength   = 253  // bytes of Page.Hostname, as in DNS
)

// Page is what the page URL tells.
type Page struct {
	Hostname string // lower-case, no port, no "www." stripping
	Path     string // URL path, "/" when empty; no query or fragment; percent-decoding as url.URL.Path gives; at most 2048 bytes

	UTMSource, UTMMedium, UTMCampaign, UTMTerm, UTMContent string

	Ref, Source, Via string // ?ref=, ?source=, ?via= (DataFast's own campaign params)

	AdClickIDs map[string]string // gclid, gclsrc, wbraid, gbraid, li_fat_id, fbclid, msclkid, ttclid, twclid found in the query; nil when none
}

// errInvalidPageURL is wrapped by every error ParsePage returns.
var errInvalidPageURL = errors.New("invalid page URL")

// adClickIDKeys are the query parameters the tracker reports as adClickIds.
var adClickIDKeys = map[string]bool{
	"gclid": true, "gclsrc": true, "wbraid": true, "gbraid": true, "li_fat_id": true,
	"fbclid": true, "msclkid": true, "ttclid": true, "twclid": true,
}

// ParsePage parses the tracker's href. Only http and https URLs with a host are
// accepted (error otherwise). Query values are trimmed and cut to 255 bytes on a
// UTF-8 boundary.
//
// Parameter names match case-insensitively and the first non-empty value of a
// repeated parameter wins. A stray "%" that does not start an escape (as in
// "/100%") is taken literally rather than failing the whole URL, as browsers do.
func ParsePage(href string) (Page, error) {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil && strings.IndexByte(href, '%') >= 0 {
		u, err = url.Parse(escapeStrayPercents(href))
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may be long
		}
		return Page{}, fmt.Errorf("parse page URL: %w: %w", errInvalidPageURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Page{}, fmt.Errorf("parse page URL: %w: scheme %q is not http or https", errInvalidPageURL, u.Scheme)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return Page{}, fmt.Errorf("parse page URL: %w: no host", errInvalidPageURL)
	}
	if len(host) > maxHostnameLength || !validHost(host) {
		return Page{}, fmt.Errorf("parse page URL: %w: bad host %.64q", errInvalidPageURL, host)
	}
	if strings.IndexByte(host, ':') >= 0 {
		if ip, err := netip.ParseAddr(host); err != nil || ip.Zone() != "" {
			return Page{}, fmt.Errorf("parse page URL: %w: bad IPv6 address %.64q", errInvalidPageURL, host)
		}
	}

	p := Page{Hostname: host, Path: u.Path}
	if !utf8.ValidString(p.Path) {
		p.Path = strings.ToValidUTF8(p.Path, "\uFFFD")
	}
	if !strings.HasPrefix(p.Path, "/") {
		p.Path = "/" + p.Path
	}
	p.Path = truncateUTF8(p.Path, maxPathLength)
	p.readQuery(u.RawQuery)
	return p, nil
}

// readQuery fills the campaign parameters and ad click ids from a raw query.
// Only the values of the parameters it keeps are unescaped.
func (p *Page) readQuery(q string) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, ok := queryKey(rawKey)
		if !ok {
			continue
		}
		var field *string
		switch key {
		case "utm_source":
			field = &p.UTMSource
		case "utm_medium":
			field = &p.UTMMedium
		case "utm_campaign":
			field = &p.UTMCampaign
		case "utm_term":
			field = &p.UTMTerm
		case "utm_content":
			field = &p.UTMContent
		case "ref":
			field = &p.Ref
		case "source":
			field = &p.Source
		case "via":
			field = &p.Via
		default:
			if !adClickIDKeys[key] || p.AdClickIDs[key] != "" {
				continue
			}
			if v := queryValue(rawValue); v != "" {
				if p.AdClickIDs == nil {
					p.AdClickIDs = make(map[string]string, 1)
				}
				p.AdClickIDs[key] = v
			}
			continue
		}
		if *field == "" {
			*field = queryValue(rawValue)
		}
	}
}

// queryKey returns the lower-cased, unescaped parameter name, and false when it
// cannot be one of the parameters ParsePage keeps.
func queryKey(raw string) (string, bool) {
	if raw == "" || len(raw) > 3*len("li_fat_id") {
		return "", false
	}
	if strings.ContainsAny(raw, "%+") {
		k, err := url.QueryUnescape(raw)
		if err != nil {
			return "", false
		}
		raw = k
	}
	return strings.ToLower(raw), true
}

// queryValue unescapes, trims and bounds one parameter value.
func queryValue(raw string) string {
	v := raw
	if strings.ContainsAny(raw, "%+") {
		var err error
		if v, err = url.QueryUnescape(raw); err != nil {
			if v, err = url.QueryUnescape(escapeStrayPercents(raw)); err != nil {
				return ""
			}
		}
	}
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return strings.TrimRightFunc(truncateUTF8(strings.TrimSpace(v), maxQueryValueLength), unicode.IsSpace)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// escapeStrayPercents replaces every "%" that does not start a %XX escape with "%25".
func escapeStrayPercents(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// validHost reports whether a lower-cased hostname holds only what a DNS name,
// an IDN in Unicode form (letters, marks and digits), or an IP literal (brackets
// removed) can hold.
func validHost(h string) bool {
	if h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return false
	}
	for _, r := range h {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-', r == '.', r == '_', r == ':':
		case r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}
