// Package traffic is the vocabulary the load and data generators of
// bench/ share: the paths of a product website.
package traffic

import (
	"math/rand/v2"
	"strconv"
)

// SitePaths returns n distinct paths of a product website, the most
// visited first (the zipf ranks): the main pages, then docs, blog posts,
// integrations and the like in a site-specific order.
func SitePaths(r *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	add := func(p string) {
		if !seen[p] && len(out) < n {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range topPaths {
		add(p)
	}
	var tail []string
	for _, s := range integrations {
		tail = append(tail, "/integrations/"+s)
	}
	for i := range 900 {
		tail = append(tail, "/blog/post-"+strconv.Itoa(i+1))
	}
	for _, sec := range docSections {
		for _, w := range Words {
			tail = append(tail, "/docs/"+sec+"/"+w)
		}
	}
	for i := range 400 {
		tail = append(tail, "/templates/"+Words[i%len(Words)]+"-"+strconv.Itoa(i/len(Words)+1))
	}
	for _, w := range Words {
		tail = append(tail, "/compare/"+w, "/use-cases/"+w, "/glossary/"+w)
	}
	r.Shuffle(len(tail), func(i, j int) { tail[i], tail[j] = tail[j], tail[i] })
	for _, p := range tail {
		add(p)
	}
	for i := 0; len(out) < n; i++ {
		add("/changelog/" + strconv.Itoa(i+1))
	}
	return out
}

var (
	topPaths = []string{"/", "/pricing", "/features", "/blog", "/docs", "/signup", "/login", "/about",
		"/changelog", "/integrations", "/customers", "/contact", "/careers", "/privacy", "/terms", "/security",
		"/docs/getting-started", "/docs/api", "/blog/announcing-v2", "/checkout", "/checkout/success", "/account"}
	// Words are the vocabulary of the generated paths.
	Words = []string{"analytics", "privacy", "growth", "revenue", "funnel", "tracking", "cookies", "dashboard",
		"startups", "saas", "seo", "marketing", "attribution", "conversion", "retention", "churn", "pricing",
		"launch", "metrics", "goals", "events", "api", "script", "self-hosting", "gdpr", "webhooks", "teams",
		"exports", "filters", "segments"}
	docSections  = []string{"getting-started", "tracking", "api", "integrations", "goals", "revenue", "self-hosting", "faq"}
	integrations = []string{"stripe", "lemonsqueezy", "paddle", "polar", "shopify", "wordpress", "webflow",
		"framer", "nextjs", "nuxt", "astro", "gatsby", "hugo", "ghost", "wix", "squarespace", "react", "vue",
		"svelte", "remix", "laravel", "django", "rails", "cloudflare", "vercel", "netlify"}
)
