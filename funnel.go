package openfast

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Funnel is an ordered list of steps (pages seen, goals completed) whose
// completion the analytics read GET /analytics/funnels/{funnelId} counts.
// A deleted funnel is kept, inactive, and can be reactivated.
type Funnel struct {
	ID        string
	WebsiteID string
	Name      string
	// Slug is made from the name (see Slugify). Among a website's active
	// funnels it is unique: two names with the same slug ("Signup funnel",
	// "signup  FUNNEL") are duplicates.
	Slug  string
	Steps []FunnelStep
	// WindowDays is how many days a visitor has from one step to the next.
	WindowDays int
	IsActive   bool
	CreatedAt  time.Time
	// UpdatedAt is the time of the last change (a deletion included).
	UpdatedAt time.Time
}

// FunnelStep is one step of a funnel: a pageview of a path or a goal.
type FunnelStep struct {
	ID       string // a slug of the name, unique within the funnel
	Name     string
	Type     string // FunnelStepPageview or FunnelStepGoal
	URL      string // pageview: a path; * stands for one whole segment
	GoalName string // goal
}

// Funnel step types.
const (
	FunnelStepPageview = "pageview"
	FunnelStepGoal     = "goal"
)

// Funnel limits.
const (
	MinFunnelSteps = 2
	MaxFunnelSteps = 8
	// MaxFunnelsPerWebsite bounds a website's active funnels.
	MaxFunnelsPerWebsite = 50
	// MaxInactiveFunnelsPerWebsite bounds the deleted (inactive) funnels a
	// website keeps for reactivation: deleting one more removes the
	// longest-deleted for good.
	MaxInactiveFunnelsPerWebsite = 50
	// MaxFunnelStepURL bounds a pageview step's path, in bytes.
	MaxFunnelStepURL = 500
	// Funnel windows, in days.
	DefaultFunnelWindowDays = 7
	MaxFunnelWindowDays     = 90
)

// Audit actions of funnels.
const (
	AuditFunnelCreate = "funnel.create"
	AuditFunnelUpdate = "funnel.update"
	AuditFunnelDelete = "funnel.delete"
)

// FunnelStore stores funnels.
type FunnelStore interface {
	// Funnels lists a website's funnels, the oldest first: the active
	// ones, and the inactive ones too when inactive is true.
	Funnels(ctx context.Context, websiteID string, inactive bool) ([]*Funnel, error)
	// Funnel returns a funnel of a website, active or not, or ENOTFOUND.
	Funnel(ctx context.Context, websiteID, id string) (*Funnel, error)
	// CreateFunnel inserts f (active), unless its website already has limit
	// active funnels (ELIMIT) or an active funnel with f's slug
	// (ECONFLICT). The checks and the insert are atomic, also across
	// processes.
	CreateFunnel(ctx context.Context, f *Funnel, limit int, audit *AuditEntry) error
	// UpdateFunnel reads a funnel of a website (ENOTFOUND), lets apply
	// change it, and stores the result, atomically; an error from apply
	// aborts. A result that is active must keep the website within limit
	// active funnels (ELIMIT) and have a slug no other active funnel has
	// (ECONFLICT). When the result is inactive, the website's inactive
	// funnels beyond the MaxInactiveFunnelsPerWebsite most recently
	// updated are deleted.
	UpdateFunnel(ctx context.Context, websiteID, id string, apply func(*Funnel) error, limit int, audit *AuditEntry) (*Funnel, error)
}

// Slugify turns a name into a slug: lowercase letters and digits, the
// runs of anything else made one hyphen, none at either end.
// "Signup funnel" → "signup-funnel".
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// NormalizeFunnelName trims a funnel's (or a step's) name and checks it:
// required, at most MaxNameLength characters, safe text, with a letter or
// digit (it names the slug). It returns the name and its slug.
func NormalizeFunnelName(field, raw string) (name, slug string, err error) {
	name = strings.TrimSpace(raw)
	if name == "" {
		return "", "", Errorf(EINVALID, "%s is required.", field)
	}
	if err := CheckText(field, name); err != nil {
		return "", "", err
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", "", Errorf(EINVALID, "%s must be at most %d characters.", field, MaxNameLength)
	}
	slug = Slugify(name)
	if slug == "" {
		return "", "", Errorf(EINVALID, "%s must contain a letter or a digit.", field)
	}
	return name, slug, nil
}

// StepInput is a funnel step as a client sends it. Pointers are nil for
// members not sent.
type StepInput struct {
	Name     *string
	Type     *string
	URL      *string
	GoalName *string
}

