package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

const deploymentAddress = "gitlabdeploy_deployment.test"

// deploymentArgs renders resource "test". Empty strings leave an argument out.
type deploymentArgs struct {
	project, environment, ref, sha, status, onDestroy string
	tag                                               *bool
	extra                                             string // more HCL inside the block
}

func (a deploymentArgs) config(fake *fakegitlab.Server, token string) string {
	return providerBlock(fake.URL(), token) + a.resource()
}

// resource renders the resource block alone.
func (a deploymentArgs) resource() string {
	var b strings.Builder
	b.WriteString("\nresource \"gitlabdeploy_deployment\" \"test\" {\n")
	line := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %-11s = %q\n", name, value)
		}
	}
	line("project", a.project)
	line("environment", a.environment)
	line("ref", a.ref)
	line("sha", a.sha)
	line("status", a.status)
	line("on_destroy", a.onDestroy)
	if a.tag != nil {
		fmt.Fprintf(&b, "  tag         = %t\n", *a.tag)
	}
	b.WriteString(a.extra)
	b.WriteString("}\n")
	return b.String()
}

// staging is a deployment of release/1.x to acme/app's unprotected staging. (Not main: GitLab
// answers a create of main's success with the seeded deployment 2, which is current.)
func staging(status string) deploymentArgs {
	return deploymentArgs{project: "acme/app", environment: "staging", ref: "release/1.x", sha: shaRelease, status: status}
}

// errorMatching matches a diagnostic holding parts in order, however Terraform wraps its lines.
func errorMatching(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}

func ptr[T any](v T) *T { return &v }

func expectAction(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentAddress, action)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

var emptyPlanAfterApply = resource.ConfigPlanChecks{
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

func expectState(attr string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(deploymentAddress, tfjsonpath.New(attr), value)
}

// gitlabDeployment reads a deployment from the fake, or nil when GitLab has none.
func gitlabDeployment(t *testing.T, fake *fakegitlab.Server, id int64) *gitlabapi.Deployment {
	t.Helper()
	d, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", id)
	if errors.Is(err, gitlabapi.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading deployment %d: %v", id, err)
	}
	return d
}

// captureDeploymentID is a state check that stores the deployment_id of resource address into *id.
func captureDeploymentID(address string, id *int64) statecheck.StateCheck {
	return stateCheckFunc(func(_ context.Context, s *tfjson.State) error {
		if s != nil && s.Values != nil && s.Values.RootModule != nil {
			for _, r := range s.Values.RootModule.Resources {
				if r.Address == address {
					_, err := fmt.Sscan(fmt.Sprint(r.AttributeValues["deployment_id"]), id)
					return err
				}
			}
		}
		return fmt.Errorf("%s not in state", address)
	})
}

func TestAccDeploymentResource_basic(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	config := staging("running").config(fake, tokenMaintainer)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureImportBlock)},
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: expectAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					// Five deployments are seeded; this is the sixth, in project and globally.
					expectState("id", knownvalue.StringExact("acme/app:6")),
					expectState("deployment_id", knownvalue.Int64Exact(6)),
					expectState("iid", knownvalue.Int64Exact(6)),
					expectState("project", knownvalue.StringExact("acme/app")),
					expectState("environment", knownvalue.StringExact("staging")),
					expectState("environment_id", knownvalue.NotNull()),
					expectState("ref", knownvalue.StringExact("release/1.x")),
					expectState("sha", knownvalue.StringExact(shaRelease)),
					expectState("tag", knownvalue.Bool(false)),
					expectState("status", knownvalue.StringExact("running")),
					expectState("on_destroy", knownvalue.StringExact("keep")),
					expectState("created_at", knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
					expectState("updated_at", knownvalue.NotNull()),
					expectState("user", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":       knownvalue.Int64Exact(2),
						"username": knownvalue.StringExact("mae"),
						"name":     knownvalue.StringExact("Mae Maintainer"),
					})),
					expectState("deployable", knownvalue.Null()),
					expectState("pending_approval_count", knownvalue.Int64Exact(0)),
					expectState("approvals", knownvalue.ListExact(nil)),
				},
			},
			{
				ResourceName:      deploymentAddress,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config:          config,
				ResourceName:    deploymentAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

func TestAccDeploymentResource_statusUpdates(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameCreatedAt := statecheck.CompareValue(compare.ValuesSame())
	step := func(status string, action plancheck.ResourceActionType) resource.TestStep {
		return resource.TestStep{
			Config:           staging(status).config(fake, tokenMaintainer),
			ConfigPlanChecks: expectAction(action),
			ConfigStateChecks: []statecheck.StateCheck{
				expectState("status", knownvalue.StringExact(status)),
				sameID.AddStateValue(deploymentAddress, tfjsonpath.New("id")),
				sameCreatedAt.AddStateValue(deploymentAddress, tfjsonpath.New("created_at")),
			},
		}
	}
	var id int64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step("running", plancheck.ResourceActionCreate),
			step("success", plancheck.ResourceActionUpdate),
			step("failed", plancheck.ResourceActionUpdate),
			step("canceled", plancheck.ResourceActionUpdate),
			step("success", plancheck.ResourceActionUpdate),
			{
				Config:            staging("success").config(fake, tokenMaintainer),
				ConfigStateChecks: []statecheck.StateCheck{captureDeploymentID(deploymentAddress, &id)},
			},
			{
				// GitLab holds the status Terraform set.
				PreConfig: func() {
					if d := gitlabDeployment(t, fake, id); d == nil || d.Status != "success" {
						t.Errorf("GitLab holds %+v, want deployment %d in success", d, id)
					}
				},
				Config:   staging("success").config(fake, tokenMaintainer),
				PlanOnly: true,
			},
		},
	})
}

