package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Request counts of single-resource life cycles, in process, under a CLI that keeps no
// identities (Terraform 1.11) and one that does: see requests_test.go for how they are counted.

// identityCLIs are the two kinds of CLI the request counts differ between.
var identityCLIs = []cliUnderTest{{family: "terraform", version: "1.11.4"}, {family: "terraform", version: "1.15.0"}}

// TestRequests_deploymentLifecycle pins a deployment's life cycle: nothing to start the
// provider, configure it and plan a create; 1 to create, plus, under a CLI that keeps
// identities, the lookup of the project given by path for the identity's project_id; 1 to
// refresh; 1 to update; 1 to delete.
func TestRequests_deploymentLifecycle(t *testing.T) {
	t.Parallel()
	for _, cli := range identityCLIs {
		t.Run(cli.version, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			deployment := staging("running")
			deployment.onDestroy = "delete"
			failed := deployment
			failed.status = "failed"
			lookup := &cliIdentity{keeps: cli.keepsIdentities()}
			expect := func(r requests) func() { return func() { r.expect(t) } }
			l := newProtocolHarnessAs(t, fake, tokenMaintainer, cli).lifecycle("gitlabdeploy_deployment")
			runProtoSteps(t, l, []protoStep{
				{
					preConfig: fake.ResetStats,
					args:      deployment.args(),
					afterPlan: expect(requests{fake, nil, "starting and configuring the provider and planning a create", nil}),
					check: func(*lifecycle) {
						requests{fake, map[string]int{routeCreate: 1}, "creating a deployment", lookup}.expect(t)
					},
				},
				{
					preConfig: fake.ResetStats,
					args:      failed.args(), action: "update",
					afterPlan: expect(requests{fake, map[string]int{routeGet: 1}, "refreshing a deployment and planning its update", nil}),
					check: func(*lifecycle) {
						requests{fake, map[string]int{routeUpdate: 1}, "updating a deployment's status", nil}.expect(t)
					},
				},
				{
					preConfig: fake.ResetStats,
					removed:   true, action: "delete",
					afterPlan: expect(requests{fake, map[string]int{routeGet: 1}, "refreshing a deployment and planning its deletion", nil}),
					check: func(*lifecycle) {
						requests{fake, map[string]int{routeDelete: 1}, `deleting a failed deployment with on_destroy = "delete"`, nil}.expect(t)
					},
				},
			}, nil)
		})
	}
}

// TestRequests_cancelAndDeleteRunning pins on_destroy = "cancel_and_delete" on a deployment
// the state knows to be running: a cancel, then a delete.
func TestRequests_cancelAndDeleteRunning(t *testing.T) {
	t.Parallel()
	for _, cli := range identityCLIs {
		t.Run(cli.version, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			deployment := staging("running")
			deployment.onDestroy = "cancel_and_delete"
			l := newProtocolHarnessAs(t, fake, tokenMaintainer, cli).lifecycle("gitlabdeploy_deployment")
			runProtoSteps(t, l, []protoStep{
				{args: deployment.args()},
				{
					preConfig: fake.ResetStats,
					removed:   true, action: "delete",
					afterPlan: func() {
						requests{fake, map[string]int{routeGet: 1}, "refreshing a running deployment and planning its deletion", nil}.expect(t)
					},
					check: func(*lifecycle) {
						requests{fake, map[string]int{routeUpdate: 1, routeDelete: 1}, "canceling and deleting a running deployment", nil}.expect(t)
					},
				},
			}, nil)
		})
	}
}

// TestRequests_approvalCreate pins an approval: the decision, and one read of the deployment
// that tells which rule it counted for (and, under a CLI that keeps identities, the project
// lookup for the identity).
func TestRequests_approvalCreate(t *testing.T) {
	t.Parallel()
	for _, cli := range identityCLIs {
		t.Run(cli.version, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			// Deployment 5 is blocked in production by mae; dev's user rule lets dev approve it.
			l := newProtocolHarnessAs(t, fake, tokenDeveloper, cli).lifecycle("gitlabdeploy_deployment_approval")
			runProtoSteps(t, l, []protoStep{{
				preConfig: fake.ResetStats,
				args:      approvalArgs{deployment: 5, status: "approved"}.args(),
				afterPlan: func() {
					requests{fake, nil, "planning an approval", nil}.expect(t)
				},
				check: func(*lifecycle) {
					// The deployment is read before (a decision already in place) and after (DESIGN.md §B22).
					requests{fake, map[string]int{routeApprove: 1, routeGet: 2}, "approving a deployment", &cliIdentity{keeps: cli.keepsIdentities()}}.expect(t)
				},
			}}, nil)
		})
	}
}

// TestRequests_listPages pins the page requests of gitlabdeploy_deployments as terraform plan
// reads it: 250 deployments are 3 pages of 100, and max_results = 150 stops after 2.
func TestRequests_listPages(t *testing.T) {
	t.Parallel()
	fake := fakegitlab.NewTestServer(t, manyDeploymentsSeed(250), fakegitlab.Options{})
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	for _, step := range []struct {
		args          resourceArgs
		pages, listed int
		what          string
	}{
		{resourceArgs{"project": "acme/app"}, 3, 250, "listing 250 deployments"},
		{resourceArgs{"project": "acme/app", "max_results": 150}, 2, 150, "listing the first 150 of 250 deployments"},
	} {
		fake.ResetStats()
		h.planDataOK("gitlabdeploy_deployments", step.args, map[string]knownvalue.Check{"deployments": knownvalue.ListSizeExact(step.listed)})
		h.expectRequests(step.what, map[string]int{routeList: step.pages})
	}
}
