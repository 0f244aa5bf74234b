package app

import (
	"context"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/wire"
)

// Funnels (§6.13): a website's funnels are read with funnels:read (viewer
// and up) and changed with funnels:write (member and up); their results
// are an analytics read (§5.8).

// Funnels lists a website's active funnels, the oldest first.
func (a *App) Funnels(ctx context.Context, c Caller, websiteID string) ([]*openfast.Funnel, error) {
	id, err := authorize(c, ActListFunnels, websiteID)
	if err != nil {
		return nil, err
	}
	return a.store.Funnels(ctx, id, false)
}

// DeletedFunnels lists a website's deleted (inactive) funnels, which
// UpdateFunnel can reactivate, the oldest first.
func (a *App) DeletedFunnels(ctx context.Context, c Caller, websiteID string) ([]*openfast.Funnel, error) {
	id, err := authorize(c, ActListFunnels, websiteID)
	if err != nil {
		return nil, err
	}
	all, err := a.store.Funnels(ctx, id, true)
	if err != nil {
		return nil, err
	}
	var out []*openfast.Funnel
	for _, f := range all {
		if !f.IsActive {
			out = append(out, f)
		}
	}
	return out, nil
}

// Funnel returns one active funnel of a website.
func (a *App) Funnel(ctx context.Context, c Caller, websiteID, funnelID string) (*openfast.Funnel, error) {
	id, err := authorize(c, ActListFunnels, websiteID)
	if err != nil {
		return nil, err
	}
	return a.activeFunnel(ctx, id, funnelID)
}

// activeFunnel reads an active funnel of website id: an unknown, inactive
// or malformed id is not found.
func (a *App) activeFunnel(ctx context.Context, websiteID, funnelID string) (*openfast.Funnel, error) {
	if err := openfast.CheckID("funnelId", funnelID); err != nil {
		return nil, err
	}
	f, err := a.store.Funnel(ctx, websiteID, funnelID)
	if err != nil {
		return nil, err
	}
	if !f.IsActive {
		return nil, funnelNotFound()
	}
	return f, nil
}

func funnelNotFound() error { return openfast.Errorf(openfast.ENOTFOUND, "Funnel not found.") }

// FunnelInput is the input of CreateFunnel and UpdateFunnel. A nil member
// was not sent: a creation needs Name and Steps, an update changes what it
// is sent (Steps replace every step).
type FunnelInput struct {
	Name       *string
	Steps      []openfast.StepInput // nil: not sent
	WindowDays *int
	IsActive   *bool // updates only
}

// apply sets the members of in on f, validated.
func (in FunnelInput) apply(f *openfast.Funnel) error {
	if in.Name != nil {
		name, slug, err := openfast.NormalizeFunnelName("name", *in.Name)
		if err != nil {
			return err
		}
		f.Name, f.Slug = name, slug
	}
	if in.Steps != nil {
		steps, err := openfast.ParseFunnelSteps(in.Steps)
		if err != nil {
			return err
		}
		f.Steps = steps
	}
	if in.WindowDays != nil {
		if err := openfast.CheckFunnelWindow(*in.WindowDays); err != nil {
			return err
		}
		f.WindowDays = *in.WindowDays
	}
	if in.IsActive != nil {
		f.IsActive = *in.IsActive
	}
	return nil
}

