package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// maxCachedWebsites bounds the website cache; when full it starts over.
const maxCachedWebsites = 100_000

// Website is a website as the cache keeps it. It is shared between
// requests: callers must not modify it.
type Website struct {
	*openfast.Website
	encoded atomic.Pointer[[]byte]
}

// Encoded returns what encode makes of the website, computed once per
// cached copy: a front door's encoding of a hot read (the JSON API's
// metadata object) costs one encoding per settings change, not one per
// request. encode must always return the same kind of encoding.
func (w *Website) Encoded(encode func(*openfast.Website) ([]byte, error)) ([]byte, error) {
	if b := w.encoded.Load(); b != nil {
		return *b, nil
	}
	b, err := encode(w.Website)
	if err != nil {
		return nil, err
	}
	w.encoded.Store(&b)
	return b, nil
}

// website returns a website, by _id or by trackingId (dfid_...), through
// the in-process cache.
func (a *App) website(ctx context.Context, id string) (*Website, error) {
	now := a.now()
	if w, ok := a.websites.get(id, now); ok {
		return w, nil
	}
	gen := a.websites.begin()
	var w *openfast.Website
	var err error
	if strings.HasPrefix(id, "dfid_") {
		w, err = a.store.WebsiteByTrackingID(ctx, id)
	} else if openfast.ValidID(id) {
		w, err = a.store.Website(ctx, id)
	} else {
		err = openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
	}
	if err != nil {
		return nil, err
	}
	cw := &Website{Website: w}
	a.websites.put(id, cw, gen, now)
	return cw, nil
}

// TrackedWebsite returns the website a tracker payload names (trackingId
// or _id), through the same cache as the API: a settings change made
// through the App applies to the next event. The ingest path calls it;
// the tracker is public, so no caller is checked.
func (a *App) TrackedWebsite(ctx context.Context, id string) (*openfast.Website, error) {
	w, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	return w.Website, nil
}

// Websites lists the caller's websites with the caller's role, limited to
// a token's allowlist.
func (a *App) Websites(ctx context.Context, c Caller) ([]openfast.WebsiteWithRole, error) {
	if _, err := authorize(c, ActListWebsites, ""); err != nil {
		return nil, err
	}
	sites, err := a.store.WebsitesForUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]openfast.WebsiteWithRole, 0, len(sites))
	for _, site := range sites {
		if len(c.WebsiteIDs) > 0 && !slices.Contains(c.WebsiteIDs, site.ID) {
			continue
		}
		out = append(out, site)
	}
	return out, nil
}

// NewWebsite is the input of CreateWebsite. Domain and Timezone are
// required (nil means not given).
type NewWebsite struct {
	Domain   *string
	Timezone *string
	Name     *string
	// Currency is the dashboard's: the API creates websites in USD (nil).
	Currency *string
}

// CreateWebsite creates a website owned by the caller's user, with a new
// _id and trackingId, in USD unless Currency says otherwise.
func (a *App) CreateWebsite(ctx context.Context, c Caller, in NewWebsite) (*openfast.Website, error) {
	if _, err := authorize(c, ActCreateWebsite, ""); err != nil {
		return nil, err
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: c.UserID, Currency: "USD"}
	if in.Domain == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "domain is required.")
	}
	var err error
	if site.Domain, err = openfast.NormalizeDomain(*in.Domain); err != nil {
		return nil, err
	}
	if in.Timezone == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "timezone is required (an IANA name such as Europe/Paris or UTC).")
	}
	if site.Timezone, err = checkTimezone(*in.Timezone); err != nil {
		return nil, err
	}
	if in.Name != nil {
		if site.Name, err = openfast.NormalizeName("name", *in.Name); err != nil {
			return nil, err
		}
	}
	if in.Currency != nil {
		apply, err := WebsiteUpdate{Currency: in.Currency}.validate(a.rates)
		if err != nil {
			return nil, err
		}
		apply(site)
	}
	if err := a.store.CreateWebsite(ctx, site, c.audit(site.ID, openfast.AuditWebsiteCreate, "website", site.ID, "")); err != nil {
		return nil, err
	}
	a.verifier.Invalidate() // the owner's memberships changed
	return site, nil
}

// Website returns a website with all its settings. The result is shared:
// callers must not modify it.
func (a *App) Website(ctx context.Context, c Caller, websiteID string) (*Website, error) {
	id, err := authorize(c, ActGetWebsite, websiteID)
	if err != nil {
		return nil, err
	}
	return a.website(ctx, id)
}

