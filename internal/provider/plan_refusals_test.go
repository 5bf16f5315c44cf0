package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// refusalScenario is a configuration applied once, what happened in GitLab since, and a
// configuration asking for what GitLab would refuse. Run with the Terraform CLI as a user would:
// terraform plan warns of the refusal, terraform apply fails on it without sending any write
// request, and terraform destroy, with no flags, keeps the on_destroy promise.
type refusalScenario struct {
	name string
	// applied is the configuration applied first (import blocks included).
	applied func(fake *fakegitlab.Server) string
	// outOfBand changes GitLab behind Terraform's back, or is nil.
	outOfBand func(t *testing.T, fake *fakegitlab.Server)
	// planned is the configuration planned, applied and destroyed next.
	planned func(fake *fakegitlab.Server) string
	// refusal is the summary of the warning at plan and of the error at apply, then parts of the
	// detail, in order.
	refusal []string
	// refusedAtApply, when set, is the error of the apply instead: the step of the apply that is
	// refused may tell it otherwise.
	refusedAtApply []string
	// afterDestroy fails unless GitLab holds what on_destroy promised once destroyed.
	afterDestroy func(t *testing.T, fake *fakegitlab.Server) error
	// destroyRefused, when set, is GitLab's own refusal that the destroy must fail with instead.
	destroyRefused []string
	// needs, when set, is a CLI feature the scenario uses (import blocks); it skips without it.
	needs *cliFeature
}

// importBlock imports id into address.
func importBlock(address, id string) string {
	return fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", address, id)
}

// runRefusalScenario runs s in its own fake GitLab and working directory.
func runRefusalScenario(t *testing.T, s refusalScenario) {
	t.Helper()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	if s.needs != nil {
		cli.skipUnlessSupports(*s.needs)
	}
	cli.writeConfig(s.applied(fake))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	if s.outOfBand != nil {
		s.outOfBand(t, fake)
	}
	cli.writeConfig(s.planned(fake))

	told := errorMatching(append([]string{"Warning: " + s.refusal[0]}, s.refusal[1:]...)...)
	if plan := cli.mustRun(nil, []string{"plan", "-no-color"}); !told.MatchString(flat(plan.output())) {
		t.Errorf("terraform plan did not warn %q:\n%s", s.refusal, plan.output())
	}

	fake.ResetStats()
	atApply := s.refusal
	if s.refusedAtApply != nil {
		atApply = s.refusedAtApply
	}
	refused := errorMatching(append([]string{"Error: " + atApply[0]}, atApply[1:]...)...)
	sentNothing := errorMatching("Error: "+atApply[0], "nothing was sent to GitLab")
	if apply := cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"}, 1); !refused.MatchString(flat(apply.output())) ||
		!sentNothing.MatchString(flat(apply.output())) {
		t.Errorf("terraform apply did not fail with %q, saying it sent nothing:\n%s", atApply, apply.output())
	}
	if writes := writeRequests(fake.Stats()); len(writes) > 0 {
		t.Errorf("terraform apply sent %s, want no write request", routeCounts(writes))
	}

	if s.destroyRefused != nil {
		destroy := cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color"}, 1)
		if !errorMatching(s.destroyRefused...).MatchString(flat(destroy.output())) {
			t.Errorf("terraform destroy did not fail with %q:\n%s", s.destroyRefused, destroy.output())
		}
		return
	}
	cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color"})
	if left := cli.mustRun(nil, []string{"state", "list"}); strings.TrimSpace(left.stdout) != "" {
		t.Errorf("terraform destroy left in the state:\n%s", left.stdout)
	}
	if s.afterDestroy != nil {
		if err := s.afterDestroy(t, fake); err != nil {
			t.Error(err)
		}
	}
}

// writeRequests is the part of stats that is not a read.
func writeRequests(stats fakegitlab.Stats) map[string]int {
	writes := map[string]int{}
	for route, n := range stats.ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			writes[route] = n
		}
	}
	return writes
}

// stillInGitLab fails unless GitLab holds deployment id with status.
func stillInGitLab(id int64, status string) func(*testing.T, *fakegitlab.Server) error {
	return func(t *testing.T, fake *fakegitlab.Server) error {
		if d := gitlabDeployment(t, fake, id); d == nil || d.Status != status {
			return fmt.Errorf("GitLab holds %+v, want deployment %d kept, %s", d, id, status)
		}
		return nil
	}
}

// goneFromGitLab fails unless GitLab no longer holds the deployment that the staging
// configuration recorded first (id 6 of basic.json).
func goneFromGitLab(t *testing.T, fake *fakegitlab.Server) error {
	if d := gitlabDeployment(t, fake, 6); d != nil {
		return fmt.Errorf("deployment 6 is still in GitLab (%s), though on_destroy deletes it", d.Status)
	}
	return nil
}