// GitLab moves a deployment to running only from created or blocked, which API-created
// deployments never are: every such change fails at plan time and changes nothing.
func TestAccDeploymentResource_refusedTransitions(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	refused := func(from string) resource.TestStep {
		return resource.TestStep{
			Config: staging("running").config(fake, tokenMaintainer),
			ExpectError: errorMatching("Status Change Refused by GitLab", `from "`+from+`" to "running"`,
				`only from "created" or "blocked"`),
		}
	}
	statusIs := func(status string) []statecheck.StateCheck {
		return []statecheck.StateCheck{expectState("status", knownvalue.StringExact(status))}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: staging("success").config(fake, tokenMaintainer), ConfigPlanChecks: emptyPlanAfterApply},
			refused("success"),
			{Config: staging("failed").config(fake, tokenMaintainer), ConfigStateChecks: statusIs("failed")},
			refused("failed"),
			{Config: staging("canceled").config(fake, tokenMaintainer), ConfigStateChecks: statusIs("canceled")},
			refused("canceled"),
			{
				// Nothing was sent: the state and GitLab still say canceled.
				Config:           staging("canceled").config(fake, tokenMaintainer),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccDeploymentResource_replace(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	args := staging("success")
	steps := []resource.TestStep{{Config: args.config(fake, tokenMaintainer), ConfigPlanChecks: emptyPlanAfterApply}}
	change := func(mutate func(*deploymentArgs), action plancheck.ResourceActionType, checks ...statecheck.StateCheck) {
		mutate(&args)
		steps = append(steps, resource.TestStep{
			Config:            args.config(fake, tokenMaintainer),
			ConfigPlanChecks:  expectAction(action),
			ConfigStateChecks: checks,
		})
	}
	change(func(a *deploymentArgs) { a.environment = "qa" }, plancheck.ResourceActionReplace,
		expectState("environment", knownvalue.StringExact("qa")), expectState("deployment_id", knownvalue.Int64Exact(7)))
	change(func(a *deploymentArgs) { a.ref = "feature/login" }, plancheck.ResourceActionReplace,
		expectState("ref", knownvalue.StringExact("feature/login")), expectState("deployment_id", knownvalue.Int64Exact(8)))
	change(func(a *deploymentArgs) { a.sha = shaOld }, plancheck.ResourceActionReplace,
		expectState("sha", knownvalue.StringExact(shaOld)), expectState("deployment_id", knownvalue.Int64Exact(9)))
	change(func(a *deploymentArgs) { a.ref, a.sha, a.tag = "v1.0.0", shaV1, ptr(true) }, plancheck.ResourceActionReplace,
		expectState("tag", knownvalue.Bool(true)), expectState("deployment_id", knownvalue.Int64Exact(10)))
	// Another spelling of the same commit or project keeps the deployment.
	change(func(a *deploymentArgs) { a.sha = shaV1[:10] }, plancheck.ResourceActionUpdate,
		expectState("sha", knownvalue.StringExact(shaV1[:10])), expectState("deployment_id", knownvalue.Int64Exact(10)))
	change(func(a *deploymentArgs) { a.project = "1" }, plancheck.ResourceActionUpdate,
		expectState("id", knownvalue.StringExact("1:10")), expectState("deployment_id", knownvalue.Int64Exact(10)))
	change(func(a *deploymentArgs) { a.project = "ACME/App" }, plancheck.ResourceActionUpdate,
		expectState("id", knownvalue.StringExact("ACME/App:10")))
	// Another project records a new deployment there.
	change(func(a *deploymentArgs) {
		a.project, a.ref, a.sha, a.tag = "acme/tools", "main", "3f786850e387550fdab836ed7e6dc881de23001b", nil
	},
		plancheck.ResourceActionReplace, expectState("id", knownvalue.StringExact("acme/tools:11")))
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

func TestAccDeploymentResource_createRefusals(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	with := func(mutate func(*deploymentArgs)) string {
		args := staging("success")
		mutate(&args)
		return args.config(fake, tokenMaintainer)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Found at plan time, before any request.
			{Config: with(func(a *deploymentArgs) { a.status = "" }), ExpectError: errorMatching("Missing Deployment Status")},
			{Config: with(func(a *deploymentArgs) { a.status = "blocked" }), ExpectError: errorMatching("status", "value must be one of")},
			{Config: with(func(a *deploymentArgs) { a.sha = "main" }), ExpectError: errorMatching("must be a commit SHA")},
			{Config: with(func(a *deploymentArgs) { a.project = "app" }), ExpectError: errorMatching("Invalid Project", "neither a numeric id nor a full path")},
			{Config: with(func(a *deploymentArgs) { a.environment = "/prod" }), ExpectError: errorMatching("must not start or end with '/'")},
			{Config: with(func(a *deploymentArgs) { a.onDestroy = "forget" }), ExpectError: errorMatching("on_destroy", "value must be one of")},
			// Refused by GitLab at apply.
			{Config: with(func(a *deploymentArgs) { a.ref = "no-such-branch" }), ExpectError: errorMatching("Deployment Ref Not Found", "branch or tag that exists")},
			{Config: with(func(a *deploymentArgs) { a.sha = "deadbeefdeadbeef" }), ExpectError: errorMatching("Deployment Commit Not Found", "commit does not exist")},
			{Config: with(func(a *deploymentArgs) { a.project = "acme/nope" }), ExpectError: errorMatching("Unable to Create Deployment", "not a member")},
			{
				Config:      staging("success").config(fake, tokenReporter),
				ExpectError: errorMatching("Unable to Create Deployment", "needs the Developer role"),
			},
			{
				Config: deploymentArgs{project: "acme/app", environment: "production", ref: "main", sha: shaMain, status: "success"}.
					config(fake, tokenDeveloper),
				ExpectError: errorMatching("Unable to Create Deployment", "deploy access"),
			},
		},
	})
}

// A maintainer deploys to protected production; its approval rules show up as pending.
func TestAccDeploymentResource_protectedEnvironment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: deploymentArgs{project: "acme/app", environment: "production", ref: "release/1.x", sha: shaRelease, status: "running"}.
				config(fake, tokenMaintainer),
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				expectState("pending_approval_count", knownvalue.Int64Exact(2)),
				expectState("approvals", knownvalue.ListExact(nil)),
			},
		}},
	})
}

