package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// The tests of this file run actions through the Terraform CLI, which needs Terraform 1.14 or
// later; they skip, saying why, on older CLIs and on OpenTofu. The protocol-level tests in
// actions_protocol_test.go run everywhere.

// releaseWithRecordTrigger is a terraform_data carrying the commit released, which records a
// deployment to environment "web" each time it is created or changes.
func releaseWithRecordTrigger(fake *fakegitlab.Server, ref, sha string) string {
	return providerBlock(fake.URL(), tokenDeveloper) + fmt.Sprintf(`
resource "terraform_data" "release" {
  input = {
    ref = %[1]q
    sha = %[2]q
  }

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabdeploy_record_deployment.web]
    }
  }
}

action "gitlabdeploy_record_deployment" "web" {
  config {
    project     = "acme/app"
    environment = "web"
    ref         = terraform_data.release.output.ref
    sha         = terraform_data.release.output.sha
  }
}
`, ref, sha)
}

// deploymentsToWeb is a state check: GitLab holds exactly these deployments to environment
// "web", oldest first, as "<ref>@<sha> <status>".
func deploymentsToWeb(fake *fakegitlab.Server, want ...string) statecheck.StateCheck {
	return stateCheckFunc(func(ctx context.Context, _ *tfjson.State) error {
		client, err := gitlabapi.New(gitlabapi.Config{BaseURL: fake.URL(), Token: tokenRoot})
		if err != nil {
			return err
		}
		list, err := client.ListDeployments(ctx, "acme/app", gitlabapi.ListDeploymentsOptions{Environment: "web", OrderBy: "id", Sort: "asc"})
		if err != nil {
			return err
		}
		var got []string
		for _, d := range list {
			got = append(got, fmt.Sprintf("%s@%s %s", d.Ref, d.SHA[:8], d.Status))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("deployments to web in GitLab = %v, want %v", got, want)
		}
		return nil
	})
}

// An action_trigger on after_create and after_update records one deployment per change of the
// resource, and none on an apply that changes nothing.
func TestAccRecordDeploymentAction_actionTriggerRecordsOnePerChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureActions)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            releaseWithRecordTrigger(fake, "main", shaMain),
				ConfigStateChecks: []statecheck.StateCheck{deploymentsToWeb(fake, "main@a91957a8 success")},
			},
			{
				Config:            releaseWithRecordTrigger(fake, "main", shaMain),
				ConfigStateChecks: []statecheck.StateCheck{deploymentsToWeb(fake, "main@a91957a8 success")},
			},
			{
				Config: releaseWithRecordTrigger(fake, "release/1.x", shaRelease),
				ConfigStateChecks: []statecheck.StateCheck{deploymentsToWeb(fake,
					"main@a91957a8 success", "release/1.x@e83c5163 success")},
			},
		},
	})
}

