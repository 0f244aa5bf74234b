package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// siteCard is one website on the home page.
type siteCard struct {
	ID, Domain, Name, Role string
}

// websitesPage lists the user's websites; each card loads its 30-day
// chart on its own (sparkline).
func (s *Server) websitesPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	sites, err := s.app.Websites(ctx, v.caller)
	if err != nil {
		return err
	}
	cards := make([]siteCard, 0, len(sites))
	for _, x := range sites {
		cards = append(cards, siteCard{ID: x.ID, Domain: x.Domain, Name: deref(x.Name), Role: string(x.Role)})
	}
	s.render(w, r, v, http.StatusOK, "home.html", "Websites", cards)
	return nil
}

// sparklineView is a small chart of daily counts as an SVG line, with its
// text alternative: a website's last 30 days of visitors, a key's or
// token's 90 days of requests.
type sparklineView struct {
	Points  string // SVG polyline points
	Caption string
}

// newSparkline draws values (one per day, oldest first) in the 100×30
// box of sparkline.html; caption gets the total.
func newSparkline(values []int64, caption func(total int64) string) sparklineView {
	var total, peak int64 = 0, 1
	for _, n := range values {
		total += n
		peak = max(peak, n)
	}
	pts := make([]string, len(values))
	for i, n := range values {
		x := float64(i) * 100 / float64(max(1, len(values)-1))
		y := 28 - float64(n)*26/float64(peak)
		pts[i] = fmt.Sprintf("%.1f,%.1f", x, y)
	}
	return sparklineView{Points: strings.Join(pts, " "), Caption: caption(total)}
}

// sparkline answers the chart of a website card.
func (s *Server) sparkline(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	id := r.PathValue("websiteId")
	series, _, err := s.app.Timeseries(ctx, v.caller, app.Read{WebsiteID: id, Params: url.Values{
		"interval": {"day"}, "fields": {"visitors"}, "limit": {"31"},
	}})
	if err != nil {
		return err
	}
	visitors := make([]int64, len(series.Data))
	for i, row := range series.Data {
		if row.Visitors != nil {
			visitors[i] = *row.Visitors
		}
	}
	view := newSparkline(visitors, func(total int64) string {
		return fmt.Sprintf("%d visitors in the last %d days", total, len(visitors))
	})
	s.render(w, r, v, http.StatusOK, "sparkline.html", "", view)
	return nil
}

func (s *Server) newWebsitePage(w http.ResponseWriter, r *http.Request, v *visit) error {
	s.render(w, r, v, http.StatusOK, "newsite.html", "Add a website", formView{Values: map[string]string{"timezone": "UTC", "currency": "USD"}})
	return nil
}

// createWebsite adds a website (domain, timezone, currency) and leads to
// its snippet.
func (s *Server) createWebsite(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return openfast.Errorf(openfast.EINVALID, "The form could not be read.")
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	domain, tz, currency := formValue(r, "domain"), formValue(r, "timezone"), strings.ToUpper(formValue(r, "currency"))
	again := func(err error) error {
		if c := openfast.ErrorCode(err); c != openfast.EINVALID && c != openfast.ECONFLICT && c != openfast.ELIMIT {
			return err
		}
		s.render(w, r, v, openfast.HTTPStatus(openfast.ErrorCode(err)), "newsite.html", "Add a website", formView{
			Error: openfast.ErrorMessage(err), Values: map[string]string{"domain": domain, "timezone": tz, "currency": currency},
		})
		return nil
	}
	if currency == "" {
		currency = "USD"
	}
	site, err := s.app.CreateWebsite(ctx, v.caller, app.NewWebsite{Domain: &domain, Timezone: &tz, Currency: &currency})
	if err != nil {
		return again(err)
	}
	http.Redirect(w, r, "/websites/"+site.ID+"/setup", http.StatusSeeOther)
	return nil
}

// snippetView is the tracker snippet of a website.
type snippetView struct {
	ID, Domain string
	Snippet    string
}

// snippetPage shows the tracker snippet with a copy button and a panel
// that waits for the first event.
func (s *Server) snippetPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	site, err := s.app.Website(ctx, v.caller, r.PathValue("websiteId"))
	if err != nil {
		return err
	}
	snippet := fmt.Sprintf(`<script defer data-website-id="%s" data-domain="%s" src="%s/js/script.js"></script>`,
		site.TrackingID, site.Domain, s.baseURL(r))
	s.render(w, r, v, http.StatusOK, "snippet.html", "Install the script on "+site.Domain, snippetView{ID: site.ID, Domain: site.Domain, Snippet: snippet})
	return nil
}

// firstEventView says whether a website has had an event.
type firstEventView struct {
	ID       string
	Arrived  bool
	Visitors int64
}

// firstEvent answers the waiting panel: it polls until the website has a
// visitor, then turns green and stops.
func (s *Server) firstEvent(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	id := r.PathValue("websiteId")
	o, err := s.app.Overview(ctx, v.caller, app.Read{WebsiteID: id, Params: url.Values{"fields": {"visitors"}}})
	if err != nil {
		return err
	}
	view := firstEventView{ID: id}
	if o.Visitors != nil && *o.Visitors > 0 {
		view.Arrived, view.Visitors = true, *o.Visitors
	}
	s.render(w, r, v, http.StatusOK, "first_event.html", "", view)
	return nil
}