// Deployments created by CI can be imported and read, but any change to them fails at plan time.
func TestAccDeploymentResource_ciCreated(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	running := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaMain} // deployment 4
	runningWith := func(mutate func(*deploymentArgs)) string {
		args := running
		mutate(&args)
		return args.config(fake, tokenMaintainer)
	}
	ciRefusal := errorMatching("Deployment Created by GitLab CI Cannot Be Changed", "can not be updated using the API")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             running.config(fake, tokenMaintainer),
				ResourceName:       deploymentAddress,
				ImportState:        true,
				ImportStateId:      "acme/app:4",
				ImportStatePersist: true,
			},
			{
				// Without status, the resource follows GitLab's.
				Config:           running.config(fake, tokenMaintainer),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectState("status", knownvalue.StringExact("running")),
					expectState("deployable", knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name":  knownvalue.StringExact("deploy-staging"),
						"stage": knownvalue.StringExact("deploy"),
					})),
				},
			},
			{
				Config:           runningWith(func(a *deploymentArgs) { a.status = "running" }),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{Config: runningWith(func(a *deploymentArgs) { a.status = "success" }), ExpectError: ciRefusal},
			{
				// Provider-side settings may change.
				Config:           runningWith(func(a *deploymentArgs) { a.onDestroy = "cancel_and_delete" }),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
			},
			{
				Config:      runningWith(func(a *deploymentArgs) { a.onDestroy = "cancel_and_delete" }),
				Destroy:     true,
				ExpectError: errorMatching("Deployment Cannot Be Destroyed", "created by GitLab CI"),
			},
			{
				Config:           running.config(fake, tokenMaintainer),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if d := gitlabDeployment(t, fake, 4); d == nil || d.Status != "running" {
				return fmt.Errorf("GitLab holds %+v, want CI deployment 4 still running", d)
			}
			return nil
		},
	})
}

