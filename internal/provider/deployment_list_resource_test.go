package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// CLI-level tests of the list resource: they need Terraform >= 1.14 (OpenTofu has no terraform
// query) and skip, saying so, on other CLIs.

const stagingListAddress = "gitlabdeploy_deployment.staging"

// stagingQuery lists acme/app's staging deployments (2 success, 3 failed, both through the API,
// and 4 running, from a CI job), with extra HCL in the list block.
func stagingQuery(extra string) string {
	return fmt.Sprintf(`
list "gitlabdeploy_deployment" "staging" {
  provider = gitlabdeploy
%s
  config {
    project     = "acme/app"
    environment = "staging"
  }
}
`, extra)
}

func byDeployment(id int64) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
		"project_id": knownvalue.Int64Exact(1), "deployment_id": knownvalue.Int64Exact(id),
	})
}

// TestAccDeploymentListResource_query runs terraform query: identities and display names of the
// results, the full resources with include_resource, and the limit.
func TestAccDeploymentListResource_query(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureQuery)},
		Steps: []resource.TestStep{
			{Config: providerBlock(fake.URL(), tokenMaintainer)},
			{
				Query:  true,
				Config: stagingQuery(""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(stagingListAddress, 3),
					querycheck.ExpectIdentity(stagingListAddress, map[string]knownvalue.Check{
						"project_id": knownvalue.Int64Exact(1), "deployment_id": knownvalue.Int64Exact(3),
					}),
					querycheck.ExpectResourceDisplayName(stagingListAddress, byDeployment(3),
						knownvalue.StringExact("#3 staging failed main@01234567")),
					querycheck.ExpectResourceDisplayName(stagingListAddress, byDeployment(4),
						knownvalue.StringExact("#4 staging running main@a91957a8")),
				},
			},
			{
				Query:  true,
				Config: stagingQuery("  include_resource = true"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectResourceKnownValues(stagingListAddress, byDeployment(3), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("project"), KnownValue: knownvalue.StringExact("acme/app")},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("failed")},
						{Path: tfjsonpath.New("sha"), KnownValue: knownvalue.StringExact(shaOld)},
						{Path: tfjsonpath.New("tag"), KnownValue: knownvalue.Bool(false)},
						{Path: tfjsonpath.New("approvals"), KnownValue: knownvalue.ListSizeExact(0)},
					}),
					querycheck.ExpectResourceKnownValues(stagingListAddress, byDeployment(4), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("deployable").AtMapKey("name"), KnownValue: knownvalue.StringExact("deploy-staging")},
					}),
				},
			},
			{
				Query:  true,
				Config: stagingQuery("  limit = 2"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(stagingListAddress, 2),
				},
			},
		},
	})
}

// TestAccDeploymentListResource_pairingRefused: a filter pairing GitLab refuses fails the query
// with the data source's message, before any request.
func TestAccDeploymentListResource_pairingRefused(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureQuery)},
		Steps: []resource.TestStep{
			{Config: providerBlock(fake.URL(), tokenMaintainer)},
			{
				PreConfig: fake.ResetStats,
				Query:     true,
				Config: `
list "gitlabdeploy_deployment" "finished" {
  provider = gitlabdeploy
  config {
    project        = "acme/app"
    finished_after = "2026-01-01T00:00:00Z"
    order_by       = "finished_at"
  }
}
`,
				ExpectError: errorMatching("Deployment Filter Needs Success Status", `status = "success"`),
			},
			{
				PreConfig: func() {
					if got := fake.Stats().Total; got != 0 {
						t.Errorf("a refused pairing sent %d requests, want 0", got)
					}
				},
				Config: providerBlock(fake.URL(), tokenMaintainer),
			},
		},
	})
}

// TestAccDeploymentListResource_generateConfig adopts acme/app's staging deployments: terraform
// query -generate-config-out writes configuration whose plan is three imports and nothing else,
// and after the apply the next plan is empty.
func TestAccDeploymentListResource_generateConfig(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.skipUnlessSupports(cliFeatureQuery)
	cli.writeConfig(providerBlock(fake.URL(), tokenMaintainer))
	if err := os.WriteFile(filepath.Join(cli.dir, "adopt.tfquery.hcl"), []byte(stagingQuery("  include_resource = true")), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.mustRun(nil, []string{"query", "-no-color", "-generate-config-out=generated.tf"})
	generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`identity = {`, `deployment_id = 4`, `project\s+= "acme/app"`} {
		if !regexp.MustCompile(want).Match(generated) {
			t.Errorf("generated.tf holds no %s:\n%s", want, generated)
		}
	}

	cli.mustRun(nil, []string{"plan", "-no-color", "-out=adopt.tfplan"})
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(cli.mustRun(nil, []string{"show", "-json", "adopt.tfplan"}).stdout), &plan); err != nil {
		t.Fatal(err)
	}
	imported := map[string]bool{}
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Importing == nil || !rc.Change.Actions.NoOp() {
			t.Errorf("%s: plan %v (importing %v), want a pure import", rc.Address, rc.Change.Actions, rc.Change.Importing != nil)
		}
		imported[rc.Address] = true
	}
	if len(imported) != 3 {
		t.Errorf("plan imports %v, want acme/app's 3 staging deployments", imported)
	}
	cli.mustRun(nil, []string{"apply", "-no-color", "adopt.tfplan"})
	cli.mustRun(nil, []string{"plan", "-no-color", "-detailed-exitcode"}, 0)
	if got := cli.deployments(); len(got) != 3 || got[2] != "success" || got[3] != "failed" || got[4] != "running" {
		t.Errorf("state holds %v, want deployments 2 success, 3 failed, 4 running", got)
	}
}

// skipUnlessSupports skips the test, saying why, when the CLI lacks the feature.
func (c *terraformCLI) skipUnlessSupports(f cliFeature) {
	c.t.Helper()
	if reason := c.lacks(f); reason != "" {
		c.t.Skip(reason)
	}
}

// lacks says why the CLI lacks the feature, "" when it has it.
func (c *terraformCLI) lacks(f cliFeature) string {
	c.t.Helper()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(c.mustRun(nil, []string{"version", "-json"}).stdout), &v); err != nil {
		c.t.Fatal(err)
	}
	cliVersion, err := version.NewVersion(v.Version)
	if err != nil {
		c.t.Fatal(err)
	}
	return (cliFeatureCheck{feature: f, openTofu: cliIsOpenTofu()}).skipReason(cliVersion)
}
