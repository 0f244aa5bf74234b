package analytics

import (
	"context"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/wire"
)

// Funnel steps. A pageview step matches a path, where * stands for one
// path segment; a goal step matches a goal name.
const (
	StepPageview = "pageview"
	StepGoal     = "goal"
)

// FunnelStep is one step of a funnel read.
type FunnelStep struct {
	ID, Name string
	Type     string // StepPageview or StepGoal
	URL      string // a path, for pageview steps
	GoalName string // for goal steps
}

// FunnelDefaultWindow is how long after reaching a step a visitor may
// reach the next one.
const FunnelDefaultWindow = 7 * 24 * time.Hour

// Funnel answers GET /analytics/funnels/{funnelId} for a funnel's steps
// (2 to 8), over the query's range and filters, in currency.
func (s *Service) Funnel(ctx context.Context, websiteID string, q *Query, funnelID, name string, steps []FunnelStep, window time.Duration, currency string) (*wire.FunnelResult, error) {
	return nil, openfast.Errorf(openfast.EUNAVAILABLE, "Funnels are not computed by this event store.")
}
