package provider

import "testing"

func TestWantBallast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, true},
		{map[string]string{"GOGC": "200"}, false},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, false},
		{map[string]string{"GOMEMLIMIT": "512MiB"}, false},
	} {
		if got := wantBallast(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("wantBallast(%v) = %t, want %t", tc.env, got, tc.want)
		}
	}
}
