// Package build turns tracker/script.js into the scripts openfast serves:
// script.min.js (/js/script.js) and script.cookieless.min.js
// (/js/script.cookieless.js), minified with tdewolff/minify. The generator
// (tracker/gen, run by go generate) writes them; a test of the tracker
// package builds them again and compares, so the committed files always
// match the source.
package build

import (
	"bytes"
	"fmt"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/js"
)

// CookielessMarker is the line of script.js that the cookieless variant
// turns to true: that script never stores anything, whatever the website's
// setting.
const CookielessMarker = "const onlyCookieless = false;"

// Output is one generated script.
type Output struct {
	Name string // file name in tracker/
	Body []byte
}

// Scripts returns the minified scripts built from src, the text of
// script.js.
func Scripts(src []byte) ([]Output, error) {
	if bytes.Count(src, []byte(CookielessMarker)) != 1 {
		return nil, fmt.Errorf("script.js must hold %q exactly once", CookielessMarker)
	}
	cookieless := bytes.Replace(src, []byte(CookielessMarker), []byte("const onlyCookieless = true;"), 1)
	var out []Output
	for _, s := range []struct {
		name string
		src  []byte
	}{{"script.min.js", src}, {"script.cookieless.min.js", cookieless}} {
		b, err := Minify(s.src)
		if err != nil {
			return nil, fmt.Errorf("minify %s: %w", s.name, err)
		}
		out = append(out, Output{Name: s.name, Body: b})
	}
	return out, nil
}

// Minify minifies JavaScript, keeping to ES2017 syntax, as the source is.
func Minify(src []byte) ([]byte, error) {
	m := minify.New()
	var buf bytes.Buffer
	if err := (&js.Minifier{Version: 2017}).Minify(m, &buf, bytes.NewReader(src), nil); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
