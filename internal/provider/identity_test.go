package provider

import (
	"context"
	"fmt"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// CLI-level tests of resource identities: they need Terraform >= 1.12 or OpenTofu >= 1.12 and
// skip, saying so, on older CLIs.

var identityCLI = []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureIdentity)}

// Ways to name seeded deployment 2 of acme/app (project id 1) in an import block.
const (
	importByIdentityTarget = `identity = {
    project_id    = 1
    deployment_id = 2
  }`
	importByIDTarget = `id = "acme/app:2"`
)

// importOfDeployment2 imports seeded deployment 2, success in staging, as target says, with
// project written as given.
func importOfDeployment2(fake *fakegitlab.Server, target, project string) string {
	return providerBlock(fake.URL(), tokenMaintainer) + fmt.Sprintf(`
import {
  to = gitlabdeploy_deployment.test
  %s
}

resource "gitlabdeploy_deployment" "test" {
  project     = %q
  environment = "staging"
  ref         = "main"
  sha         = %q
  status      = "success"
}
`, target, project, shaMain)
}

var deployment2Identity = statecheck.ExpectIdentity(deploymentAddress, map[string]knownvalue.Check{
	"project_id":    knownvalue.Int64Exact(1),
	"deployment_id": knownvalue.Int64Exact(2),
})

// TestAccDeploymentResource_identity: a created deployment's identity holds the numeric ids,
// and importing it by that identity against the same configuration is a pure import.
func TestAccDeploymentResource_identity(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityCLI,
		Steps: []resource.TestStep{
			{
				Config: staging("running").config(fake, tokenMaintainer),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValue(deploymentAddress, tfjsonpath.New("project_id"), knownvalue.Int64Exact(1)),
					statecheck.ExpectIdentityValueMatchesStateAtPath(deploymentAddress, tfjsonpath.New("deployment_id"), tfjsonpath.New("deployment_id")),
				},
			},
			{
				ResourceName:    deploymentAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

// TestAccDeploymentResource_importByIdentity imports a deployment with an identity import
// block: a pure import when project is its path, an in-place change of project's spelling alone
// (nothing sent to GitLab) when it is the numeric id; either way the next plan is empty.
func TestAccDeploymentResource_importByIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		project string
		action  plancheck.ResourceActionType
	}{
		{"acme/app", plancheck.ResourceActionNoop},
		// Applying the change of spelling compares the numeric id with the identity's project_id:
		// nothing is sent.
		{"1", plancheck.ResourceActionUpdate},
	} {
		t.Run("project "+tc.project, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   identityCLI,
				Steps: []resource.TestStep{{
					Config: importOfDeployment2(fake, importByIdentityTarget, tc.project),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(deploymentAddress, tc.action),
							// The project's path for the state, the deployment, and whether its ref is a tag.
							requests{fake, map[string]int{routeProject: 1, routeGet: 1, routeTag: 1}, "importing by identity", nil},
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						deployment2Identity,
						expectState("project", knownvalue.StringExact(tc.project)),
						expectState("deployment_id", knownvalue.Int64Exact(2)),
						requests{fake, nil, "applying the import", nil},
					},
				}},
			})
		})
	}
}

// TestAccDeploymentResource_identityUpgrade: a state written by a version without identities
// gets its identity on the next refresh, with an empty plan.
func TestAccDeploymentResource_identityUpgrade(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	config := importOfDeployment2(fake, importByIDTarget, "acme/app")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: identityCLI,
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: withoutIdentities,
				Config:                   config,
				ConfigStateChecks:        []statecheck.StateCheck{noIdentityIn(deploymentAddress)},
			},
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Config:                   config,
				ConfigPlanChecks:         resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks:        []statecheck.StateCheck{deployment2Identity},
			},
		},
	})
}