// Metadata returns the website whose analytics metadata the caller reads
// (GET /analytics/metadata). The result is shared: callers must not modify it.
func (a *App) Metadata(ctx context.Context, c Caller, websiteID string) (*Website, error) {
	id, err := authorize(c, ActReadAnalytics, websiteID)
	if err != nil {
		return nil, err
	}
	return a.sharedWebsite(ctx, c, id)
}

// Set is an optional member of an update that may also be null: Set says
// whether it was given, Value is nil for null.
type Set[T any] struct {
	Set   bool
	Value *T
}

// WebsiteUpdate is a partial update of a website: nil pointers and unset
// members are left as they are.
type WebsiteUpdate struct {
	Domain         *string
	Name           Set[string]
	Timezone       *string
	Currency       *string
	KPI            Set[string]
	KPIColorScheme Set[string]
	RevenueMetric  Set[string]

	SendWeeklyReports        *bool
	SendViralTrafficAlerts   *bool
	IsPublicDashboardEnabled *bool
	IsPublicDataEnabled      *bool
	IsCookieless             *bool
	IsAttackModeEnabled      *bool
	IncludeRenewalRevenue    *bool
	IsAllHostnamesAllowed    *bool

	AllowedHostnames  *[]string
	ExcludedHostnames *[]string
	ExcludedIPs       *[]string
	ExcludedPaths     *[]string
	ExcludedCountries *[]string

	// RetentionDays (null: the server-wide retention) only the owner may
	// change: a shorter retention deletes events, like deleting the
	// website does.
	RetentionDays Set[int]
}

// UpdateWebsite validates a partial update and applies it atomically.
func (a *App) UpdateWebsite(ctx context.Context, c Caller, websiteID string, in WebsiteUpdate) (*openfast.Website, error) {
	id, err := authorize(c, ActUpdateWebsite, websiteID)
	if err != nil {
		return nil, err
	}
	apply, err := in.validate(a.rates)
	if err != nil {
		return nil, err
	}
	if err := a.checkKPI(ctx, id, in.KPI); err != nil {
		return nil, err
	}
	_, ownerErr := authorize(c, ActDeleteWebsite, websiteID)
	site, err := a.store.UpdateWebsite(ctx, id, func(site *openfast.Website) error {
		if in.RetentionDays.Set && !samePtr(site.RetentionDays, in.RetentionDays.Value) && ownerErr != nil {
			return openfast.Errorf(openfast.EFORBIDDEN, "Only the website's owner can change retentionDays: a shorter retention deletes data.")
		}
		apply(site)
		return nil
	}, c.audit(id, openfast.AuditWebsiteUpdate, "website", id, ""))
	if err != nil {
		return nil, err
	}
	a.websites.invalidate()
	return site, nil
}

// checkKPI refuses a kpi that names no goal the website tracks (events of
// it, or a customization of it). Null clears; the current kpi is kept
// without a check, so that saving the other settings never fails on it.
func (a *App) checkKPI(ctx context.Context, id string, kpi Set[string]) error {
	if !kpi.Set || kpi.Value == nil {
		return nil
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return err
	}
	if site.KPI != nil && *site.KPI == *kpi.Value {
		return nil
	}
	tracked, err := a.goalIsTracked(ctx, site.Website, *kpi.Value)
	if err != nil {
		return err
	}
	if !tracked {
		return openfast.Errorf(openfast.EINVALID, "kpi %q is not a goal of this website: it has no events of it and no customization of it.", *kpi.Value)
	}
	return nil
}

