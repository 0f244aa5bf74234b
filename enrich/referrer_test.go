package enrich

import (
	"testing"
	"unicode/utf8"
)

func TestReferrer(t *testing.T) {
	const page, domain = "www.example.com", "example.com"
	tests := []struct {
		referrer string
		name     string
		hostname string
	}{
		// Direct/None: nothing, unreadable, not the web, or the website itself.
		{"", directNone, ""},
		{"   ", directNone, ""},
		{"not a url", directNone, ""},
		{"/relative/path", directNone, ""},
		{"//google.com/", directNone, ""},
		{"about:blank", directNone, ""},
		{"file:///C:/page.html", directNone, ""},
		{"chrome-extension://abcdef/popup.html", directNone, ""},
		{"https://", directNone, ""},
		{"https://exa mple.com/", directNone, ""},
		{"https://example.com:http/", directNone, ""},
		{"https://[::1/", directNone, ""},
		{"https://[not:an:ip]/", directNone, ""},
		{"https://[fe80::1%25eth0]/", directNone, ""},
		{"https://www.example.com/pricing", directNone, ""},
		{"https://example.com/", directNone, ""},
		{"HTTPS://WWW.EXAMPLE.COM./", directNone, ""},
		{"https://app.example.com/dashboard", directNone, ""},
		{"https://docs.eu.example.com:8443/a", directNone, ""},

		// Lookalikes of the website are other sites.
		{"https://notexample.com/", "notexample.com", "notexample.com"},
		{"https://example.com.evil.net/", "example.com.evil.net", "example.com.evil.net"},

		// Search engines.
		{"https://www.google.com/", "Google", "google.com"},
		{"https://www.google.co.uk/", "Google", "google.co.uk"},
		{"https://www.google.com.br/search?q=x", "Google", "google.com.br"},
		{"https://google.de", "Google", "google.de"},
		{"https://news.google.com/articles/1", "Google", "news.google.com"},
		{"https://GOOGLE.FR:443/", "Google", "google.fr"},
		{"https://www.bing.com/", "Bing", "bing.com"},
		{"https://cn.bing.com/search", "Bing", "cn.bing.com"},
		{"https://duckduckgo.com/", "DuckDuckGo", "duckduckgo.com"},
		{"https://search.yahoo.com/", "Yahoo", "search.yahoo.com"},
		{"https://search.yahoo.co.jp/", "Yahoo", "search.yahoo.co.jp"},
		{"https://yandex.ru/search", "Yandex", "yandex.ru"},
		{"https://yandex.com.tr/", "Yandex", "yandex.com.tr"},
		{"https://ya.ru/", "Yandex", "ya.ru"},
		{"https://www.baidu.com/link?url=1", "Baidu", "baidu.com"},
		{"https://www.ecosia.org/search", "Ecosia", "ecosia.org"},
		{"https://search.brave.com/search?q=x", "Brave Search", "search.brave.com"},

		// Social, community and chat.
		{"https://t.co/abc123", "X", "t.co"},
		{"https://twitter.com/someone", "X", "twitter.com"},
		{"https://mobile.twitter.com/", "X", "mobile.twitter.com"},
		{"https://x.com/someone/status/1", "X", "x.com"},
		{"https://www.facebook.com/", "Facebook", "facebook.com"},
		{"https://m.facebook.com/", "Facebook", "m.facebook.com"},
		{"https://l.facebook.com/l.php?u=x", "Facebook", "l.facebook.com"},
		{"https://fb.com/", "Facebook", "fb.com"},
		{"https://l.instagram.com/", "Instagram", "l.instagram.com"},
		{"https://www.linkedin.com/feed/", "LinkedIn", "linkedin.com"},
		{"https://lnkd.in/abc", "LinkedIn", "lnkd.in"},
		{"https://www.reddit.com/r/golang/", "Reddit", "reddit.com"},
		{"https://out.reddit.com/t3_x", "Reddit", "out.reddit.com"},
		{"https://www.youtube.com/watch?v=1", "YouTube", "youtube.com"},
		{"https://m.youtube.com/", "YouTube", "m.youtube.com"},
		{"https://youtu.be/xyz", "YouTube", "youtu.be"},
		{"https://www.pinterest.com/pin/1", "Pinterest", "pinterest.com"},
		{"https://www.pinterest.co.uk/", "Pinterest", "pinterest.co.uk"},
		{"https://www.tiktok.com/@someone", "TikTok", "tiktok.com"},
		{"https://news.ycombinator.com/item?id=1", "Hacker News", "news.ycombinator.com"},
		{"https://www.producthunt.com/posts/x", "Product Hunt", "producthunt.com"},
		{"https://github.com/openfast/openfast", "GitHub", "github.com"},
		{"https://www.threads.net/@someone", "Threads", "threads.net"},
		{"https://bsky.app/profile/someone", "Bluesky", "bsky.app"},
		{"https://t.me/channel", "Telegram", "t.me"},
		{"https://web.whatsapp.com/", "WhatsApp", "web.whatsapp.com"},
		{"https://app.slack.com/client/T1", "Slack", "app.slack.com"},
		{"https://discord.com/channels/1", "Discord", "discord.com"},

		// Assistants; Gemini wins over the rule for Google.
		{"https://chatgpt.com/", "ChatGPT", "chatgpt.com"},
		{"https://chat.openai.com/c/1", "ChatGPT", "chat.openai.com"},
		{"https://www.perplexity.ai/search/x", "Perplexity", "perplexity.ai"},
		{"https://claude.ai/chat/1", "Claude", "claude.ai"},
		{"https://gemini.google.com/app", "Gemini", "gemini.google.com"},

		// Android apps.
		{"android-app://com.google.android.googlequicksearchbox/", "Google", "com.google.android.googlequicksearchbox"},
		{"android-app://com.twitter.android", "X", "com.twitter.android"},
		{"android-app://com.example.reader/", "com.example.reader", "com.example.reader"},

		// Lookalikes that must not match a known source.
		{"https://notgoogle.com/", "notgoogle.com", "notgoogle.com"},
		{"https://google.evil.com/", "google.evil.com", "google.evil.com"},
		{"https://google.com.evil.com/", "google.com.evil.com", "google.com.evil.com"},
		{"https://www.google.co.evil/", "google.co.evil", "google.co.evil"},
		{"https://mygoogle.co.uk/", "mygoogle.co.uk", "mygoogle.co.uk"},
		{"https://notx.com/", "notx.com", "notx.com"},
		{"https://x.com.phish.io/", "x.com.phish.io", "x.com.phish.io"},
		{"https://facebook.com.evil.net/", "facebook.com.evil.net", "facebook.com.evil.net"},
		{"https://nott.co/", "nott.co", "nott.co"},
		{"https://ycombinator.com/", "ycombinator.com", "ycombinator.com"},
		{"https://brave.com/blog", "brave.com", "brave.com"},
		{"https://openai.com/blog", "openai.com", "openai.com"},
		{"https://username.github.io/", "username.github.io", "username.github.io"},

		// Everything else is its hostname without "www.".
		{"https://www.indiehackers.com/post/1", "indiehackers.com", "indiehackers.com"},
		{"http://blog.someone.dev:8080/post?x=1#y", "blog.someone.dev", "blog.someone.dev"},
		{"https://user:pw@Partner.IO/", "partner.io", "partner.io"},
		{"https://203.0.113.7/", "203.0.113.7", "203.0.113.7"},
		{"https://[2001:db8::1]:8443/", "2001:db8::1", "2001:db8::1"},
		{"https://xn--mnchen-3ya.de/", "xn--mnchen-3ya.de", "xn--mnchen-3ya.de"},
		{"https://www.com/", "www.com", "www.com"},
		{"https://www.www.acme.io/", "acme.io", "acme.io"},
		{"http://google/", "Google", "google"},
		{"http://intranet/", "intranet", "intranet"},
	}
	for _, tt := range tests {
		t.Run(tt.referrer, func(t *testing.T) {
			name, hostname := Referrer(tt.referrer, page, domain)
			if name != tt.name || hostname != tt.hostname {
				t.Errorf("Referrer(%q) = %q, %q; want %q, %q", tt.referrer, name, hostname, tt.name, tt.hostname)
			}
		})
	}
}