// TestAccDeploymentApprovalResource_importByIdentity imports dev's approval of deployment 5 with
// an identity import block: a pure import, then an empty plan.
func TestAccDeploymentApprovalResource_importByIdentity(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	const address = "gitlabdeploy_deployment_approval.test"
	config := providerBlock(fake.URL(), tokenDeveloper) + `
import {
  to       = gitlabdeploy_deployment_approval.test
  identity = {
    project_id    = 1
    deployment_id = 5
    user_id       = 3
  }
}

resource "gitlabdeploy_deployment_approval" "test" {
  project       = "acme/app"
  deployment_id = 5
  status        = "approved"
  comment       = "Checked on staging."
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityCLI,
		Steps: []resource.TestStep{{
			PreConfig: func() { decideAs(t, fake, tokenDeveloper, 5, "approved", "Checked on staging.", "") },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionNoop)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity(address, map[string]knownvalue.Check{
					"project_id":    knownvalue.Int64Exact(1),
					"deployment_id": knownvalue.Int64Exact(5),
					"user_id":       knownvalue.Int64Exact(3),
					"rule_id":       knownvalue.Null(),
				}),
				statecheck.ExpectKnownValue(address, tfjsonpath.New("username"), knownvalue.StringExact("dev")),
			},
		}},
	})
}

// noIdentityIn checks that the state holds the resource without an identity.
func noIdentityIn(address string) statecheck.StateCheck {
	return stateCheckFunc(func(_ context.Context, s *tfjson.State) error {
		for _, r := range s.Values.RootModule.Resources {
			if r.Address == address && len(r.IdentityValues) > 0 {
				return fmt.Errorf("%s has identity %v, want none", address, r.IdentityValues)
			}
		}
		return nil
	})
}

// withoutIdentities is the provider as a version without identities served it: no identity
// schemas, no identities in answers.
var withoutIdentities = map[string]func() (tfprotov6.ProviderServer, error){
	"gitlabdeploy": func() (tfprotov6.ProviderServer, error) {
		s, err := providerserver.NewProtocol6WithError(newWithOptions("test", testProviderOptions(nil))())()
		return identitylessServer{s}, err
	},
}

type identitylessServer struct{ tfprotov6.ProviderServer }

func (s identitylessServer) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s identitylessServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		resp.NewIdentity = nil
	}
	return resp, err
}

func (s identitylessServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		resp.PlannedIdentity = nil
	}
	return resp, err
}

func (s identitylessServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		resp.NewIdentity = nil
	}
	return resp, err
}

func (s identitylessServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp, err := s.ProviderServer.ImportResourceState(ctx, req)
	if resp != nil {
		for _, r := range resp.ImportedResources {
			r.Identity = nil
		}
	}
	return resp, err
}

// TestAccDeploymentApprovalResource_identityRule: a decision recorded with represented_as
// names its rule in its identity, one without does not; the latter imports by identity as a pure
// import.
func TestAccDeploymentApprovalResource_identityRule(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	const maintainer = "gitlabdeploy_deployment_approval.maintainer"
	config := approvalArgs{deployment: 1, status: "approved", representedAs: "security", extra: `
resource "gitlabdeploy_deployment_approval" "maintainer" {
  project       = "acme/app"
  deployment_id = 1
  status        = "approved"
}
`}.config(fake, "sam-token")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityCLI,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(approvalAddress, map[string]knownvalue.Check{
						"project_id":    knownvalue.Int64Exact(1),
						"deployment_id": knownvalue.Int64Exact(1),
						"user_id":       knownvalue.Int64Exact(5),
						"rule_id":       knownvalue.Int64Exact(ruleSecurityTeam),
					}),
					statecheck.ExpectIdentityValue(maintainer, tfjsonpath.New("rule_id"), knownvalue.Null()),
					statecheck.ExpectIdentityValueMatchesStateAtPath(maintainer, tfjsonpath.New("user_id"), tfjsonpath.New("user_id")),
				},
			},
			{
				ResourceName:    maintainer,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