// A blocked CI deployment (waiting for approval) imports with an import block and plans empty.
func TestAccDeploymentResource_ciCreatedBlocked(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	blocked := deploymentArgs{project: "acme/app", environment: "production", ref: "main", sha: shaMain} // deployment 5
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureImportBlock)},
		Steps: []resource.TestStep{
			{
				Config:          blocked.config(fake, tokenMaintainer),
				ResourceName:    deploymentAddress,
				ImportState:     true,
				ImportStateId:   "acme/app:5",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:             blocked.config(fake, tokenMaintainer),
				ResourceName:       deploymentAddress,
				ImportState:        true,
				ImportStateId:      "1:5",
				ImportStatePersist: true,
			},
			{
				Config: deploymentArgs{project: "1", environment: "production", ref: "main", sha: shaMain, status: "success"}.
					config(fake, tokenMaintainer),
				ExpectError: errorMatching("Deployment Created by GitLab CI Cannot Be Changed", "from \"blocked\" to \"success\""),
			},
		},
	})
}

// Seeded deployments import by project path or id, learning tag from the repository.
func TestAccDeploymentResource_import(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	release := deploymentArgs{project: "acme/app", environment: "production", ref: "v1.0.0", sha: shaV1, status: "success", tag: ptr(true)}
	byID := release
	byID.project = "1"
	failed := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaOld, status: "failed"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureImportBlock)},
		Steps: []resource.TestStep{
			{
				Config: failed.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "acme/app:3", ImportStatePersist: true,
			},
			{
				Config:           failed.config(fake, tokenMaintainer),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectState("id", knownvalue.StringExact("acme/app:3")),
					expectState("tag", knownvalue.Bool(false)),
					expectState("on_destroy", knownvalue.StringExact("keep")),
					expectState("user", knownvalue.ObjectPartial(map[string]knownvalue.Check{"username": knownvalue.StringExact("dev")})),
				},
			},
			{
				Config: release.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "acme/app:1", ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config: byID.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "1:1", ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config: failed.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "acme/app:3:4", ExpectError: errorMatching("Invalid Deployment Import ID", "<project>:<deployment_id>"),
			},
			{
				Config: failed.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "acme/app:99",
				ExpectError: errorMatching(`Project "acme/app" has no deployment with id 99`, "Nothing was imported."),
			},
		},
	})
}

