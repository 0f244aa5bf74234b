package app

import (
	"context"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// PublicDisplayKey stands for the visitor of a public dashboard where a
// credential's display key would show.
const PublicDisplayKey = "public dashboard"

// PublicCaller returns the caller of a visit, from ip, to the public
// dashboard of domain: the oldest website of that domain whose
// isPublicDashboardEnabled is on. It reads that website's analytics and
// nothing else: not its settings, its team, its visitors (the visitors
// list, a visitor's profile and the realtime map carry identities), nor
// any other website. Every read checks the setting again, so turning it
// off closes the dashboard at once. A domain with no such website is
// ENOTFOUND, whether or not it has websites.
func (a *App) PublicCaller(ctx context.Context, domain, ip string) (Caller, *openfast.Website, error) {
	notFound := openfast.Errorf(openfast.ENOTFOUND, "There is no public dashboard of this domain.")
	domain, err := openfast.NormalizeDomain(domain)
	if err != nil {
		return Caller{}, nil, notFound
	}
	sites, err := a.store.WebsitesByDomain(ctx, domain)
	if err != nil {
		return Caller{}, nil, err
	}
	for _, w := range sites {
		if w.IsPublicDashboardEnabled {
			p := &auth.Principal{Kind: auth.KindPublic, ID: w.ID, DisplayKey: PublicDisplayKey, WebsiteID: w.ID,
				Permissions: []string{auth.PermAnalyticsRead}}
			return Caller{Principal: p, IP: ip}, w, nil
		}
	}
	return Caller{}, nil, notFound
}

// IsPublic reports whether c is the visitor of a public dashboard.
func (c Caller) IsPublic() bool { return c.Principal != nil && c.Kind == auth.KindPublic }

// refusePublic refuses the visitor of a public dashboard.
func refusePublic(c Caller) error {
	if c.IsPublic() {
		return openfast.Errorf(openfast.EFORBIDDEN, "A public dashboard shows no visitor identities.")
	}
	return nil
}

// sharedWebsite returns website id for an analytics read of c: for the
// visitor of a public dashboard, only while the website shares it.
func (a *App) sharedWebsite(ctx context.Context, c Caller, id string) (*Website, error) {
	w, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.IsPublic() && !w.IsPublicDashboardEnabled {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "There is no public dashboard of this domain.")
	}
	return w, nil
}
