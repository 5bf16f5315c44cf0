package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// reviewDeployments is two successful deployments to environment review/x of acme/app, both to
// be deleted on destroy: "old" (6, at shaOld) and "current" (7, recorded after it, so the one
// currently deployed), beside a resource of another provider. currentOnDestroy is current's.
func reviewDeployments(fake *fakegitlab.Server, currentOnDestroy string) string {
	return providerBlock(fake.URL(), tokenMaintainer) + fmt.Sprintf(`
resource "terraform_data" "other" {
  input = "still here"
}

resource "gitlabdeploy_deployment" "old" {
  project     = "acme/app"
  environment = "review/x"
  ref         = "main"
  sha         = %[1]q
  status      = "success"
  on_destroy  = "delete"
}

resource "gitlabdeploy_deployment" "current" {
  project     = "acme/app"
  environment = "review/x"
  ref         = "main"
  sha         = %[2]q
  status      = "success"
  on_destroy  = %[3]q
  depends_on  = [gitlabdeploy_deployment.old]
}
`, shaOld, shaMain, currentOnDestroy)
}

// The destroy of a deployment GitLab will refuse to delete, the one currently deployed to its
// environment, fails at its plan, with the fix, before anything is destroyed; the destroy plans
// of the environment's two deployments read the environment once. Once on_destroy = "keep" is
// applied, the destroy goes through (the test's own final destroy) and deletes the other one.
func TestAccDeploymentResource_destroyOfCurrentDeploymentRefusedAtPlan(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: reviewDeployments(fake, onDestroyDelete)},
			{
				PreConfig: fake.ResetStats,
				Config:    reviewDeployments(fake, onDestroyDelete),
				Destroy:   true,
				ExpectError: errorMatching("Deployment Cannot Be Destroyed",
					`GitLab refuses to delete deployment 7 of project "acme/app" because it is the deployment currently deployed to environment "review/x"`,
					`on_destroy = "delete" asks to delete it`, "nothing has been destroyed",
					`set on_destroy = "keep" and apply it before destroying`, "or delete the environment"),
			},
			{
				PreConfig: func() {
					stats := fake.Stats()
					if n := stats.ByRoute[routeList]; n != 1 {
						t.Errorf("the destroy plan listed environment review/x %d times, want once: %s", n, routeCounts(stats.ByRoute))
					}
					if n := stats.ByRoute[routeDelete]; n != 0 {
						t.Errorf("the refused destroy sent %d deletes", n)
					}
				},
				Config: reviewDeployments(fake, onDestroyKeep),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("terraform_data.other", tfjsonpath.New("output"), knownvalue.StringExact("still here")),
					statecheck.ExpectKnownValue("gitlabdeploy_deployment.old", tfjsonpath.New("deployment_id"), knownvalue.Int64Exact(6)),
					statecheck.ExpectKnownValue("gitlabdeploy_deployment.current", tfjsonpath.New("deployment_id"), knownvalue.Int64Exact(7)),
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := fake.Stats().ByRoute[routeDelete]; n != 1 {
				return fmt.Errorf("the final destroy sent %d deletes, want 1 (deployment 6)", n)
			}
			return nil
		},
	})
}