// setStatusInGitLab moves deployment 6 (the first one a scenario records) to status, as a deploy
// tool would.
func setStatusInGitLab(status string) func(*testing.T, *fakegitlab.Server) {
	return func(t *testing.T, fake *fakegitlab.Server) {
		if _, err := testClient(t, fake).UpdateDeploymentStatus(context.Background(), "acme/app", 6, status); err != nil {
			t.Fatalf("changing the status in GitLab: %v", err)
		}
	}
}

// stagingWith is a staging deployment (release/1.x) changed by change, in a configuration
// using the maintainer's token.
func stagingWith(status string, change func(*deploymentArgs)) func(*fakegitlab.Server) string {
	return func(fake *fakegitlab.Server) string {
		a := staging(status)
		if change != nil {
			change(&a)
		}
		return a.config(fake, tokenMaintainer)
	}
}

func onDestroy(policy string) func(*deploymentArgs) {
	return func(a *deploymentArgs) { a.onDestroy = policy }
}

// failedDeployment3 is seeded deployment 3 of basic.json (failed, recorded through the API), with
// status left out and changed by change.
func failedDeployment3(change func(*deploymentArgs)) deploymentArgs {
	a := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaOld}
	if change != nil {
		change(&a)
	}
	return a
}

// runningCIDeployment4 is seeded deployment 4 of basic.json, made by a CI job and running.
func runningCIDeployment4(status string) deploymentArgs {
	return deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaMain, status: status}
}

// Whatever happened in GitLab since a deployment was recorded, terraform destroy keeps the
// on_destroy promise: the refusals a changed configuration meets are warnings at plan and errors
// at apply that send nothing, never errors of the plan that terraform destroy runs first.
func TestAccPlanRefusals_deploymentDestroyNeverBlocked(t *testing.T) {
	t.Parallel()
	scenarios := []refusalScenario{
		{
			name:         "status moved on out of band, kept",
			applied:      stagingWith("running", nil),
			outOfBand:    setStatusInGitLab("success"),
			planned:      stagingWith("running", nil),
			refusal:      []string{"Status Change Refused by GitLab", `from "success" to "running"`, "ignore_changes = [status]"},
			afterDestroy: stillInGitLab(6, "success"),
		},
		{
			name:         "status moved on out of band, deleted",
			applied:      stagingWith("running", onDestroy(onDestroyDelete)),
			outOfBand:    setStatusInGitLab("failed"),
			planned:      stagingWith("running", onDestroy(onDestroyDelete)),
			refusal:      []string{"Status Change Refused by GitLab", `from "failed" to "running"`},
			afterDestroy: goneFromGitLab,
		},
		{
			name:         "status moved on out of band, canceled and deleted",
			applied:      stagingWith("running", onDestroy(onDestroyCancelAndDelete)),
			outOfBand:    setStatusInGitLab("canceled"),
			planned:      stagingWith("running", onDestroy(onDestroyCancelAndDelete)),
			refusal:      []string{"Status Change Refused by GitLab", `from "canceled" to "running"`},
			afterDestroy: goneFromGitLab,
		},
		{
			name:  "made by CI, status changed",
			needs: &cliFeatureImportBlock,
			applied: func(fake *fakegitlab.Server) string {
				return runningCIDeployment4("").config(fake, tokenMaintainer) + importBlock(deploymentAddress, "acme/app:4")
			},
			planned: func(fake *fakegitlab.Server) string {
				return runningCIDeployment4("success").config(fake, tokenMaintainer)
			},
			refusal:      []string{"Deployment Created by GitLab CI Cannot Be Changed", `move it from "running" to "success"`},
			afterDestroy: stillInGitLab(4, "running"),
		},
		{
			name:  "imported without status, deleted in GitLab",
			needs: &cliFeatureImportBlock,
			applied: func(fake *fakegitlab.Server) string {
				return failedDeployment3(nil).config(fake, tokenMaintainer) + importBlock(deploymentAddress, "acme/app:3")
			},
			outOfBand: func(t *testing.T, fake *fakegitlab.Server) {
				if err := testClient(t, fake).DeleteDeployment(context.Background(), "acme/app", 3); err != nil {
					t.Fatalf("deleting in GitLab: %v", err)
				}
			},
			planned: func(fake *fakegitlab.Server) string { return failedDeployment3(nil).config(fake, tokenMaintainer) },
			refusal: []string{"Missing Deployment Status", `Set "status" to "running"`},
		},
		{
			name:  "imported without status, ref changed",
			needs: &cliFeatureImportBlock,
			applied: func(fake *fakegitlab.Server) string {
				return failedDeployment3(onDestroy(onDestroyDelete)).config(fake, tokenMaintainer) + importBlock(deploymentAddress, "acme/app:3")
			},
			planned: func(fake *fakegitlab.Server) string {
				return failedDeployment3(func(a *deploymentArgs) {
					a.ref, a.sha, a.onDestroy = "release/1.x", shaRelease, onDestroyDelete
				}).config(fake, tokenMaintainer)
			},
			refusal: []string{"Missing Deployment Status", "records a new deployment, which needs a status"},
			afterDestroy: func(t *testing.T, fake *fakegitlab.Server) error {
				if d := gitlabDeployment(t, fake, 3); d != nil {
					return fmt.Errorf("deployment 3 is still in GitLab (%s), though on_destroy deletes it", d.Status)
				}
				return nil
			},
		},
		{
			name:    "replaced while running, deleted",
			applied: stagingWith("running", onDestroy(onDestroyDelete)),
			planned: stagingWith("running", func(a *deploymentArgs) { a.sha, a.onDestroy = shaOld, onDestroyDelete }),
			refusal: []string{"Deployment Cannot Be Replaced", "Changing sha records a new deployment", "because it is running"},
			// The replacement's first step, destroying the old deployment, is what fails.
			refusedAtApply: []string{"Deployment Cannot Be Destroyed", "because it is running"},
			// GitLab's own refusal of the delete stays an error of the destroy.
			destroyRefused: []string{"Error: Deployment Cannot Be Destroyed", "because it is running"},
		},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			runRefusalScenario(t, s)
		})
	}
}

