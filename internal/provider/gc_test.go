package provider

import "testing"

func TestUserTunesGC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"GOGC": "200"}, true},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, true},
		{map[string]string{"GOMEMLIMIT": "512MiB"}, true},
	} {
		if got := userTunesGC(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("userTunesGC(%v) = %t, want %t", tc.env, got, tc.want)
		}
	}
}
