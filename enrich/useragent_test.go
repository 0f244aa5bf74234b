package enrich

import (
	"strings"
	"testing"
)

// Real user agents, shared by the user-agent and bot tests.
const (
	uaChromeWindows     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaFirefoxWindows    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
	uaEdgeWindows       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
	uaOperaWindows      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0"
	uaYandexWindows     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 YaBrowser/24.1.0.0 Safari/537.36"
	uaVivaldiWindows    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5.3206.53"
	uaChromeWindows7    = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36"
	uaIE11Windows7      = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko"
	uaIE10Windows8      = "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)"
	uaSafariMac         = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"
	uaChromeMac         = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaFirefoxMac        = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0"
	uaChromeLinux       = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaFirefoxUbuntu     = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
	uaFirefoxFreeBSD    = "Mozilla/5.0 (X11; FreeBSD amd64; rv:121.0) Gecko/20100101 Firefox/121.0"
	uaChromeOS          = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaSafariIPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
	uaChromeIPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1"
	uaFirefoxIPhone     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15"
	uaSafariIPad        = "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
	uaChromeAndroid     = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
	uaChromeAndroidTab  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaChromeGalaxyTab   = "Mozilla/5.0 (Linux; Android 12; SM-T870) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaEdgeAndroid       = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115"
	uaFirefoxAndroid    = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0"
	uaFirefoxAndroidTab = "Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0"
	uaSamsungPhone      = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"
	uaSamsungTablet     = "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36"
	uaSilkKindle        = "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36"
	uaOperaMini         = "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54"
	uaInstagramIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 311.0.2.20.111 (iPhone14,2; iOS 17_1_2; en_US; en; scale=3.00; 1170x2532; 546148318)"
	uaInstagramIPad     = "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 308.0.2.18.106 (iPad13,4; iPadOS 17_1; en_US; en; scale=2.00; 1668x2388; 537288532)"
	uaInstagramAndroid  = "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 Instagram 309.0.0.40.113 Android (33/13; 420dpi; 1080x2400; Google/google; Pixel 7; panther; panther; en_US; 541635863)"
	uaFacebookIPhone    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.40.111;FBBV/540058093;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/541553470]"
	uaFacebookAndroid   = "Mozilla/5.0 (Linux; Android 14; SM-S911B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/444.0.0.31.110;]"
	uaTwitterIPhone     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.21"
	uaTwitterAndroid    = "Mozilla/5.0 (Linux; Android 13; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 TwitterAndroid"
	uaLinkedInIPhone    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 LinkedInApp/9.29.6965"
	uaTikTokAndroid     = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.231105.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.43 Mobile Safari/537.36 musical_ly_2023203030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.3.3 ByteLocale/en ByteFullLocale/en Region/US AppId/1233 Spark/1.4.6.3-bugfix AppVersion/32.3.3 BytedanceWebview/d8a21c6"

	uaGooglebot           = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaGooglebotSmartphone = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.129 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaBingbot             = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaCurl                = "curl/8.4.0"
	uaPythonRequests      = "python-requests/2.31.0"
	uaHeadlessChrome      = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36"
	uaLighthouse          = "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
)

