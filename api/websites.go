package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

type websiteListItemJSON struct {
	ID         string        `json:"_id"`
	Domain     string        `json:"domain"`
	Name       *string       `json:"name"`
	TrackingID string        `json:"trackingId"`
	Timezone   string        `json:"timezone"`
	Currency   string        `json:"currency"`
	Role       openfast.Role `json:"role"`
}

type websiteJSON struct {
	ID                       string   `json:"_id"`
	Domain                   string   `json:"domain"`
	Name                     *string  `json:"name"`
	TrackingID               string   `json:"trackingId"`
	Timezone                 string   `json:"timezone"`
	Currency                 string   `json:"currency"`
	KPI                      *string  `json:"kpi"`
	KPIColorScheme           *string  `json:"kpiColorScheme"`
	RevenueMetric            *string  `json:"revenueMetric"`
	IsCookieless             bool     `json:"isCookieless"`
	IncludeRenewalRevenue    bool     `json:"includeRenewalRevenue"`
	AllowedHostnames         []string `json:"allowedHostnames"`
	ExcludedIPs              []string `json:"excludedIps"`
	ExcludedPaths            []string `json:"excludedPaths"`
	ExcludedCountries        []string `json:"excludedCountries"`
	ExcludedHostnames        []string `json:"excludedHostnames"`
	IsAllHostnamesAllowed    bool     `json:"isAllHostnamesAllowed"`
	SendWeeklyReports        bool     `json:"sendWeeklyReports"`
	SendViralTrafficAlerts   bool     `json:"sendViralTrafficAlerts"`
	IsPublicDashboardEnabled bool     `json:"isPublicDashboardEnabled"`
	IsPublicDataEnabled      bool     `json:"isPublicDataEnabled"`
	IsAttackModeEnabled      bool     `json:"isAttackModeEnabled"`
	CreatedAt                string   `json:"createdAt"`
}

func toWebsiteJSON(w *openfast.Website) websiteJSON {
	return websiteJSON{
		ID: w.ID, Domain: w.Domain, Name: w.Name, TrackingID: w.TrackingID, Timezone: w.Timezone, Currency: w.Currency,
		KPI: w.KPI, KPIColorScheme: w.KPIColorScheme, RevenueMetric: w.RevenueMetric,
		IsCookieless: w.IsCookieless, IncludeRenewalRevenue: w.IncludeRenewalRevenue,
		AllowedHostnames: nonNil(w.AllowedHostnames), ExcludedIPs: nonNil(w.ExcludedIPs), ExcludedPaths: nonNil(w.ExcludedPaths),
		ExcludedCountries: nonNil(w.ExcludedCountries), ExcludedHostnames: nonNil(w.ExcludedHostnames),
		IsAllHostnamesAllowed: w.IsAllHostnamesAllowed, SendWeeklyReports: w.SendWeeklyReports,
		SendViralTrafficAlerts: w.SendViralTrafficAlerts, IsPublicDashboardEnabled: w.IsPublicDashboardEnabled,
		IsPublicDataEnabled: w.IsPublicDataEnabled, IsAttackModeEnabled: w.IsAttackModeEnabled,
		CreatedAt: isoTime(w.CreatedAt),
	}
}

// listWebsites: GET /admin/websites, limited to the token's allowlist.
func (s *Server) listWebsites(w http.ResponseWriter, r *http.Request, c *call) error {
	sites, err := s.store.WebsitesForUser(r.Context(), c.p.UserID)
	if err != nil {
		return err
	}
	out := []websiteListItemJSON{}
	for _, site := range sites {
		if len(c.p.WebsiteIDs) > 0 && !slices.Contains(c.p.WebsiteIDs, site.ID) {
			continue
		}
		out = append(out, websiteListItemJSON{
			ID: site.ID, Domain: site.Domain, Name: site.Name, TrackingID: site.TrackingID,
			Timezone: site.Timezone, Currency: site.Currency, Role: site.Role,
		})
	}
	writeData(w, out)
	return nil
}