func TestReferrer_SameSite(t *testing.T) {
	tests := []struct {
		name                            string
		referrer, pageHostname, website string
		want                            string
	}{
		{"SamePageHostNoDomain", "https://blog.acme.io/a", "blog.acme.io", "", directNone},
		{"PageHostWithPortAndCase", "https://Shop.Acme.io/", "shop.acme.io:8080", "", directNone},
		{"OtherSubdomainNoDomain", "https://blog.acme.io/a", "shop.acme.io", "", "blog.acme.io"},
		{"OtherSubdomainOfDomain", "https://blog.acme.io/a", "shop.acme.io", "acme.io", directNone},
		{"DomainGivenWithWWW", "https://acme.io/", "app.acme.io", "www.acme.io", directNone},
		{"DomainGivenAsURL", "https://docs.acme.io/", "acme.io", "https://acme.io/", directNone},
		{"ParentOfDomainIsOutside", "https://acme.io/", "app.acme.io", "app.acme.io", "acme.io"},
		{"WebsiteOnGoogleSubdomain", "https://sites.google.com/x", "mysite.example", "sites.google.com", directNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := Referrer(tt.referrer, tt.pageHostname, tt.website); got != tt.want {
				t.Errorf("Referrer(%q, %q, %q) = %q, want %q", tt.referrer, tt.pageHostname, tt.website, got, tt.want)
			}
		})
	}
}