// on_destroy decides what destroying does in GitLab.
func TestAccDeploymentResource_onDestroy(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	var keepID, deleteID, cancelID int64
	config := providerBlock(fake.URL(), tokenMaintainer) + fmt.Sprintf(`
resource "gitlabdeploy_deployment" "keep" {
  project     = "acme/app"
  environment = "review/keep"
  ref         = "main"
  sha         = %[1]q
  status      = "success"
}

resource "gitlabdeploy_deployment" "delete" {
  project     = "acme/app"
  environment = "review/delete"
  ref         = "main"
  sha         = %[1]q
  status      = "failed"
  on_destroy  = "delete"
}

resource "gitlabdeploy_deployment" "cancel" {
  project     = "acme/app"
  environment = "review/cancel"
  ref         = "main"
  sha         = %[1]q
  status      = "running"
  on_destroy  = "cancel_and_delete"
}
`, shaMain)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				captureDeploymentID("gitlabdeploy_deployment.keep", &keepID),
				captureDeploymentID("gitlabdeploy_deployment.delete", &deleteID),
				captureDeploymentID("gitlabdeploy_deployment.cancel", &cancelID),
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			if d := gitlabDeployment(t, fake, keepID); d == nil {
				return fmt.Errorf("on_destroy = keep: deployment %d is gone from GitLab", keepID)
			}
			if d := gitlabDeployment(t, fake, deleteID); d != nil {
				return fmt.Errorf("on_destroy = delete: deployment %d is still in GitLab (%s)", deleteID, d.Status)
			}
			if d := gitlabDeployment(t, fake, cancelID); d != nil {
				return fmt.Errorf("on_destroy = cancel_and_delete: deployment %d is still in GitLab (%s)", cancelID, d.Status)
			}
			return nil
		},
	})
}

// runningDeleted is a running staging deployment that on_destroy deletes.
func runningDeleted() deploymentArgs {
	a := staging("running")
	a.onDestroy = onDestroyDelete
	return a
}

// GitLab refuses to delete a running deployment: a destroy fails at plan, from the state; a
// replacement is warned of at plan and refused at apply before any request; both keep the
// deployment in GitLab and in the state.
func TestAccDeploymentResource_deleteRefusedWhileRunning(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	running := runningDeleted()
	replaced := running
	replaced.sha = shaOld
	failed := running
	failed.status = "failed"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: running.config(fake, tokenMaintainer), ConfigPlanChecks: emptyPlanAfterApply},
			{
				Config:      running.config(fake, tokenMaintainer),
				Destroy:     true,
				ExpectError: errorMatching("Deployment Cannot Be Destroyed", "because it is running", "cancel_and_delete"),
			},
			{
				PreConfig:   fake.ResetStats,
				Config:      replaced.config(fake, tokenMaintainer),
				ExpectError: errorMatching("Deployment Cannot Be Destroyed", "because it is running", "nothing was sent to GitLab"),
			},
			{
				// Nothing was written; a finished deployment is deleted at the end.
				PreConfig: func() {
					if writes := writeRequests(fake.Stats()); len(writes) > 0 {
						t.Errorf("the refused replacement sent %s", routeCounts(writes))
					}
				},
				Config:           failed.config(fake, tokenMaintainer),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
			},
		},
	})
}

// GitLab refuses to delete the deployment currently deployed to its environment, whatever
// on_destroy asks; the destroy plan tells, before anything is destroyed. The way out is a replacement that becomes current first.
func TestAccDeploymentResource_deleteRefusedWhileCurrent(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	current := runningDeleted()
	current.status = "success"
	canceledAndDeleted := current
	canceledAndDeleted.onDestroy = onDestroyCancelAndDelete
	replacement := current
	replacement.sha = shaOld
	replacement.extra = "  lifecycle {\n    create_before_destroy = true\n  }\n"
	kept := replacement
	kept.onDestroy = ""
	var firstID int64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            current.config(fake, tokenMaintainer),
				ConfigStateChecks: []statecheck.StateCheck{captureDeploymentID(deploymentAddress, &firstID)},
			},
			{
				// The destroy plan asks GitLab which deployment is current.
				Config:  current.config(fake, tokenMaintainer),
				Destroy: true,
				ExpectError: errorMatching("Deployment Cannot Be Destroyed", `currently deployed to environment "staging"`,
					"nothing has been destroyed", `set on_destroy = "keep"`),
			},
			{
				// The state still holds it, unchanged.
				Config:           current.config(fake, tokenMaintainer),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{Config: canceledAndDeleted.config(fake, tokenMaintainer)},
			{
				// cancel_and_delete does not un-deploy the current deployment either.
				Config:      canceledAndDeleted.config(fake, tokenMaintainer),
				Destroy:     true,
				ExpectError: errorMatching("Deployment Cannot Be Destroyed", `on_destroy = "cancel_and_delete" asks to delete it`),
			},
			{Config: current.config(fake, tokenMaintainer)},
			{
				Config:           replacement.config(fake, tokenMaintainer),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionCreateBeforeDestroy),
			},
			{
				PreConfig: func() {
					if d := gitlabDeployment(t, fake, firstID); d != nil {
						t.Errorf("deployment %d is still in GitLab after its replacement", firstID)
					}
				},
				Config: kept.config(fake, tokenMaintainer),
			},
		},
	})
}

