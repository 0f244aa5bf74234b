// Package wireconv turns domain values into the wire types that the front
// doors answer with (api's REST answers and mcp's tool results), so that
// both answer the same JSON.
package wireconv

import (
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/wire"
)

// Time is the API's time format: ISO 8601 UTC with milliseconds.
func Time(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Funnel is a funnel as the API answers it.
func Funnel(f *openfast.Funnel) wire.Funnel {
	out := wire.Funnel{
		ID: f.ID, WebsiteID: f.WebsiteID, Name: f.Name, Slug: f.Slug, WindowDays: f.WindowDays,
		IsActive: f.IsActive, CreatedAt: Time(f.CreatedAt), Steps: make([]wire.FunnelStepDef, len(f.Steps)),
	}
	for i, s := range f.Steps {
		d := wire.FunnelStepDef{ID: s.ID, Name: s.Name, Type: s.Type}
		if s.Type == openfast.FunnelStepPageview {
			d.URL = &s.URL
		} else {
			d.GoalName = &s.GoalName
		}
		out.Steps[i] = d
	}
	return out
}

// TimePtr is Time of t, or nil.
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

// APIKey is a website's df_ key as the API lists it, masked.
func APIKey(k *openfast.APIKey) wire.APIKey {
	var createdBy *string
	if k.CreatedBy != "" {
		createdBy = &k.CreatedBy
	}
	return wire.APIKey{
		ID: k.ID, Name: k.Name, DisplayKey: k.DisplayKey, WebsiteID: k.WebsiteID,
		LastUsedAt: TimePtr(k.LastUsedAt), Usage7d: k.Usage7d, CreatedAt: Time(k.CreatedAt),
		Permissions: auth.KeyPermissions(k.Permissions), CreatedBy: createdBy,
		ExpiresAt: TimePtr(k.ExpiresAt), PreviousKeyExpiresAt: TimePtr(k.PreviousExpiresAt),
	}
}
