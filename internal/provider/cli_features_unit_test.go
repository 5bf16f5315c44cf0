package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

func TestCLIFeatureCheck_skipReason(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		feature  cliFeature
		openTofu bool
		version  string
		want     string // substring of the reason; "" means the test runs
	}{
		{"terraform 1.11 lacks identity", cliFeatureIdentity, false, "1.11.4", "needs Terraform >= 1.12.0"},
		{"terraform 1.12 has identity", cliFeatureIdentity, false, "1.12.0", ""},
		{"terraform 1.14 prerelease has actions", cliFeatureActions, false, "1.14.0-rc1", ""},
		{"terraform 1.13 lacks query", cliFeatureQuery, false, "1.13.5", "needs Terraform >= 1.14.0"},
		{"opentofu 1.12 has identity", cliFeatureIdentity, true, "1.12.6", ""},
		{"opentofu 1.11 lacks identity", cliFeatureIdentity, true, "1.11.0", "needs OpenTofu >= 1.12.0"},
		{"opentofu has no actions whatever its version", cliFeatureActions, true, "1.20.0", "OpenTofu 1.20.0 has no actions"},
		{"opentofu has no query", cliFeatureQuery, true, "1.14.0", "has no list resources"},
		{"terraform 1.4 lacks import blocks", cliFeatureImportBlock, false, "1.4.7", "needs Terraform >= 1.5.0"},
		{"terraform 1.3 lacks terraform_data", cliFeatureTerraformData, false, "1.3.10", "needs Terraform >= 1.4.0"},
		{"opentofu 1.6 has import blocks", cliFeatureImportBlock, true, "1.6.0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := cliFeatureCheck{feature: tc.feature, openTofu: tc.openTofu}.skipReason(version.Must(version.NewVersion(tc.version)))
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("skipReason = %q, want %q", got, tc.want)
			}
		})
	}
}