func TestParseUserAgent(t *testing.T) {
	tests := []struct {
		name string
		ua   string
		want UserAgent
	}{
		// Desktop.
		{"ChromeWindows", uaChromeWindows, UserAgent{"Chrome", "120", "Windows", "10", "desktop"}},
		{"FirefoxWindows", uaFirefoxWindows, UserAgent{"Firefox", "121", "Windows", "10", "desktop"}},
		{"EdgeWindows", uaEdgeWindows, UserAgent{"Edge", "120", "Windows", "10", "desktop"}},
		{"OperaWindows", uaOperaWindows, UserAgent{"Opera", "106", "Windows", "10", "desktop"}},
		{"YandexWindows", uaYandexWindows, UserAgent{"Yandex", "24", "Windows", "10", "desktop"}},
		{"VivaldiWindows", uaVivaldiWindows, UserAgent{"Vivaldi", "6", "Windows", "10", "desktop"}},
		{"ChromeWindows7", uaChromeWindows7, UserAgent{"Chrome", "109", "Windows", "7", "desktop"}},
		{"IE11Windows7", uaIE11Windows7, UserAgent{"IE", "11", "Windows", "7", "desktop"}},
		{"IE10Windows8", uaIE10Windows8, UserAgent{"IE", "10", "Windows", "8", "desktop"}},
		{"SafariMac", uaSafariMac, UserAgent{"Safari", "17", "Mac OS", "10.15.7", "desktop"}},
		{"ChromeMac", uaChromeMac, UserAgent{"Chrome", "120", "Mac OS", "10.15.7", "desktop"}},
		{"FirefoxMac", uaFirefoxMac, UserAgent{"Firefox", "121", "Mac OS", "10.15", "desktop"}},
		{"ChromeLinux", uaChromeLinux, UserAgent{"Chrome", "120", "Linux", "", "desktop"}},
		{"FirefoxUbuntu", uaFirefoxUbuntu, UserAgent{"Firefox", "121", "Linux", "", "desktop"}},
		{"FirefoxFreeBSD", uaFirefoxFreeBSD, UserAgent{"Firefox", "121", "FreeBSD", "", "desktop"}},
		{"ChromeOS", uaChromeOS, UserAgent{"Chrome", "120", "Chrome OS", "14541.0.0", "desktop"}},

		// Apple mobile.
		{"SafariIPhone", uaSafariIPhone, UserAgent{"Safari", "17", "iOS", "17.2", "mobile"}},
		{"ChromeIPhone", uaChromeIPhone, UserAgent{"Chrome", "120", "iOS", "17.2", "mobile"}},
		{"FirefoxIPhone", uaFirefoxIPhone, UserAgent{"Firefox", "121", "iOS", "17.2", "mobile"}},
		{"SafariIPad", uaSafariIPad, UserAgent{"Safari", "17", "iOS", "17.2", "tablet"}},

		// Android.
		{"ChromeAndroidPhone", uaChromeAndroid, UserAgent{"Chrome", "120", "Android", "10", "mobile"}},
		{"ChromeAndroidTablet", uaChromeAndroidTab, UserAgent{"Chrome", "120", "Android", "10", "tablet"}},
		{"ChromeGalaxyTab", uaChromeGalaxyTab, UserAgent{"Chrome", "120", "Android", "12", "tablet"}},
		{"EdgeAndroid", uaEdgeAndroid, UserAgent{"Edge", "120", "Android", "10", "mobile"}},
		{"FirefoxAndroidPhone", uaFirefoxAndroid, UserAgent{"Firefox", "121", "Android", "14", "mobile"}},
		{"FirefoxAndroidTablet", uaFirefoxAndroidTab, UserAgent{"Firefox", "121", "Android", "14", "tablet"}},
		{"SamsungInternetPhone", uaSamsungPhone, UserAgent{"Samsung Internet", "23", "Android", "14", "mobile"}},
		{"SamsungInternetTablet", uaSamsungTablet, UserAgent{"Samsung Internet", "23", "Android", "13", "tablet"}},
		{"SilkKindle", uaSilkKindle, UserAgent{"Silk", "120", "Android", "9", "tablet"}},
		{"OperaMini", uaOperaMini, UserAgent{"Opera Mini", "9", "", "", "mobile"}},

		// In-app browsers report the app, not the engine.
		{"InstagramIPhone", uaInstagramIPhone, UserAgent{"Instagram", "311", "iOS", "17.1.2", "mobile"}},
		{"InstagramIPad", uaInstagramIPad, UserAgent{"Instagram", "308", "iOS", "17.1", "tablet"}},
		{"InstagramAndroid", uaInstagramAndroid, UserAgent{"Instagram", "309", "Android", "13", "mobile"}},
		{"FacebookIPhone", uaFacebookIPhone, UserAgent{"Facebook", "442", "iOS", "17.1.2", "mobile"}},
		{"FacebookAndroid", uaFacebookAndroid, UserAgent{"Facebook", "444", "Android", "14", "mobile"}},
		{"TwitterIPhone", uaTwitterIPhone, UserAgent{"Twitter", "10", "iOS", "17.2", "mobile"}},
		{"TwitterAndroid", uaTwitterAndroid, UserAgent{"Twitter", "", "Android", "13", "mobile"}},
		{"LinkedInIPhone", uaLinkedInIPhone, UserAgent{"LinkedIn", "9", "iOS", "17.2", "mobile"}},
		{"TikTokAndroid", uaTikTokAndroid, UserAgent{"TikTok", "32", "Android", "14", "mobile"}},

		// Bots still parse; IsBot is what filters them.
		{"Googlebot", uaGooglebot, UserAgent{"", "", "", "", "desktop"}},
		{"GooglebotSmartphone", uaGooglebotSmartphone, UserAgent{"Chrome", "120", "Android", "6.0.1", "mobile"}},
		{"Bingbot", uaBingbot, UserAgent{"", "", "", "", "desktop"}},
		{"Curl", uaCurl, UserAgent{"", "", "", "", "desktop"}},
		{"PythonRequests", uaPythonRequests, UserAgent{"", "", "", "", "desktop"}},
		{"HeadlessChrome", uaHeadlessChrome, UserAgent{"Chrome", "120", "Linux", "", "desktop"}},
		{"Lighthouse", uaLighthouse, UserAgent{"Chrome", "119", "Android", "11", "mobile"}},

		// Nothing to go on.
		{"Empty", "", UserAgent{"", "", "", "", "desktop"}},
		{"MozillaOnly", "Mozilla/5.0", UserAgent{"", "", "", "", "desktop"}},
		{"Garbage", "\xff\xfe(;;)//", UserAgent{"", "", "", "", "desktop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseUserAgent(tt.ua); got != tt.want {
				t.Errorf("ParseUserAgent(%q)\n got %+v\nwant %+v", tt.ua, got, tt.want)
			}
		})
	}
}

