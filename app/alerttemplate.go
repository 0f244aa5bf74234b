package app

import (
	"strings"
	"unicode/utf8"

	"github.com/openfast/openfast"
)

// Alert templates are untrusted text with placeholders, never executed as
// Go templates: the only syntax is {{name}} (spaces inside the braces
// allowed), where name is
//
//	visitor   the visitor id of the firing
//	goal      the goal name
//	website   the website's domain
//	country   the visitor's country code ("unknown" when not known)
//	params.x  the goal's parameter x ("" when the event has none)
//	x         the same, for a name that is not one of the four above
//
// Any other {{...}} is refused when the alert is saved. Values are
// inserted as they are (the mail is plain text; the HTML part escapes
// them), and the output is capped.
const (
	maxRenderedSubject = 250
	maxRenderedMessage = 20_000
)

var builtinPlaceholders = []string{"visitor", "goal", "website", "country"}

// placeholderHelp is the error's hint.
const placeholderHelp = "use {{visitor}}, {{goal}}, {{website}}, {{country}} or {{params.name}} for a goal parameter"

// placeholder reads the name inside {{ }}: a built-in, or a parameter
// name (with or without "params."). ok is false for anything else.
func placeholder(inner string) (name string, param bool, ok bool) {
	inner = strings.TrimSpace(inner)
	if p, found := strings.CutPrefix(inner, "params."); found {
		return p, true, openfast.ValidPropertyName(p)
	}
	for _, b := range builtinPlaceholders {
		if inner == b {
			return inner, false, true
		}
	}
	return inner, true, openfast.ValidPropertyName(inner)
}

// checkTemplate refuses a template with a {{...}} that is not a
// placeholder, or a {{ without its }}.
func checkTemplate(field, tmpl string) error {
	rest := tmpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return invalidf("%s has a {{ without }}; %s.", field, placeholderHelp)
		}
		inner := rest[i+2 : i+2+j]
		if _, _, ok := placeholder(inner); !ok {
			return invalidf("%s: {{%s}} is not a placeholder; %s.", field, openfast.Truncate(inner, 40), placeholderHelp)
		}
		rest = rest[i+2+j+2:]
	}
}

// alertValues are what a firing fills placeholders with.
type alertValues struct {
	Visitor, Goal, Website, Country string
	Params                          map[string]string
}

func (v alertValues) lookup(name string, param bool) string {
	if param {
		return v.Params[name]
	}
	switch name {
	case "visitor":
		return v.Visitor
	case "goal":
		return v.Goal
	case "website":
		return v.Website
	case "country":
		return v.Country
	}
	return ""
}

// renderTemplate fills the placeholders of tmpl (checked when saved; an
// unreadable {{...}} is copied as it is) and caps the result at max bytes.
func renderTemplate(tmpl string, v alertValues, max int) string {
	var b strings.Builder
	rest := tmpl
	for b.Len() < max {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		inner := rest[i+2 : i+2+j]
		if name, param, ok := placeholder(inner); ok {
			b.WriteString(v.lookup(name, param))
		} else {
			b.WriteString(rest[i : i+2+j+2])
		}
		rest = rest[i+2+j+2:]
	}
	s := b.String()
	if len(s) > max {
		s = openfast.Truncate(s, max-3)
	}
	for !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
