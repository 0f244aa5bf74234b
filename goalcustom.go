package openfast

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Goal customization limits.
const (
	// MaxGoalCustomizationsPerWebsite bounds the customizations a website
	// keeps: the store refuses a new one beyond it with ELIMIT.
	MaxGoalCustomizationsPerWebsite = 500
	MaxGoalDisplayName              = 80
	MaxGoalDescription              = 300
)

// GoalCustomization is the display-only metadata of one goal of a website:
// a name to show instead of the goal name, a colour from GoalPalette and a
// description. nil members are unset.
type GoalCustomization struct {
	WebsiteID   string
	GoalName    string
	DisplayName *string
	Color       *string // a hex colour of GoalPalette, lowercase
	Description *string
	UpdatedAt   time.Time
}

// Empty reports whether the customization sets nothing.
func (g *GoalCustomization) Empty() bool {
	return g.DisplayName == nil && g.Color == nil && g.Description == nil
}

// GoalColor is one colour of GoalPalette.
type GoalColor struct {
	Color  string // #rrggbb, lowercase
	Label  string
	Family string
}

// GoalPalette is the colours a goal can have (the 500 shades of the
// Tailwind palette). Its families are also the palette names that a
// website's kpiColorScheme accepts; the dashboard has a CSS class for each.
var GoalPalette = []GoalColor{
	{"#ef4444", "Red", "red"},
	{"#f97316", "Orange", "orange"},
	{"#f59e0b", "Amber", "amber"},
	{"#eab308", "Yellow", "yellow"},
	{"#84cc16", "Lime", "lime"},
	{"#22c55e", "Green", "green"},
	{"#10b981", "Emerald", "emerald"},
	{"#14b8a6", "Teal", "teal"},
	{"#06b6d4", "Cyan", "cyan"},
	{"#0ea5e9", "Sky", "sky"},
	{"#3b82f6", "Blue", "blue"},
	{"#6366f1", "Indigo", "indigo"},
	{"#8b5cf6", "Violet", "violet"},
	{"#a855f7", "Purple", "purple"},
	{"#d946ef", "Fuchsia", "fuchsia"},
	{"#ec4899", "Pink", "pink"},
	{"#f43f5e", "Rose", "rose"},
	{"#64748b", "Slate", "slate"},
	{"#6b7280", "Gray", "gray"},
}

// GoalColorByHex finds a colour of GoalPalette by its hex value, in any
// case, with or without the leading #.
func GoalColorByHex(s string) (GoalColor, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "#") {
		s = "#" + s
	}
	for _, c := range GoalPalette {
		if c.Color == s {
			return c, true
		}
	}
	return GoalColor{}, false
}

// GoalColorFamily finds a colour of GoalPalette by its family name.
func GoalColorFamily(family string) (GoalColor, bool) {
	for _, c := range GoalPalette {
		if c.Family == family {
			return c, true
		}
	}
	return GoalColor{}, false
}

// NormalizeGoalText trims the display name or description of a goal and
// checks its characters and length (in characters). Empty means none.
func NormalizeGoalText(field, s string, maxLen int) (*string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if err := CheckText(field, s); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxLen {
		return nil, Errorf(EINVALID, "%s must be at most %d characters.", field, maxLen)
	}
	return &s, nil
}

// GoalCustomizationStore stores goal customizations.
type GoalCustomizationStore interface {
	// GoalCustomizations lists a website's customizations by goal name
	// (at most MaxGoalCustomizationsPerWebsite of them).
	GoalCustomizations(ctx context.Context, websiteID string) ([]*GoalCustomization, error)
	// UpdateGoalCustomization reads the customization of a goal (an empty
	// one when there is none), lets apply change it, and stores the
	// result with UpdatedAt set, atomically. A result that sets nothing is
	// deleted. A new customization of a website that already has limit
	// is refused with ELIMIT. audit, when not nil, is recorded in the same
	// transaction.
	UpdateGoalCustomization(ctx context.Context, websiteID, goalName string, apply func(*GoalCustomization), limit int, audit *AuditEntry) (*GoalCustomization, error)
}

// GoalCustomizationLimit is the error of a new customization beyond limit.
func GoalCustomizationLimit(limit int) error {
	return Errorf(ELIMIT, "Goal customization limit reached: a website can customize at most %d goals. Clear the customization of a goal you no longer use first.", limit)
}
