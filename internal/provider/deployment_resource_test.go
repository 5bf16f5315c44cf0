package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
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

// wantGitLabStatus fails the test unless GitLab holds deployment id with status.
func wantGitLabStatus(t *testing.T, fake *fakegitlab.Server, id int64, status string) {
	t.Helper()
	if d := gitlabDeployment(t, fake, id); d == nil || d.Status != status {
		t.Errorf("GitLab holds %+v, want deployment %d %s", d, id, status)
	}
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

// runningDeleted is a running staging deployment that on_destroy deletes.
func runningDeleted() deploymentArgs {
	a := staging("running")
	a.onDestroy = onDestroyDelete
	return a
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