// validate checks every member of the update and returns the function
// that sets the normalized values on a website.
func (in WebsiteUpdate) validate(rates Rates) (func(*openfast.Website), error) {
	var sets []func(*openfast.Website)
	if in.Domain != nil {
		d, err := openfast.NormalizeDomain(*in.Domain)
		if err != nil {
			return nil, err
		}
		sets = append(sets, func(w *openfast.Website) { w.Domain = d })
	}
	if in.Name.Set {
		var name *string
		if in.Name.Value != nil {
			var err error
			if name, err = openfast.NormalizeName("name", *in.Name.Value); err != nil {
				return nil, err
			}
		}
		sets = append(sets, func(w *openfast.Website) { w.Name = name })
	}
	if in.Timezone != nil {
		tz, err := checkTimezone(*in.Timezone)
		if err != nil {
			return nil, err
		}
		sets = append(sets, func(w *openfast.Website) { w.Timezone = tz })
	}
	if in.Currency != nil {
		cur, valid := openfast.NormalizeCurrency(*in.Currency)
		if !valid {
			return nil, openfast.Errorf(openfast.EINVALID, "currency must be a three-letter ISO 4217 code such as USD.")
		}
		if rates != nil && !rates.Known(cur) {
			// Revenue is shown in the website's currency: one that no
			// rate converts to would leave every figure unconvertible.
			return nil, openfast.Errorf(openfast.EINVALID, "currency %s has no exchange rate (the European Central Bank's reference rates): revenue could not be shown in it.", cur)
		}
		sets = append(sets, func(w *openfast.Website) { w.Currency = cur })
	}
	if in.RetentionDays.Set {
		v := in.RetentionDays.Value
		if v != nil && !openfast.ValidRetentionDays(*v) {
			return nil, openfast.Errorf(openfast.EINVALID, "retentionDays must be a whole number of days from %d to %d, or null to keep data forever (or as long as the server-wide retention).", openfast.MinRetentionDays, openfast.MaxRetentionDays)
		}
		sets = append(sets, func(w *openfast.Website) { w.RetentionDays = v })
	}
	if in.KPI.Set {
		v := in.KPI.Value
		if v != nil && !openfast.ValidGoalName(*v) {
			return nil, openfast.Errorf(openfast.EINVALID, "kpi must be a goal name: lowercase a-z, 0-9, _, - and :, at most 64 characters.")
		}
		sets = append(sets, func(w *openfast.Website) { w.KPI = v })
	}
	choices := []struct {
		field   string
		v       Set[string]
		allowed []string
		dst     func(*openfast.Website) **string
	}{
		{"kpiColorScheme", in.KPIColorScheme, openfast.KPIColorSchemes, func(w *openfast.Website) **string { return &w.KPIColorScheme }},
		{"revenueMetric", in.RevenueMetric, []string{"revenue"}, func(w *openfast.Website) **string { return &w.RevenueMetric }},
	}
	if v := in.RevenueMetric.Value; in.RevenueMetric.Set && v != nil && *v == "mrr" {
		return nil, openfast.Errorf(openfast.EINVALID, "revenueMetric mrr is not available: openfast has no subscriptions to compute monthly recurring revenue from; use revenue, or null.")
	}
	// Settings of features openfast does not have yet: saved, they would
	// promise what nothing does, so only false is taken.
	for _, u := range []struct {
		field, why string
		v          *bool
	}{
		{"isPublicDataEnabled", "openfast shares no data publicly yet", in.IsPublicDataEnabled},
	} {
		if u.v != nil && *u.v {
			return nil, openfast.Errorf(openfast.EINVALID, "%s cannot be turned on: %s.", u.field, u.why)
		}
	}
	for _, ch := range choices {
		if !ch.v.Set {
			continue
		}
		v := ch.v.Value
		if v != nil && !slices.Contains(ch.allowed, *v) {
			return nil, openfast.Errorf(openfast.EINVALID, "%s must be one of %s, or null.", ch.field, strings.Join(ch.allowed, ", "))
		}
		dst := ch.dst
		sets = append(sets, func(w *openfast.Website) { *dst(w) = v })
	}
	flags := []struct {
		v   *bool
		dst func(*openfast.Website) *bool
	}{
		{in.SendWeeklyReports, func(w *openfast.Website) *bool { return &w.SendWeeklyReports }},
		{in.SendViralTrafficAlerts, func(w *openfast.Website) *bool { return &w.SendViralTrafficAlerts }},
		{in.IsPublicDashboardEnabled, func(w *openfast.Website) *bool { return &w.IsPublicDashboardEnabled }},
		{in.IsPublicDataEnabled, func(w *openfast.Website) *bool { return &w.IsPublicDataEnabled }},
		{in.IsCookieless, func(w *openfast.Website) *bool { return &w.IsCookieless }},
		{in.IsAttackModeEnabled, func(w *openfast.Website) *bool { return &w.IsAttackModeEnabled }},
		{in.IncludeRenewalRevenue, func(w *openfast.Website) *bool { return &w.IncludeRenewalRevenue }},
		{in.IsAllHostnamesAllowed, func(w *openfast.Website) *bool { return &w.IsAllHostnamesAllowed }},
	}
	for _, f := range flags {
		if f.v != nil {
			v, dst := *f.v, f.dst
			sets = append(sets, func(w *openfast.Website) { *dst(w) = v })
		}
	}
	lists := []struct {
		field string
		v     *[]string
		clean func(string) (string, bool)
		want  string
		dst   func(*openfast.Website) *[]string
	}{
		{"allowedHostnames", in.AllowedHostnames, cleanHostname, "a hostname such as app.example.com", func(w *openfast.Website) *[]string { return &w.AllowedHostnames }},
		{"excludedHostnames", in.ExcludedHostnames, cleanHostname, "a hostname such as staging.example.com", func(w *openfast.Website) *[]string { return &w.ExcludedHostnames }},
		{"excludedIps", in.ExcludedIPs, cleanIP, "an IP address or CIDR prefix", func(w *openfast.Website) *[]string { return &w.ExcludedIPs }},
		{"excludedPaths", in.ExcludedPaths, cleanPath, "a path starting with /", func(w *openfast.Website) *[]string { return &w.ExcludedPaths }},
		{"excludedCountries", in.ExcludedCountries, cleanCountry, "a two-letter ISO country code", func(w *openfast.Website) *[]string { return &w.ExcludedCountries }},
	}
	for _, l := range lists {
		if l.v == nil {
			continue
		}
		if len(*l.v) > openfast.MaxListItems {
			return nil, openfast.Errorf(openfast.EINVALID, "%s can have at most %d items.", l.field, openfast.MaxListItems)
		}
		out := make([]string, 0, len(*l.v))
		for _, item := range *l.v {
			c, valid := l.clean(item)
			if !valid {
				return nil, openfast.Errorf(openfast.EINVALID, "%s: %q is not %s.", l.field, openfast.Truncate(item, 80), l.want)
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		dst := l.dst
		sets = append(sets, func(w *openfast.Website) { *dst(w) = out })
	}
	return func(w *openfast.Website) {
		for _, set := range sets {
			set(w)
		}
	}, nil
}

// samePtr reports whether a and b are both nil or point to equal values.
func samePtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func checkTimezone(tz string) (string, error) {
	if !openfast.ValidTimezone(tz) {
		return "", openfast.Errorf(openfast.EINVALID, "timezone %q is not an IANA time zone name such as Europe/Paris or UTC.", openfast.Truncate(tz, 64))
	}
	return tz, nil
}

func cleanHostname(s string) (string, bool) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	return h, openfast.ValidHostname(h)
}

func cleanIP(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, openfast.ValidIPOrPrefix(s)
}

func cleanPath(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, strings.HasPrefix(s, "/") && len(s) <= openfast.MaxPathLength && !strings.ContainsAny(s, " ") && !openfast.HasUnsafeChars(s)
}

func cleanCountry(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	return s, openfast.ValidCountryCode(s)
}

// DeleteWebsite is refused through the API, as DataFast refuses it:
// operators delete websites with the admin command (DeleteWebsiteAsOperator).
func (a *App) DeleteWebsite(ctx context.Context, c Caller, websiteID string) error {
	id, err := authorize(c, ActDeleteWebsite, websiteID)
	if err != nil {
		return err
	}
	return openfast.Errorf(openfast.EFORBIDDEN, "%s", fmt.Sprintf(
		"Website deletion cannot be done programmatically. An operator can delete this website on the server with: openfast admin delete-website --id %s", id))
}

// DeleteWebsiteAsOperator deletes a website with its keys, members and
// invitations, for an operator command named by actor. The audit entry is
// an account-level entry of the website's owner, so that the owner's audit
// log shows it after the website is gone.
func (a *App) DeleteWebsiteAsOperator(ctx context.Context, websiteID, actor string) error {
	if err := openfast.CheckID("websiteId", websiteID); err != nil {
		return err
	}
	site, err := a.store.Website(ctx, websiteID)
	if err != nil {
		return err
	}
	audit := &openfast.AuditEntry{
		ActorUserID: site.OwnerID, ActorDisplayKey: actor, Action: openfast.AuditWebsiteDelete,
		TargetType: "website", TargetID: site.ID, IP: "local",
	}
	if err := a.store.DeleteWebsite(ctx, websiteID, audit); err != nil {
		return err
	}
	a.InvalidateCaches()
	return nil
}