// CreateFunnel creates an active funnel: name and 2 to 8 steps required,
// windowDays 1 to 90 (default 7). A name whose slug an active funnel of
// the website has is a conflict.
func (a *App) CreateFunnel(ctx context.Context, c Caller, websiteID string, in FunnelInput) (*openfast.Funnel, error) {
	id, err := authorize(c, ActCreateFunnel, websiteID)
	if err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "name is required.")
	}
	if in.Steps == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "steps is required: %d to %d steps, each with name, type (pageview or goal) and url or goalName.", openfast.MinFunnelSteps, openfast.MaxFunnelSteps)
	}
	if in.IsActive != nil && !*in.IsActive {
		return nil, openfast.Errorf(openfast.EINVALID, "A funnel is created active; isActive false is not supported here.")
	}
	f := &openfast.Funnel{ID: openfast.NewID(), WebsiteID: id, WindowDays: openfast.DefaultFunnelWindowDays, CreatedAt: a.now().UTC()}
	if err := in.apply(f); err != nil {
		return nil, err
	}
	if err := a.store.CreateFunnel(ctx, f, openfast.MaxFunnelsPerWebsite, c.audit(id, openfast.AuditFunnelCreate, "funnel", f.ID, "")); err != nil {
		return nil, err
	}
	return f, nil
}

// UpdateFunnel changes a funnel: its name, steps (all replaced), window,
// or isActive (false hides it as a deletion does, true reactivates a
// deleted one). The result must not clash with another active funnel.
func (a *App) UpdateFunnel(ctx context.Context, c Caller, websiteID, funnelID string, in FunnelInput) (*openfast.Funnel, error) {
	id, err := authorize(c, ActUpdateFunnel, websiteID)
	if err != nil {
		return nil, err
	}
	if err := openfast.CheckID("funnelId", funnelID); err != nil {
		return nil, err
	}
	if in.Name == nil && in.Steps == nil && in.WindowDays == nil && in.IsActive == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "Nothing to update: send name, steps, windowDays or isActive.")
	}
	action := openfast.AuditFunnelUpdate
	if in.IsActive != nil && !*in.IsActive {
		action = openfast.AuditFunnelDelete
	}
	return a.store.UpdateFunnel(ctx, id, funnelID, in.apply, openfast.MaxFunnelsPerWebsite, c.audit(id, action, "funnel", funnelID, ""))
}

// DeleteFunnel deletes a funnel softly: it becomes inactive, leaves the
// list and its results, and can be reactivated with UpdateFunnel. A funnel
// already deleted is not found.
func (a *App) DeleteFunnel(ctx context.Context, c Caller, websiteID, funnelID string) error {
	id, err := authorize(c, ActDeleteFunnel, websiteID)
	if err != nil {
		return err
	}
	if err := openfast.CheckID("funnelId", funnelID); err != nil {
		return err
	}
	_, err = a.store.UpdateFunnel(ctx, id, funnelID, func(f *openfast.Funnel) error {
		if !f.IsActive {
			return funnelNotFound()
		}
		f.IsActive = false
		return nil
	}, openfast.MaxFunnelsPerWebsite, c.audit(id, openfast.AuditFunnelDelete, "funnel", funnelID, ""))
	return err
}

// FunnelEndpoint is how the funnel results read its parameters: dates
// (all time when omitted), timezone and filters.
var FunnelEndpoint = analytics.Endpoint{Name: "funnels", Filters: true, Dates: true}

// FunnelResult reads an active funnel's results over the query's range
// and filters (§5.8). An unknown or inactive funnel is not found.
func (a *App) FunnelResult(ctx context.Context, c Caller, in Read, funnelID string) (*wire.FunnelResult, error) {
	q, site, err := a.readQuery(ctx, c, in, FunnelEndpoint)
	if err != nil {
		return nil, err
	}
	f, err := a.activeFunnel(ctx, site.ID, funnelID)
	if err != nil {
		return nil, err
	}
	steps := make([]analytics.FunnelStep, len(f.Steps))
	for i, s := range f.Steps {
		steps[i] = analytics.FunnelStep{ID: s.ID, Name: s.Name, Type: s.Type, URL: s.URL, GoalName: s.GoalName}
	}
	window := time.Duration(f.WindowDays) * 24 * time.Hour
	return read(ctx, a, site.ID, func(ctx context.Context) (*wire.FunnelResult, error) {
		return a.analytics.Funnel(ctx, site.ID, q, f.ID, f.Name, steps, window, site.Currency)
	})
}
