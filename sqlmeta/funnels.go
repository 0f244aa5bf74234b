package sqlmeta

import (
	"encoding/json"
	"fmt"

	"github.com/openfast/openfast"
)

// storedStep is a funnel step in the JSON array in which metadata stores
// keep a funnel's steps.
type storedStep struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	URL      string `json:"url,omitempty"`
	GoalName string `json:"goalName,omitempty"`
}

// EncodeSteps returns a funnel's steps as the JSON array metadata stores
// keep.
func EncodeSteps(steps []openfast.FunnelStep) (string, error) {
	out := make([]storedStep, len(steps))
	for i, s := range steps {
		out[i] = storedStep(s)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodeSteps reads an array written by EncodeSteps.
func DecodeSteps(doc []byte) ([]openfast.FunnelStep, error) {
	var in []storedStep
	if err := json.Unmarshal(doc, &in); err != nil {
		return nil, fmt.Errorf("decode funnel steps: %w", err)
	}
	out := make([]openfast.FunnelStep, len(in))
	for i, s := range in {
		out[i] = openfast.FunnelStep(s)
	}
	return out, nil
}

// FunnelLimit is the error of a website that has limit active funnels.
func FunnelLimit(limit int) error {
	return openfast.Errorf(openfast.ELIMIT, "Funnel limit reached: a website can have at most %d active funnels. Delete one first.", limit)
}

// FunnelConflict is the error of an active funnel whose slug another
// active funnel of the website has.
func FunnelConflict(f *openfast.Funnel) error {
	return openfast.Errorf(openfast.ECONFLICT, "An active funnel of this website is already named %q (slug %s).", openfast.Truncate(f.Name, 100), f.Slug)
}

// CheckActiveFunnel is the check a store makes before it stores f active:
// active counts the website's other active funnels, and slugTaken tells
// whether one of them has f's slug.
func CheckActiveFunnel(f *openfast.Funnel, active int, slugTaken bool, limit int) error {
	if slugTaken {
		return FunnelConflict(f)
	}
	if active >= limit {
		return FunnelLimit(limit)
	}
	return nil
}
