package app

import "testing"

func TestReportFormatting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"999", "999"}, {"1000", "1,000"}, {"1234567", "1,234,567"}, {"-1234.50", "-1,234.50"}, {"123456.78", "123,456.78"},
	} {
		if got := grouped(tc.in); got != tc.want {
			t.Errorf("grouped(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		cur, prev float64
		want      string
	}{
		{12, 10, "+20%"}, {8, 10, "-20%"}, {10, 10, "±0%"}, {10.04, 10, "±0%"}, {5, 0, "new"}, {0, 0, "±0%"}, {0, 4, "-100%"},
	} {
		if got := change(tc.cur, tc.prev); got != tc.want {
			t.Errorf("change(%v, %v) = %s, want %s", tc.cur, tc.prev, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    []int64
		want float64
	}{{[]int64{20, 10, 14, 12}, 13}, {[]int64{3, 1, 2}, 2}, {nil, 0}, {[]int64{0, 0, 0, 100}, 0}} {
		if got := median(tc.v); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
