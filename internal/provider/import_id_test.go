package provider

import (
	"strings"
	"testing"
)

func TestParseImportID(t *testing.T) {
	t.Parallel()
	valid := []struct {
		id, project string
		deployment  int64
	}{
		{"1:42", "1", 42},
		{"acme/app:42", "acme/app", 42},
		{"acme/sub.group/my-app:7", "acme/sub.group/my-app", 7},
	}
	for _, tc := range valid {
		project, id, err := parseImportID(tc.id)
		if err != nil || project != tc.project || id != tc.deployment {
			t.Errorf("parseImportID(%q) = %q, %d, %v; want %q, %d", tc.id, project, id, err, tc.project, tc.deployment)
		}
	}
	invalid := []struct{ id, mentions string }{
		{"", "no colon"},
		{"42", "no colon"},
		{"acme/app", "no colon"},
		{":42", "project is empty"},
		{"acme/app:", "not a positive whole number"},
		{"acme/app:0", "not a positive whole number"},
		{"acme/app:-3", "not a positive whole number"},
		{"acme/app:+3", "not a positive whole number"},
		{"acme/app:007", "not a positive whole number"},
		{"acme/app:4x", "not a positive whole number"},
		{"acme/app:99999999999999999999", "not a positive whole number"},
		{"app:42", "neither a numeric id nor a full path"},
		{"acme//app:42", "empty segment"},
		{"/acme/app:42", "empty segment"},
		{" acme/app:42", "spaces"},
		{"acme/my app:42", "spaces"},
		{"a/b:c:5", "colon"},
	}
	for _, tc := range invalid {
		_, _, err := parseImportID(tc.id)
		if err == nil {
			t.Errorf("parseImportID(%q) succeeded; want an error", tc.id)
			continue
		}
		if !strings.Contains(err.Error(), tc.mentions) || !strings.Contains(err.Error(), importIDFormat) {
			t.Errorf("parseImportID(%q) error %q; want it to mention %q and the format %s", tc.id, err, tc.mentions, importIDFormat)
		}
	}
}

// FuzzParseImportID checks that parsing never panics and that what it accepts renders back to
// the same id.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{"1:42", "acme/app:42", "acme/app:0", "a:b:c", "", ":", "acme//app:1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		project, deployment, err := parseImportID(id)
		if err != nil {
			return
		}
		if got := deploymentResourceID(project, deployment); got != id {
			t.Errorf("parseImportID(%q) = %q, %d, which renders back as %q", id, project, deployment, got)
		}
		if checkProject(project) != nil || deployment <= 0 {
			t.Errorf("parseImportID(%q) accepted project %q and deployment %d", id, project, deployment)
		}
	})
}
