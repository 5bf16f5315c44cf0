package envslug

import "testing"

// The names are the examples of GitLab's spec of Gitlab::Slug::Environment, whose expected slugs
// mock the digest; here each suffix is the real one, the last six base-36 digits of the name's
// SHA-256 as computed by sha256sum and a base-36 conversion outside this package.
func TestSlug_gitLabExamples(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"staging-12345678901234567": "staging-123456789-s729ne",
		"9-staging-123456789012345": "env-9-staging-123-f6hm7j",
		"staging-1234567890123456":  "staging-1234567890123456",
		"staging-1234567890123456-": "staging-123456789-y52hkh",
		"production":                "production",
		"PRODUCTION":                "production-vl4voz",
		"review/1-foo":              "review-1-foo-9tdj0u",
		"1-foo":                     "env-1-foo-1k46wz",
		"1/foo":                     "env-1-foo-t4rmb4",
		"foo-":                      "foo",
		"foo--bar":                  "foo-bar-q006cp",
		"foo**bar":                  "foo-bar-3jfdn1",
		"*-foo":                     "env-foo-i1o6om",
		"staging-12345678-":         "staging-12345678",
		"staging-12345678-01234567": "staging-12345678-f21q2q",
		"":                          "env-qhkd3p",
		// Beyond GitLab's examples: a review app's name, and Ruby's downcase of U+0130, which
		// gives "i" and a combining dot.
		"review/Feature_Login":         "review-feature-lo-topjj8",
		"İ":                            "i-jt62k0",
		"review/app":                   "review-app-8c15it",
		"Staging":                      "staging-p75vhx",
		"123":                          "env-123-7j7izn",
		"a-very-long-environment-name": "a-very-long-envir-8opby0",
		"a--b":                         "a-b-m3ql0o",
	} {
		if got := Slug(name); got != want {
			t.Errorf("Slug(%q) = %q, want %q", name, got, want)
		}
	}
}