func TestReferrerName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"google.com", "Google"},
		{"www.google.co.uk", "Google"},
		{"GOOGLE.DE", "Google"},
		{"gemini.google.com", "Gemini"},
		{"t.co", "X"},
		{"twitter.com", "X"},
		{"l.facebook.com", "Facebook"},
		{"news.ycombinator.com", "Hacker News"},
		{"com.twitter.android", "X"},
		{"https://www.bing.com/search?q=x", "Bing"},
		{"www.Example.com", "example.com"},
		{"google.evil.com", "google.evil.com"},
		// Names map to themselves, so filters may give either.
		{"Google", "Google"},
		{"google", "Google"},
		{"x", "X"},
		{"hacker news", "Hacker News"},
		{"Direct/None", directNone},
		{"direct/none", directNone},
		{"", directNone},
		{"  ", directNone},
	}
	for _, tt := range tests {
		if got := ReferrerName(tt.in); got != tt.want {
			t.Errorf("ReferrerName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestReferrerName_Table checks that every listed hostname names the same way
// through Referrer and ReferrerName, and that every name is its own name.
func TestReferrerName_Table(t *testing.T) {
	for host, want := range referrerHosts {
		name, hostname := Referrer("https://"+host+"/", "example.com", "example.com")
		if name != want || hostname != host {
			t.Errorf("Referrer(https://%s/) = %q, %q; want %q, %q", host, name, hostname, want, host)
		}
		if got := ReferrerName(host); got != want {
			t.Errorf("ReferrerName(%q) = %q, want %q", host, got, want)
		}
		if got := ReferrerName(want); got != want {
			t.Errorf("ReferrerName(%q) = %q, want it unchanged", want, got)
		}
	}
	for pkg, want := range androidApps {
		if name, _ := Referrer("android-app://"+pkg+"/", "example.com", ""); name != want {
			t.Errorf("Referrer(android-app://%s/) = %q, want %q", pkg, name, want)
		}
	}
}

func FuzzReferrer(f *testing.F) {
	for _, s := range []string{
		"", "https://www.google.co.uk/search?q=x", "https://app.example.com/", "android-app://com.twitter.android/",
		"https://user@[::1]:80/", "http://a..b/", "https://google.com.evil.com", "HTTPS://WWW.", "https://x.com:/",
		"https://\xff.com/", "javascript:alert(1)",
	} {
		f.Add(s, "example.com", "example.com")
	}
	f.Fuzz(func(t *testing.T, referrer, pageHostname, websiteDomain string) {
		name, hostname := Referrer(referrer, pageHostname, websiteDomain)
		if name == "" || !utf8.ValidString(name) {
			t.Fatalf("Referrer(%q, %q, %q) name = %q", referrer, pageHostname, websiteDomain, name)
		}
		if (name == directNone) != (hostname == "") {
			t.Fatalf("Referrer(%q, %q, %q) = %q, %q", referrer, pageHostname, websiteDomain, name, hostname)
		}
		if hostname != "" {
			if bareHost(hostname) != hostname {
				t.Fatalf("Referrer(%q) hostname = %q, not in its bare form", referrer, hostname)
			}
			if got := ReferrerName(hostname); got != name {
				t.Fatalf("ReferrerName(%q) = %q, Referrer gave %q", hostname, got, name)
			}
		}
		if got := ReferrerName(name); got != name {
			t.Fatalf("ReferrerName(%q) = %q, want it unchanged", name, got)
		}
	})
}

func BenchmarkReferrer(b *testing.B) {
	refs := []string{
		"https://www.google.com/",
		"https://news.ycombinator.com/item?id=1",
		"https://app.example.com/dashboard",
		"https://blog.someone.dev/post/1",
		"",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if name, _ := Referrer(refs[i%len(refs)], "www.example.com", "example.com"); name == "" {
			b.Fatal("empty name")
		}
	}
}
