package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Request counts are deterministic, so these tests pin each operation's requests exactly, at the
// lower bounds of issue 8: a change that adds a request fails here. make bench shows the same
// counts at scale (BENCHMARKS.md).
//
// In a test step, Terraform plans (refreshing what is in the state), the plan checks run, then
// it applies that plan without refreshing again, and the state checks run. So a PreConfig reset
// plus a requests plan check counts the refresh and plan, and a requests state check counts the
// apply alone.

// Routes as the fake's counters name them.
const (
	routeCreate  = "POST /api/v4/projects/:id/deployments"
	routeList    = "GET /api/v4/projects/:id/deployments"
	routeGet     = "GET /api/v4/projects/:id/deployments/:deployment_id"
	routeUpdate  = "PUT /api/v4/projects/:id/deployments/:deployment_id"
	routeDelete  = "DELETE /api/v4/projects/:id/deployments/:deployment_id"
	routeApprove = "POST /api/v4/projects/:id/deployments/:deployment_id/approval"
	routeProject = "GET /api/v4/projects/:id"
	routeTag     = "GET /api/v4/projects/:id/repository/tags/:tag_name"
)

// requests is a plan check and a state check: the fake must have received exactly want since
// the counters were last reset, by route. It then resets them for the next check.
type requests struct {
	fake *fakegitlab.Server
	want map[string]int
	what string // the operation, for the failure message
	// lookup, when set, adds the lookup of the project, given by path, that gives a new
	// resource's identity its project_id under a CLI that keeps identities.
	lookup *cliIdentity
}

func (r requests) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = r.check()
}

func (r requests) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = r.check()
}

// expect fails t, without stopping it, unless the fake received exactly what r wants.
func (r requests) expect(t testing.TB) {
	t.Helper()
	if err := r.check(); err != nil {
		t.Error(err)
	}
}

func (r requests) check() error {
	got := r.fake.Stats().ByRoute
	r.fake.ResetStats()
	want := r.want
	if r.lookup != nil && r.lookup.keeps {
		want = maps.Clone(want)
		want[routeProject]++
	}
	if maps.Equal(got, want) || (len(got) == 0 && len(want) == 0) {
		return nil
	}
	return fmt.Errorf("%s sent %s, want %s", r.what, routeCounts(got), routeCounts(want))
}

// cliIdentity is a TerraformVersionChecks entry that never skips: it records whether the CLI
// under test keeps resource identities. Under such a CLI a new resource's identity gets the
// project's numeric id, once per project and run, and a refresh finds it in the identity; under
// an older one (Terraform 1.11) the provider asks nothing about projects.
type cliIdentity struct{ keeps bool }

func (c *cliIdentity) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, _ *tfversion.CheckTerraformVersionResponse) {
	check := cliFeatureCheck{feature: cliFeatureIdentity, openTofu: cliIsOpenTofu()}
	c.keeps = check.skipReason(req.TerraformVersion) == ""
}

func routeCounts(m map[string]int) string {
	if len(m) == 0 {
		return "no request"
	}
	routes := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(routes))
	for i, route := range routes {
		parts[i] = fmt.Sprintf("%d × %s", m[route], route)
	}
	return strings.Join(parts, ", ")
}

// TestAccRequests_refreshOnePerDeployment pins a plan of deployments that have not changed:
// one read each, and nothing to apply. Their project is looked up once for all three.
func TestAccRequests_refreshOnePerDeployment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	deployments := staging("running")
	deployments.extra = "  count       = 3\n"
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	lookup := &cliIdentity{keeps: cli.lacks(cliFeatureIdentity) == ""}
	cli.writeConfig(deployments.config(fake, tokenMaintainer))
	fake.ResetStats()
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	requests{fake, map[string]int{routeCreate: 3}, "creating 3 deployments", lookup}.expect(t)
	cli.mustRun(nil, []string{"plan", "-detailed-exitcode", "-no-color", "-out=unchanged.tfplan"}, 0)
	requests{fake, map[string]int{routeGet: 3}, "refreshing 3 unchanged deployments", nil}.expect(t)
	cli.mustRun(nil, []string{"apply", "-no-color", "unchanged.tfplan"})
	requests{fake, nil, "applying an empty plan", nil}.expect(t)
}

// manyDeploymentsSeed is acme/app with n finished deployments to list.
func manyDeploymentsSeed(n int) *fakegitlab.Seed {
	deployments := make([]fakegitlab.SeedDeployment, n)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range deployments {
		at := fakegitlab.At(start.Add(time.Duration(i) * time.Minute))
		deployments[i] = fakegitlab.SeedDeployment{
			Environment: "production", Ref: "main", SHA: shaMain, Status: "success", User: "mae",
			CreatedAt: at, UpdatedAt: at, FinishedAt: at,
		}
	}
	return &fakegitlab.Seed{
		Users: []fakegitlab.SeedUser{{ID: 2, Username: "mae", Name: "Mae Maintainer", Tokens: []string{tokenMaintainer}}},
		Projects: []fakegitlab.SeedProject{{
			ID: 1, PathWithNamespace: "acme/app",
			Members:     []fakegitlab.SeedMember{{Username: "mae", AccessLevel: 40}},
			Branches:    map[string]string{"main": shaMain},
			Deployments: deployments,
		}},
	}
}
