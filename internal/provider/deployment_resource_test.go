package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const deploymentAddress = "gitlabdeploy_deployment.test"

func TestAccDeploymentResource_basic(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(fake.URL(), tokenMaintainer) + fmt.Sprintf(`
resource "gitlabdeploy_deployment" "test" {
  project     = "acme/app"
  environment = "staging"
  ref         = "main"
  sha         = %[1]q
  status      = "running"
}
`, shaMain),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddress, tfjsonpath.New("id"), knownvalue.StringExact("acme/app:6")),
					statecheck.ExpectKnownValue(deploymentAddress, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