// createWebsite: POST /admin/websites. The caller's user becomes its owner.
func (s *Server) createWebsite(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: c.p.UserID, Currency: "USD"}
	domain, present, err := body.string("domain")
	if err != nil {
		return err
	}
	if !present {
		return openfast.Errorf(openfast.EINVALID, "domain is required.")
	}
	if site.Domain, err = openfast.NormalizeDomain(domain); err != nil {
		return err
	}
	tz, present, err := body.string("timezone")
	if err != nil {
		return err
	}
	if !present {
		return openfast.Errorf(openfast.EINVALID, "timezone is required (an IANA name such as Europe/Paris or UTC).")
	}
	if site.Timezone, err = checkTimezone(tz); err != nil {
		return err
	}
	name, _, err := body.nullableString("name")
	if err != nil {
		return err
	}
	if name != nil {
		if site.Name, err = openfast.NormalizeName("name", *name); err != nil {
			return err
		}
	}
	c.websiteID = site.ID
	if err := s.store.CreateWebsite(r.Context(), site, c.audit(openfast.AuditWebsiteCreate, "website", site.ID, "")); err != nil {
		return err
	}
	s.verifier.Invalidate() // the owner's memberships changed
	writeData(w, []map[string]string{{"websiteId": site.ID, "domain": site.Domain, "trackingId": site.TrackingID}})
	return nil
}

// maxCachedWebsites bounds the website cache; when full it starts over.
const maxCachedWebsites = 100_000

// cachedWebsite is a website as the cache keeps it, with its metadata
// object (all fields) encoded once.
type cachedWebsite struct {
	*openfast.Website
	metadata []byte
}

// website returns a website, by _id or by trackingId (dfid_...), through
// the in-process cache. The result is shared: callers must not modify it.
func (s *Server) website(ctx context.Context, id string) (*cachedWebsite, error) {
	now := s.now()
	if w, ok := s.websites.get(id, now); ok {
		return w, nil
	}
	gen := s.websites.begin()
	var w *openfast.Website
	var err error
	if strings.HasPrefix(id, "dfid_") {
		w, err = s.store.WebsiteByTrackingID(ctx, id)
	} else if openfast.ValidID(id) {
		w, err = s.store.Website(ctx, id)
	} else {
		err = openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
	}
	if err != nil {
		return nil, err
	}
	meta, err := encodeMetadata(w, metadataFields)
	if err != nil {
		return nil, err
	}
	cw := &cachedWebsite{Website: w, metadata: meta}
	s.websites.put(id, cw, gen, now)
	return cw, nil
}

// TrackedWebsite returns the website a tracker payload names (trackingId
// or _id), through the same cache as the API: a settings change made
// through the API applies to the next event.
func (s *Server) TrackedWebsite(ctx context.Context, id string) (*openfast.Website, error) {
	w, err := s.website(ctx, id)
	if err != nil {
		return nil, err
	}
	return w.Website, nil
}

