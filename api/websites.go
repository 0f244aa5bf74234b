package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// listWebsites: GET /admin/websites, limited to the token's allowlist.
func (s *Server) listWebsites(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	sites, err := s.app.Websites(r.Context(), req.caller)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(sites, wireconv.WebsiteListItem))
	return nil
}

// createWebsite: POST /admin/websites. The caller's user becomes its owner.
func (s *Server) createWebsite(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var in app.NewWebsite
	if in.Domain, err = body.optionalString("domain"); err != nil {
		return err
	}
	if in.Timezone, err = body.optionalString("timezone"); err != nil {
		return err
	}
	if in.Name, _, err = body.nullableString("name"); err != nil {
		return err
	}
	site, err := s.app.CreateWebsite(r.Context(), req.caller, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.WebsiteCreated(site))
	return nil
}

// getWebsite: GET /admin/websites/{websiteId}.
func (s *Server) getWebsite(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	site, err := s.app.Website(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, []wire.Website{wireconv.Website(site.Website)})
	return nil
}

// updateWebsite: PUT /admin/websites/{websiteId}, a partial update.
func (s *Server) updateWebsite(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	in, err := decodeWebsiteUpdate(body)
	if err != nil {
		return err
	}
	site, err := s.app.UpdateWebsite(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, []wire.Website{wireconv.Website(site)})
	return nil
}

// decodeWebsiteUpdate reads the members of a website update; the app
// validates their values.
func decodeWebsiteUpdate(body object) (app.WebsiteUpdate, error) {
	var in app.WebsiteUpdate
	var err error
	if in.Domain, err = body.optionalString("domain"); err != nil {
		return in, err
	}
	if in.Name, err = body.settable("name"); err != nil {
		return in, err
	}
	if in.Timezone, err = body.optionalString("timezone"); err != nil {
		return in, err
	}
	if in.Currency, err = body.optionalString("currency"); err != nil {
		return in, err
	}
	if in.RetentionDays, err = body.settableInt("retentionDays"); err != nil {
		return in, err
	}
	for _, f := range []struct {
		field string
		dst   *app.Set[string]
	}{{"kpi", &in.KPI}, {"kpiColorScheme", &in.KPIColorScheme}, {"revenueMetric", &in.RevenueMetric}} {
		if *f.dst, err = body.settable(f.field); err != nil {
			return in, err
		}
	}
	for _, f := range []struct {
		field string
		dst   **bool
	}{
		{"sendWeeklyReports", &in.SendWeeklyReports}, {"sendViralTrafficAlerts", &in.SendViralTrafficAlerts},
		{"isPublicDashboardEnabled", &in.IsPublicDashboardEnabled}, {"isPublicDataEnabled", &in.IsPublicDataEnabled},
		{"isCookieless", &in.IsCookieless}, {"isAttackModeEnabled", &in.IsAttackModeEnabled},
		{"includeRenewalRevenue", &in.IncludeRenewalRevenue}, {"isAllHostnamesAllowed", &in.IsAllHostnamesAllowed},
	} {
		v, ok, err := body.bool(f.field)
		if err != nil {
			return in, err
		}
		if ok {
			*f.dst = &v
		}
	}
	for _, f := range []struct {
		field string
		dst   **[]string
	}{
		{"allowedHostnames", &in.AllowedHostnames}, {"excludedHostnames", &in.ExcludedHostnames},
		{"excludedIps", &in.ExcludedIPs}, {"excludedPaths", &in.ExcludedPaths}, {"excludedCountries", &in.ExcludedCountries},
	} {
		v, ok, err := body.strings(f.field, openfast.MaxListItems)
		if err != nil {
			return in, err
		}
		if ok {
			*f.dst = &v
		}
	}
	return in, nil
}

// deleteWebsite: DELETE /admin/websites/{websiteId} always answers 403, as
// DataFast does. Operators delete websites with the admin command.
func (s *Server) deleteWebsite(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	return s.app.DeleteWebsite(r.Context(), req.caller, req.websiteID)
}