// approvedByDev is dev's approval of blocked deployment 5 in production, changed by change. dev's
// rule is one of production's two; the other is the Maintainers'.
func approvedByDev(token string, change func(*approvalArgs)) func(*fakegitlab.Server) string {
	return func(fake *fakegitlab.Server) string {
		a := approvalArgs{deployment: 5, status: gitlabapi.ApprovalApproved, comment: "looks good"}
		if change != nil {
			change(&a)
		}
		return a.config(fake, token)
	}
}

func rejected(a *approvalArgs) { a.status = gitlabapi.ApprovalRejected }

// The refusals of a changed decision never block terraform destroy either; GitLab keeps the
// decision, as destroying the resource only forgets it.
func TestAccPlanRefusals_approvalDestroyNeverBlocked(t *testing.T) {
	t.Parallel()
	scenarios := []refusalScenario{
		{
			name:    "deployment no longer waits",
			applied: approvedByDev(tokenDeveloper, nil),
			outOfBand: func(t *testing.T, fake *fakegitlab.Server) {
				// The administrator satisfies the Maintainers' rule: nothing is pending any more.
				opts := gitlabapi.ApprovalOptions{Status: gitlabapi.ApprovalApproved}
				if _, err := testClient(t, fake).Decide(context.Background(), "acme/app", 5, opts, 0); err != nil {
					t.Fatalf("approving in GitLab: %v", err)
				}
			},
			planned: approvedByDev(tokenDeveloper, rejected),
			refusal: []string{"Deployment No Longer Waits for Approvals", `environment "production"`, `Set "status" back to "approved"`},
		},
		{
			name:    "comment changed alone",
			applied: approvedByDev(tokenDeveloper, nil),
			planned: approvedByDev(tokenDeveloper, func(a *approvalArgs) { a.comment = "ship it" }),
			refusal: []string{"Comment Cannot Change Alone", `comment "looks good"`, `Set "comment" back to "looks good"`},
		},
		{
			name:    "decision of another user",
			applied: approvedByDev(tokenDeveloper, nil),
			planned: approvedByDev(tokenMaintainer, rejected),
			refusal: []string{"Decision Belongs to Another User", "decision of dev (id 3)", "act for mae (id 2)"},
		},
		{
			name:    "represented_as naming another rule",
			applied: approvedByDev(tokenDeveloper, nil),
			planned: approvedByDev(tokenDeveloper, func(a *approvalArgs) { a.representedAs = "Maintainers" }),
			refusal: []string{"Decision Counts for Another Rule", `represented_as "Maintainers"`},
		},
	}
	for _, s := range scenarios {
		s.afterDestroy = func(t *testing.T, fake *fakegitlab.Server) error {
			if d := gitlabDeployment(t, fake, 5); d == nil || !hasDecisionOf(d, "dev") {
				return fmt.Errorf("GitLab holds %+v, want dev's decision on deployment 5 still recorded", d)
			}
			return nil
		}
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			runRefusalScenario(t, s)
		})
	}
}

func hasDecisionOf(d *gitlabapi.Deployment, username string) bool {
	for _, a := range d.Approvals {
		if a.User.Username == username {
			return true
		}
	}
	return false
}
