package openfast

import (
	"math"
	"testing"
)

func TestCoordinatesOf(t *testing.T) {
	for _, c := range []struct {
		lat, lon float64
		want     Coordinates
	}{
		{51.5142, -0.0931, Coordinates{51.51, -0.09, true}},
		{39.7392, -104.9903, Coordinates{39.74, -104.99, true}},
		{-33.8688, 151.2093, Coordinates{-33.87, 151.21, true}},
		{90, 180, Coordinates{90, 180, true}},
		{-0.001, 6.7296, Coordinates{0, 6.73, true}}, // no -0
		// The value of a float32 column reads back as the value stored.
		{float64(float32(51.51)), float64(float32(-0.09)), Coordinates{51.51, -0.09, true}},
		{0, 0, Coordinates{}},
		{0.001, -0.004, Coordinates{}},
		{90.01, 0, Coordinates{}},
		{0, -180.5, Coordinates{}},
		{math.NaN(), 1, Coordinates{}},
		{1, math.Inf(1), Coordinates{}},
	} {
		got := CoordinatesOf(c.lat, c.lon)
		if got != c.want || math.Signbit(got.Latitude) != math.Signbit(c.want.Latitude) {
			t.Errorf("CoordinatesOf(%v, %v) = %+v, want %+v", c.lat, c.lon, got, c.want)
		}
	}
}