func TestParseUserAgent_Long(t *testing.T) {
	// Only the first maxUserAgentLen bytes count; what follows is ignored.
	ua := uaSafariIPhone + strings.Repeat(" x", maxUserAgentLen) + " Instagram 300.0"
	want := UserAgent{"Safari", "17", "iOS", "17.2", "mobile"}
	if got := ParseUserAgent(ua); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestVersionAfter(t *testing.T) {
	tests := []struct {
		s, key, want string
	}{
		{"CPU iPhone OS 17_1_2 like", "iPhone OS ", "17.1.2"},
		{"Mac OS X 10.15; rv", "Mac OS X ", "10.15"},
		{"Android 14; Mobile", "Android ", "14"},
		{"Android 4.4.; x", "Android ", "4.4"},
		{"Android ; x", "Android ", ""},
		{"Android _1", "Android ", ""},
		{"no key", "Android ", ""},
		{"Android " + strings.Repeat("1", 40), "Android ", strings.Repeat("1", 32)},
	}
	for _, tt := range tests {
		if got := versionAfter(tt.s, tt.key); got != tt.want {
			t.Errorf("versionAfter(%q, %q) = %q, want %q", tt.s, tt.key, got, tt.want)
		}
	}
}

func FuzzParseUserAgent(f *testing.F) {
	for _, ua := range []string{
		"", uaChromeWindows, uaSafariIPad, uaChromeAndroidTab, uaInstagramIPhone, uaFacebookAndroid,
		uaTwitterIPhone, uaChromeOS, uaIE11Windows7, uaGooglebot, "Mozilla/5.0 (Linux; Android", "CrOS ",
		"Instagram ", "FBAV/", "rv:", "\xff\xfe\x00", "iPhone OS _._",
	} {
		f.Add(ua)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		c := ParseUserAgent(ua)
		switch c.Device {
		case "desktop", "mobile", "tablet":
		default:
			t.Fatalf("ParseUserAgent(%q).Device = %q", ua, c.Device)
		}
		if c.Browser == "" && c.BrowserVersion != "" {
			t.Fatalf("ParseUserAgent(%q) has a version %q but no browser", ua, c.BrowserVersion)
		}
		IsBot(ua)
	})
}

func BenchmarkParseUserAgent(b *testing.B) {
	uas := []string{uaChromeWindows, uaSafariIPhone, uaChromeAndroid, uaInstagramIPhone, uaFirefoxMac}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ParseUserAgent(uas[i%len(uas)])
		i++
	}
}