// getWebsite: GET /admin/websites/{websiteId}.
func (s *Server) getWebsite(w http.ResponseWriter, r *http.Request, c *call) error {
	site, err := s.website(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	writeData(w, []websiteJSON{toWebsiteJSON(site.Website)})
	return nil
}

// updateWebsite: PUT /admin/websites/{websiteId}, a partial update.
func (s *Server) updateWebsite(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	site, err := s.store.UpdateWebsite(r.Context(), c.websiteID, func(site *openfast.Website) error {
		return applyWebsiteUpdate(site, body)
	}, c.audit(openfast.AuditWebsiteUpdate, "website", c.websiteID, ""))
	if err != nil {
		return err
	}
	s.websites.invalidate()
	writeData(w, []websiteJSON{toWebsiteJSON(site)})
	return nil
}

// applyWebsiteUpdate validates the members of body and sets them on site.
func applyWebsiteUpdate(site *openfast.Website, body object) error {
	if v, ok, err := body.string("domain"); err != nil {
		return err
	} else if ok {
		if site.Domain, err = openfast.NormalizeDomain(v); err != nil {
			return err
		}
	}
	if v, ok, err := body.nullableString("name"); err != nil {
		return err
	} else if ok {
		site.Name = nil
		if v != nil {
			if site.Name, err = openfast.NormalizeName("name", *v); err != nil {
				return err
			}
		}
	}
	if v, ok, err := body.string("timezone"); err != nil {
		return err
	} else if ok {
		if site.Timezone, err = checkTimezone(v); err != nil {
			return err
		}
	}
	if v, ok, err := body.string("currency"); err != nil {
		return err
	} else if ok {
		cur, valid := openfast.NormalizeCurrency(v)
		if !valid {
			return openfast.Errorf(openfast.EINVALID, "currency must be a three-letter ISO 4217 code such as USD.")
		}
		site.Currency = cur
	}
	if v, ok, err := body.nullableString("kpi"); err != nil {
		return err
	} else if ok {
		if v != nil && !openfast.ValidGoalName(*v) {
			return openfast.Errorf(openfast.EINVALID, "kpi must be a goal name: lowercase a-z, 0-9, _, - and :, at most 64 characters.")
		}
		site.KPI = v
	}
	if err := oneOf(body, "kpiColorScheme", openfast.KPIColorSchemes, &site.KPIColorScheme); err != nil {
		return err
	}
	if err := oneOf(body, "revenueMetric", []string{"revenue", "mrr"}, &site.RevenueMetric); err != nil {
		return err
	}
	flags := []struct {
		field string
		dst   *bool
	}{
		{"sendWeeklyReports", &site.SendWeeklyReports}, {"sendViralTrafficAlerts", &site.SendViralTrafficAlerts},
		{"isPublicDashboardEnabled", &site.IsPublicDashboardEnabled}, {"isPublicDataEnabled", &site.IsPublicDataEnabled},
		{"isCookieless", &site.IsCookieless}, {"isAttackModeEnabled", &site.IsAttackModeEnabled},
		{"includeRenewalRevenue", &site.IncludeRenewalRevenue}, {"isAllHostnamesAllowed", &site.IsAllHostnamesAllowed},
	}
	for _, f := range flags {
		v, ok, err := body.bool(f.field)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = v
		}
	}
	lists := []struct {
		field string
		dst   *[]string
		clean func(string) (string, bool)
		want  string
	}{
		{"allowedHostnames", &site.AllowedHostnames, cleanHostname, "a hostname such as app.example.com"},
		{"excludedHostnames", &site.ExcludedHostnames, cleanHostname, "a hostname such as staging.example.com"},
		{"excludedIps", &site.ExcludedIPs, cleanIP, "an IP address or CIDR prefix"},
		{"excludedPaths", &site.ExcludedPaths, cleanPath, "a path starting with /"},
		{"excludedCountries", &site.ExcludedCountries, cleanCountry, "a two-letter ISO country code"},
	}
	for _, l := range lists {
		v, ok, err := body.strings(l.field, openfast.MaxListItems)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		out := make([]string, 0, len(v))
		for _, item := range v {
			c, valid := l.clean(item)
			if !valid {
				return openfast.Errorf(openfast.EINVALID, "%s: %q is not %s.", l.field, openfast.Truncate(item, 80), l.want)
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		*l.dst = out
	}
	return nil
}

func checkTimezone(tz string) (string, error) {
	if !openfast.ValidTimezone(tz) {
		return "", openfast.Errorf(openfast.EINVALID, "timezone %q is not an IANA time zone name such as Europe/Paris or UTC.", openfast.Truncate(tz, 64))
	}
	return tz, nil
}

// oneOf reads a nullable string member that must be one of allowed.
func oneOf(body object, field string, allowed []string, dst **string) error {
	v, ok, err := body.nullableString(field)
	if err != nil || !ok {
		return err
	}
	if v != nil && !slices.Contains(allowed, *v) {
		return openfast.Errorf(openfast.EINVALID, "%s must be one of %s, or null.", field, strings.Join(allowed, ", "))
	}
	*dst = v
	return nil
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
	return s, strings.HasPrefix(s, "/") && len(s) <= openfast.MaxPathLength && !strings.ContainsAny(s, " \t\r\n")
}

func cleanCountry(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	return s, openfast.ValidCountryCode(s)
}

// deleteWebsite: DELETE /admin/websites/{websiteId} always answers 403, as
// DataFast does. Operators delete websites with the admin command.
func (s *Server) deleteWebsite(w http.ResponseWriter, r *http.Request, c *call) error {
	return openfast.Errorf(openfast.EFORBIDDEN, "%s", fmt.Sprintf(
		"Website deletion cannot be done programmatically. An operator can delete this website on the server with: openfast admin delete-website --id %s", c.websiteID))
}