func TestAccDeploymentResource_drift(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	client := testClient(t, fake)
	var id int64
	setStatus := func(status string) func() {
		return func() {
			if _, err := client.UpdateDeploymentStatus(context.Background(), "acme/app", id, status); err != nil {
				t.Fatalf("changing the status in GitLab: %v", err)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            staging("running").config(fake, tokenMaintainer),
				ConfigStateChecks: []statecheck.StateCheck{captureDeploymentID(deploymentAddress, &id)},
			},
			{
				// GitLab cannot move it back to running: explained at plan time.
				PreConfig:   setStatus("failed"),
				Config:      staging("running").config(fake, tokenMaintainer),
				ExpectError: errorMatching("Status Change Refused by GitLab", "from \"failed\" to \"running\"", "Set \"status\" to \"failed\""),
			},
			{
				Config:            staging("success").config(fake, tokenMaintainer),
				ConfigPlanChecks:  expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{expectState("status", knownvalue.StringExact("success"))},
			},
			{
				// Changed in GitLab to a status it can move back from: planned back.
				PreConfig:         setStatus("canceled"),
				Config:            staging("success").config(fake, tokenMaintainer),
				ConfigPlanChecks:  expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{expectState("status", knownvalue.StringExact("success"))},
			},
			{
				// Deleted in GitLab: planned for re-creation.
				PreConfig: func() {
					setStatus("failed")()
					if err := client.DeleteDeployment(context.Background(), "acme/app", id); err != nil {
						t.Fatalf("deleting in GitLab: %v", err)
					}
				},
				Config:           staging("success").config(fake, tokenMaintainer),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					expectState("status", knownvalue.StringExact("success")),
					expectState("deployment_id", knownvalue.NotNull()),
				},
			},
		},
	})
}

// A 404 empties the state only when GitLab shows the project: a wrong base_url or a token that
// lost access fails loudly instead.
func TestAccDeploymentResource_notFoundKeepsState(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	usersOnly := loadSeed(t, "basic.json")
	usersOnly.Projects, usersOnly.JobTokens = nil, nil
	otherGitLab := fakegitlab.NewTestServer(t, usersOnly, fakegitlab.Options{})
	config := staging("failed").config(fake, tokenMaintainer)
	keptState := errorMatching("Unable to Read Deployment", "404 Project Not Found", "keeps the deployment in the state")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{Config: staging("failed").config(otherGitLab, tokenMaintainer), ExpectError: keptState},
			{Config: staging("failed").config(fake, tokenOutsider), ExpectError: keptState},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// Planning sends nothing for a new deployment, and refreshing one costs exactly one request.
func TestAccDeploymentResource_requestCost(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	config := staging("failed").config(fake, tokenMaintainer)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				PreConfig: func() {
					if got := fake.Stats().Total; got != 0 {
						t.Errorf("configuring the provider and planning a create sent %d requests, want 0", got)
					}
				},
				Config: config,
			},
			{
				PreConfig: fake.ResetStats,
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					stats := fake.Stats()
					only := "GET /api/v4/projects/:id/deployments/:deployment_id"
					if stats.ByRoute[only] == 0 || stats.ByRoute[only] != stats.Total {
						t.Errorf("refresh and plan sent %v, want only %s", stats.ByRoute, only)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

func TestSameCommit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		same bool
	}{
		{shaMain, shaMain, true},
		{shaMain[:7], shaMain, true},
		{strings.ToUpper(shaMain[:12]), shaMain, true},
		{shaMain[:6], shaMain, false}, // too short to name a commit
		{shaMain, shaOld, false},
		{shaMain[:10], shaMain[:9] + "f", false},
	}
	for _, tc := range cases {
		if got := sameCommit(tc.a, tc.b); got != tc.same {
			t.Errorf("sameCommit(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

// When the repository's tags cannot be read at import, tag is taken from the configuration at
// the next apply, without replacing the deployment.
func TestAccDeploymentResource_importTagUnknown(t *testing.T) {
	t.Parallel()
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{
		Fault: func(r *http.Request) fakegitlab.Fault {
			if strings.Contains(r.URL.EscapedPath(), "/repository/tags/") {
				return fakegitlab.Fault500
			}
			return fakegitlab.FaultNone
		},
	})
	release := deploymentArgs{project: "acme/app", environment: "production", ref: "v1.0.0", sha: shaV1, status: "success", tag: ptr(true)}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: release.config(fake, tokenMaintainer), ResourceName: deploymentAddress,
				ImportState: true, ImportStateId: "acme/app:1", ImportStatePersist: true,
			},
			{
				Config:            release.config(fake, tokenMaintainer),
				ConfigPlanChecks:  expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{expectState("tag", knownvalue.Bool(true)), expectState("deployment_id", knownvalue.Int64Exact(1))},
			},
		},
	})
}