// ParseFunnelSteps checks a funnel's steps (MinFunnelSteps to
// MaxFunnelSteps of them) and returns them normalized, each with its id:
// the slug of its name, made unique within the funnel with a -2, -3...
// suffix. Each error names the step (steps[i], counted from 0) and what
// is wrong with it.
func ParseFunnelSteps(in []StepInput) ([]FunnelStep, error) {
	if len(in) < MinFunnelSteps || len(in) > MaxFunnelSteps {
		return nil, Errorf(EINVALID, "A funnel has %d to %d steps; %d given.", MinFunnelSteps, MaxFunnelSteps, len(in))
	}
	out := make([]FunnelStep, 0, len(in))
	seen := map[string]bool{}
	for i, s := range in {
		step, err := parseFunnelStep(fmt.Sprintf("steps[%d]", i), s)
		if err != nil {
			return nil, err
		}
		id := step.ID
		for n := 2; seen[id]; n++ {
			id = fmt.Sprintf("%s-%d", step.ID, n)
		}
		seen[id] = true
		step.ID = id
		out = append(out, step)
	}
	return out, nil
}

func parseFunnelStep(at string, s StepInput) (FunnelStep, error) {
	var step FunnelStep
	if s.Name == nil {
		return step, Errorf(EINVALID, "Invalid step %s: name is required.", at)
	}
	name, slug, err := NormalizeFunnelName(at+".name", *s.Name)
	if err != nil {
		return step, Errorf(EINVALID, "Invalid step %s: %s", at, ErrorMessage(err))
	}
	step.ID, step.Name = slug, name
	label := fmt.Sprintf("Invalid step %s (%q):", at, Truncate(name, 40))
	if s.Type == nil {
		return step, Errorf(EINVALID, "%s type is required: pageview or goal.", label)
	}
	step.Type = *s.Type
	switch step.Type {
	case FunnelStepPageview:
		if s.GoalName != nil {
			return step, Errorf(EINVALID, "%s a pageview step takes url, not goalName.", label)
		}
		if s.URL == nil {
			return step, Errorf(EINVALID, "%s url is required for a pageview step: a path such as /pricing.", label)
		}
		u, err := NormalizeStepURL(*s.URL)
		if err != nil {
			return step, Errorf(EINVALID, "%s %s", label, ErrorMessage(err))
		}
		step.URL = u
	case FunnelStepGoal:
		if s.URL != nil {
			return step, Errorf(EINVALID, "%s a goal step takes goalName, not url.", label)
		}
		if s.GoalName == nil {
			return step, Errorf(EINVALID, "%s goalName is required for a goal step.", label)
		}
		g, err := ParseGoalName(*s.GoalName)
		if err != nil {
			return step, Errorf(EINVALID, "%s %s", label, ErrorMessage(err))
		}
		step.GoalName = g
	default:
		return step, Errorf(EINVALID, "%s type must be pageview or goal, not %q.", label, Truncate(step.Type, 20))
	}
	return step, nil
}

// NormalizeStepURL checks a pageview step's path: it starts with /, has no
// query or fragment, at most MaxFunnelStepURL bytes, and * only as a whole
// segment (/blog/*). Surrounding spaces are trimmed.
func NormalizeStepURL(raw string) (string, error) {
	u := strings.TrimSpace(raw)
	if !strings.HasPrefix(u, "/") {
		return "", Errorf(EINVALID, "url must be a path that starts with /, such as /pricing (not a full URL).")
	}
	if len(u) > MaxFunnelStepURL {
		return "", Errorf(EINVALID, "url must be at most %d characters.", MaxFunnelStepURL)
	}
	if strings.ContainsAny(u, "?# ") || HasUnsafeChars(u) {
		return "", Errorf(EINVALID, "url must be a bare path: no query string, fragment, spaces or control characters.")
	}
	for _, seg := range strings.Split(u[1:], "/") {
		if strings.Contains(seg, "*") && seg != "*" {
			return "", Errorf(EINVALID, "url may use * only as a whole path segment (it stands for one segment, as in /blog/*).")
		}
	}
	return u, nil
}

// CheckFunnelWindow checks a funnel's window in days.
func CheckFunnelWindow(days int) error {
	if days < 1 || days > MaxFunnelWindowDays {
		return Errorf(EINVALID, "windowDays must be from 1 to %d.", MaxFunnelWindowDays)
	}
	return nil
}
