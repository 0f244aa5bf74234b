package enrich

import (
	_ "embed"
	"strings"
	"sync"
)

// spammersTxt is Matomo's referrer spam list (public domain), one domain a
// line. referrerspam/SOURCE says which version, referrerspam/update.sh
// replaces it.
//
//go:embed referrerspam/spammers.txt
var spammersTxt string

// spamDomains is the embedded list as a set, built on first use.
var spamDomains = sync.OnceValue(func() map[string]struct{} { return parseDomainList(spammersTxt) })

// parseDomainList reads a list of domains, one a line: blank lines and lines
// starting with "#" are skipped, and each domain is trimmed, lower-cased and
// stripped of a trailing dot and leading "www." labels, as Referrer returns
// hostnames. Lines that are not hostnames are skipped.
func parseDomainList(s string) map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(s, "\n")+1)
	for line := range strings.Lines(s) {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(line)), ".")
		if d == "" || d[0] == '#' || len(d) > maxHostnameLength || !validHost(d) || strings.IndexByte(d, ':') >= 0 {
			continue
		}
		set[stripWWW(d)] = struct{}{}
	}
	return set
}

// IsReferrerSpam reports whether a referrer hostname, as Referrer returns it
// (lower case, without "www."), or one of its parent domains is on Matomo's
// referrer spam list: "spam.com" lists "spam.com", "a.spam.com" and
// "b.a.spam.com", but not "notspam.com". It costs one map lookup per label.
func IsReferrerSpam(host string) bool {
	return inDomainSet(spamDomains(), host)
}

// inDomainSet reports whether host or one of its parent domains is in set.
func inDomainSet(set map[string]struct{}, host string) bool {
	if host == "" || len(set) == 0 {
		return false
	}
	for h := host; ; {
		if _, ok := set[h]; ok {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return false
		}
		h = h[i+1:]
	}
}