// When GitLab applies a create or a status change and its answer is lost, the apply still
// records exactly what GitLab holds: one deployment, in the status asked for.
func TestAccDeploymentResource_lostAnswers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	lost := map[string]bool{}
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{
		Fault: func(r *http.Request) fakegitlab.Fault {
			mu.Lock()
			defer mu.Unlock()
			if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !lost[r.Method] {
				lost[r.Method] = true
				return fakegitlab.FaultLoseAnswerClose
			}
			return fakegitlab.FaultNone
		},
	})
	args := staging("running")
	args.environment = "review/lost"
	onlyOne := func() {
		list, err := testClient(t, fake).ListDeployments(context.Background(), "acme/app",
			gitlabapi.ListDeploymentsOptions{Environment: args.environment})
		if err != nil || len(list) != 1 {
			t.Errorf("GitLab holds %d deployments in %s (%v), want 1", len(list), args.environment, err)
		}
	}
	success := args
	success.status = "success"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: args.config(fake, tokenMaintainer), ConfigPlanChecks: emptyPlanAfterApply},
			{
				PreConfig:         onlyOne,
				Config:            success.config(fake, tokenMaintainer),
				ConfigPlanChecks:  expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{expectState("status", knownvalue.StringExact("success"))},
			},
			{
				PreConfig: func() {
					onlyOne()
					mu.Lock()
					defer mu.Unlock()
					if !lost[http.MethodPost] || !lost[http.MethodPut] {
						t.Errorf("answers lost: %v, want a create's and a status change's", lost)
					}
				},
				Config:   success.config(fake, tokenMaintainer),
				PlanOnly: true,
			},
		},
	})
}

// Replacing a deployment made by CI, under on_destroy = "keep", records a new deployment through
// the API and leaves the CI job's deployment alone: GitLab refuses only to update it.
func TestAccDeploymentResource_ciCreatedReplacedUnderKeep(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	imported := runningCIDeployment4("")
	replacement := runningCIDeployment4("success")
	replacement.sha = shaOld
	differentDeployment := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureImportBlock)},
		Steps: []resource.TestStep{
			{
				Config:            imported.config(fake, tokenMaintainer) + importBlock(deploymentAddress, "acme/app:4"),
				ConfigStateChecks: []statecheck.StateCheck{differentDeployment.AddStateValue(deploymentAddress, tfjsonpath.New("deployment_id"))},
			},
			{
				Config:           replacement.config(fake, tokenMaintainer),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					differentDeployment.AddStateValue(deploymentAddress, tfjsonpath.New("deployment_id")),
					expectState("sha", knownvalue.StringExact(shaOld)),
					expectState("status", knownvalue.StringExact("success")),
					expectState("deployable", knownvalue.Null()),
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			return stillInGitLab(4, "running")(t, fake)
		},
	})
}
