package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// cliFeature is a capability of the CLI under test that some acceptance tests need. A version
// check cannot tell OpenTofu from Terraform (both report their own version as terraform_version),
// so the CLI's kind comes from TF_ACC_PROVIDER_HOST, which GNUmakefile sets to OpenTofu's
// registry when the CLI it found is OpenTofu.
type cliFeature struct {
	name      string
	terraform *version.Version // first Terraform release with the feature
	opentofu  *version.Version // first OpenTofu release with it, or nil when it has none
}

// OpenTofu 1.6, its first release, forked from Terraform 1.6 and has everything older Terraform
// releases added: import blocks (Terraform 1.5) and terraform_data (Terraform 1.4) among them.
var openTofuFirst = version.Must(version.NewVersion("1.6.0"))

var (
	// Tests written with import blocks or terraform_data use CLI features newer than the oldest
	// CLI the provider supports (Terraform 1.0, protocol 6); they skip on older CLIs so that CI
	// can run the rest of the suite there.
	cliFeatureImportBlock   = cliFeature{"the import block", tfversion.Version1_5_0, openTofuFirst}
	cliFeatureTerraformData = cliFeature{"the terraform_data resource", tfversion.Version1_4_0, openTofuFirst}

	// The audit guide's examples: check blocks, postconditions of data sources, terraform test.
	cliFeatureCheckBlock    = cliFeature{"check blocks", tfversion.Version1_5_0, openTofuFirst}
	cliFeaturePostcondition = cliFeature{"postconditions", tfversion.Version1_2_0, openTofuFirst}
	cliFeatureTestCommand   = cliFeature{"terraform test", tfversion.Version1_6_0, openTofuFirst}

	cliFeatureFunctions = cliFeature{"provider-defined functions", tfversion.Version1_8_0, version.Must(version.NewVersion("1.7.0"))}
	cliFeatureIdentity  = cliFeature{"resource identity", tfversion.Version1_12_0, version.Must(version.NewVersion("1.12.0"))}
	cliFeatureQuery     = cliFeature{"list resources and terraform query", tfversion.Version1_14_0, nil}
	cliFeatureActions   = cliFeature{"actions", tfversion.Version1_14_0, nil}

	// Terraform 1.16: action triggers on before_destroy and after_destroy, and on_failure.
	cliFeatureDestroyTriggers = cliFeature{"action triggers on destroy and on_failure", version.Must(version.NewVersion("1.16.0")), nil}
	// lifecycle { destroy = false }: Terraform 1.16 and OpenTofu 1.12.
	cliFeatureLifecycleDestroy = cliFeature{"lifecycle { destroy = false }", version.Must(version.NewVersion("1.16.0")), version.Must(version.NewVersion("1.12.0"))}
)

// cliIsOpenTofu reports whether the acceptance tests run under OpenTofu.
func cliIsOpenTofu() bool {
	return os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org"
}

// skipUnlessCLISupports is a TerraformVersionChecks entry that skips the test, saying why, when
// the CLI under test lacks the feature.
func skipUnlessCLISupports(f cliFeature) tfversion.TerraformVersionCheck {
	return cliFeatureCheck{feature: f, openTofu: cliIsOpenTofu()}
}

type cliFeatureCheck struct {
	feature  cliFeature
	openTofu bool
}

func (c cliFeatureCheck) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	resp.Skip = c.skipReason(req.TerraformVersion)
}

// skipReason is "" when the CLI of that version supports the feature.
func (c cliFeatureCheck) skipReason(v *version.Version) string {
	f := c.feature
	switch {
	case c.openTofu && f.opentofu == nil:
		return fmt.Sprintf("OpenTofu %s has no %s; run with a Terraform >= %s (TF_ACC_TERRAFORM_PATH) to test it", v, f.name, f.terraform)
	case c.openTofu && v.Core().LessThan(f.opentofu):
		return fmt.Sprintf("%s needs OpenTofu >= %s; this is OpenTofu %s", f.name, f.opentofu, v)
	case !c.openTofu && v.Core().LessThan(f.terraform):
		return fmt.Sprintf("%s needs Terraform >= %s; this is Terraform %s: set TF_ACC_TERRAFORM_PATH to a newer CLI to test it", f.name, f.terraform, v)
	}
	return ""
}
