package api

import (
	"net/url"
	"strconv"

	"github.com/openfast/openfast"
)

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, openfast.Errorf(openfast.EINVALID, "%s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

func invalidf(format string, args ...any) error {
	return openfast.Errorf(openfast.EINVALID, format, args...)
}