// terraform apply -invoke runs one action, shows its progress, and changes no state.
func TestAccActions_invokeFromTheCLI(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureActions)
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	cli.writeConfig(fmt.Sprintf(`
provider "gitlabdeploy" {
  base_url = %q
}
`, fake.URL()) + fmt.Sprintf(`
action "gitlabdeploy_approve_deployment" "production" {
  config {
    project       = "acme/app"
    deployment_id = %d
    comment       = "Checked on staging."
  }
}

action "gitlabdeploy_record_deployment" "web" {
  config {
    project     = "acme/app"
    environment = "web"
    ref         = "main"
    sha         = %q
  }
}
`, d.ID, shaMain))

	invoke := func(token, address string, wantCode int) string {
		return cli.mustRun([]string{"GITLAB_TOKEN=" + token}, []string{"apply", "-auto-approve", "-no-color", "-invoke=" + address}, wantCode).output()
	}
	expectOutput := func(out string, parts ...string) {
		t.Helper()
		if !errorMatching(parts...).MatchString(out) {
			t.Errorf("terraform apply -invoke printed no %q:\n%s", parts, out)
		}
	}

	out := invoke("mae-token", "action.gitlabdeploy_approve_deployment.production", 0)
	expectOutput(out, fmt.Sprintf(`mae approved deployment %d of project "acme/app" for approval rule "Maintainers"; it still waits for 2 approval(s).`, d.ID))
	got, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PendingApprovalCount != 2 || len(got.Approvals) != 1 || derefString(got.Approvals[0].Comment) != "Checked on staging." {
		t.Errorf("deployment %d in GitLab: pending %d, approvals %+v", d.ID, got.PendingApprovalCount, got.Approvals)
	}

	out = invoke("dora-token", "action.gitlabdeploy_record_deployment.web", 0)
	expectOutput(out, `Recorded deployment #8 web success main@a91957a8 (id 8) in project "acme/app".`)
	if _, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", 8); err != nil {
		t.Errorf("deployment 8 not in GitLab: %v", err)
	}

	// dora recorded deployment 7: GitLab refuses her approval, and the action says why.
	out = invoke("dora-token", "action.gitlabdeploy_approve_deployment.production", 1)
	expectOutput(out, "Unable to Record Deployment Decision", "You cannot approve your own deployment",
		"allow_pipeline_trigger_approve_deployment")

	// Actions keep nothing in the state.
	if data, err := os.ReadFile(filepath.Join(cli.dir, "terraform.tfstate")); err == nil {
		var state struct{ Resources []json.RawMessage }
		if err := json.Unmarshal(data, &state); err != nil || len(state.Resources) > 0 {
			t.Errorf("the state after three invocations holds %d resources (%v), want none", len(state.Resources), err)
		}
	}
}

// serviceGatedByApproval is a terraform_data that a before_create trigger holds until dora's
// running deployment of main to production is approved.
func serviceGatedByApproval(fake *fakegitlab.Server) string {
	return providerBlock(fake.URL(), "dora-token") + fmt.Sprintf(`
resource "terraform_data" "service" {
  input = "app:1.4.2"

  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.gitlabdeploy_record_deployment.gated]
    }
  }
}

action "gitlabdeploy_record_deployment" "gated" {
  config {
    project           = "acme/app"
    environment       = "production"
    ref               = "main"
    sha               = %q
    status            = "running"
    wait_for_approval = true
  }
}
`, shaMain)
}

// A before_create trigger with wait_for_approval holds the resource until every rule approves.
func TestAccRecordDeploymentAction_approvalGateHoldsTheChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, approval("mae-token"), approval("quinn-token"),
		decision{token: "sam-token", status: "approved", representedAs: "security"})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureActions)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: serviceGatedByApproval(fake),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("terraform_data.service", tfjsonpath.New("output"), knownvalue.StringExact("app:1.4.2")),
				deploymentStatusIs{client: testClient(t, fake), id: 7, status: gitlabapi.StatusRunning},
				stateCheckFunc(func(ctx context.Context, _ *tfjson.State) error {
					d, err := testClient(t, fake).GetDeployment(ctx, "acme/app", 7)
					if err == nil && d.PendingApprovalCount != 0 {
						err = fmt.Errorf("deployment 7 still waits for %d approvals", d.PendingApprovalCount)
					}
					return err
				}),
			},
		}},
	})
}

// A rejection fails the apply before the change, and the deployment is marked failed.
func TestAccRecordDeploymentAction_rejectionStopsTheChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, decision{token: "mae-token", status: "rejected", comment: "not on a Friday"})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureActions)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      serviceGatedByApproval(fake),
				ExpectError: errorMatching("Deployment Rejected", "rejected by mae", `"not on a Friday"`, "marked failed"),
			},
			{
				// terraform_data.service was never created: the plan still creates it.
				PreConfig: func() {
					if d, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", 7); err != nil || d.Status != gitlabapi.StatusFailed {
						t.Errorf("deployment 7 = %v, %v; want failed", d, err)
					}
				},
				Config:             serviceGatedByApproval(fake),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
