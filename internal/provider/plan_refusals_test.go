package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// refusalScenario is a configuration applied once, what happened in GitLab since, and a
// configuration asking for what GitLab would refuse: terraform plan warns of the refusal,
// terraform apply fails on it without sending any write request, and terraform destroy, with no
// flags, keeps the on_destroy promise. Every scenario runs in process on the life-cycle harness
// (protocol_harness_test.go, held to the CLIs' call sequences); the one marked underCLI per
// resource runs under the real CLI as well, the proof that Terraform's own destroy (its
// pre-destroy refresh and plan) behaves as the harness says.
type refusalScenario struct {
	name string
	// typeName is the resource's type; the resource is named "test".
	typeName string
	// token is the provider's token; plannedToken, when set, the one from the plan on.
	token, plannedToken string
	// importID, when set, is the id the first apply imports (an import block) instead of creating.
	importID string
	// applied is the configuration applied first.
	applied resourceArgs
	// outOfBand changes GitLab behind Terraform's back, or is nil.
	outOfBand func(t *testing.T, fake *fakegitlab.Server)
	// planned is the configuration planned, applied and destroyed next.
	planned resourceArgs
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
	// underCLI runs the scenario under the Terraform CLI too.
	underCLI bool
}

// importBlock imports id into address.
func importBlock(address, id string) string {
	return fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", address, id)
}

// resourceHCL renders resource "test" of typeName with args.
func resourceHCL(typeName string, args resourceArgs) string {
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\nresource %q \"test\" {\n", typeName)
	for _, name := range names {
		switch v := args[name].(type) {
		case string:
			fmt.Fprintf(&b, "  %s = %q\n", name, v)
		default:
			fmt.Fprintf(&b, "  %s = %v\n", name, v)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// atApply is the error the refused apply fails with.
func (s refusalScenario) atApply() []string {
	if s.refusedAtApply != nil {
		return s.refusedAtApply
	}
	return s.refusal
}

// runRefusalScenario runs s in process, in its own fake GitLab.
func runRefusalScenario(t *testing.T, s refusalScenario) {
	t.Helper()
	fake := startFake(t, "basic.json")
	l := newProtocolHarnessFor(t, fake, s.token).lifecycle(s.typeName)
	var first *lifecycleResult
	if s.importID != "" {
		first = l.importApplyByID(s.importID, s.applied)
	} else {
		first = l.apply(s.applied)
	}
	if first.failed != "" {
		t.Fatalf("the first apply failed at %s:\n%s", first.failed, first.errorText())
	}
	if s.outOfBand != nil {
		s.outOfBand(t, fake)
	}
	if s.plannedToken != "" {
		l.h.reconfigure(fake, s.plannedToken)
	}

	plan := l.plan(s.planned)
	if plan.failed != "" {
		t.Fatalf("terraform plan failed at %s:\n%s", plan.failed, plan.errorText())
	}
	if !hasDiagnostic(plan.diags, tfprotov6.DiagnosticSeverityWarning, s.refusal) {
		t.Errorf("terraform plan did not warn %q:\n%s", s.refusal, diagsText(plan.diags))
	}

	fake.ResetStats()
	apply := l.apply(s.planned)
	atApply := s.atApply()
	if apply.failed == "" || !hasDiagnostic(apply.diags, tfprotov6.DiagnosticSeverityError, atApply) ||
		!hasDiagnostic(apply.diags, tfprotov6.DiagnosticSeverityError, []string{atApply[0], "nothing was sent to GitLab"}) {
		t.Errorf("terraform apply did not fail with %q, saying it sent nothing:\n%s", atApply, diagsText(apply.diags))
	}
	if writes := writeRequests(fake.Stats()); len(writes) > 0 {
		t.Errorf("terraform apply sent %s, want no write request", routeCounts(writes))
	}

	destroy := l.destroy(s.planned)
	if s.destroyRefused != nil {
		if destroy.failed == "" || !hasDiagnostic(destroy.diags, tfprotov6.DiagnosticSeverityError, s.destroyRefused) {
			t.Errorf("terraform destroy did not fail with %q:\n%s", s.destroyRefused, diagsText(destroy.diags))
		}
		return
	}
	if destroy.failed != "" {
		t.Fatalf("terraform destroy failed at %s:\n%s", destroy.failed, destroy.errorText())
	}
	if !l.state().IsNull() {
		t.Errorf("terraform destroy left in the state: %v", l.state())
	}
	if s.afterDestroy != nil {
		if err := s.afterDestroy(t, fake); err != nil {
			t.Error(err)
		}
	}
}

// hasDiagnostic reports whether one of diags of severity has the summary parts[0] and a detail
// holding parts[1:] in order.
func hasDiagnostic(diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity, parts []string) bool {
	for _, d := range diags {
		if d.Severity == severity && d.Summary == parts[0] && errorMatching(parts[1:]...).MatchString(d.Detail) {
			return true
		}
	}
	return false
}

// diagsText is every diagnostic, one per paragraph.
func diagsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s: %s\n", d.Severity, d.Summary, d.Detail)
	}
	return b.String()
}

// runRefusalScenarioUnderCLI runs s under the Terraform CLI in its own fake GitLab and working
// directory.
func runRefusalScenarioUnderCLI(t *testing.T, s refusalScenario) {
	t.Helper()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	applied := providerBlock(fake.URL(), s.token) + resourceHCL(s.typeName, s.applied)
	if s.importID != "" {
		cli.skipUnlessSupports(cliFeatureImportBlock)
		applied += importBlock(s.typeName+".test", s.importID)
	}
	cli.writeConfig(applied)
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	if s.outOfBand != nil {
		s.outOfBand(t, fake)
	}
	token := s.token
	if s.plannedToken != "" {
		token = s.plannedToken
	}
	cli.writeConfig(providerBlock(fake.URL(), token) + resourceHCL(s.typeName, s.planned))

	told := errorMatching(append([]string{"Warning: " + s.refusal[0]}, s.refusal[1:]...)...)
	if plan := cli.mustRun(nil, []string{"plan", "-no-color"}); !told.MatchString(flat(plan.output())) {
		t.Errorf("terraform plan did not warn %q:\n%s", s.refusal, plan.output())
	}

	fake.ResetStats()
	atApply := s.atApply()
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

// runRefusalScenarios runs every scenario in process, and those marked underCLI under the CLI
// too.
func runRefusalScenarios(t *testing.T, scenarios []refusalScenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			runRefusalScenario(t, s)
		})
		if s.underCLI {
			t.Run(s.name+" under the CLI", func(t *testing.T) {
				t.Parallel()
				runRefusalScenarioUnderCLI(t, s)
			})
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

// stagingWith is a staging deployment (release/1.x) changed by change.
func stagingWith(status string, change func(*deploymentArgs)) deploymentArgs {
	a := staging(status)
	if change != nil {
		change(&a)
	}
	return a
}

func onDestroy(policy string) func(*deploymentArgs) {
	return func(a *deploymentArgs) { a.onDestroy = policy }
}

// failedDeployment3 is seeded deployment 3 of basic.json (failed, recorded through the API), with
// status left out and changed by change.
func failedDeployment3(change func(*deploymentArgs)) resourceArgs {
	a := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaOld}
	if change != nil {
		change(&a)
	}
	return a.args()
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
			applied:      stagingWith("running", nil).args(),
			outOfBand:    setStatusInGitLab("success"),
			planned:      stagingWith("running", nil).args(),
			refusal:      []string{"Status Change Refused by GitLab", `from "success" to "running"`, "ignore_changes = [status]"},
			afterDestroy: stillInGitLab(6, "success"),
		},
		{
			name:         "status moved on out of band, deleted",
			applied:      stagingWith("running", onDestroy(onDestroyDelete)).args(),
			outOfBand:    setStatusInGitLab("failed"),
			planned:      stagingWith("running", onDestroy(onDestroyDelete)).args(),
			refusal:      []string{"Status Change Refused by GitLab", `from "failed" to "running"`},
			afterDestroy: goneFromGitLab,
			underCLI:     true,
		},
		{
			name:         "status moved on out of band, canceled and deleted",
			applied:      stagingWith("running", onDestroy(onDestroyCancelAndDelete)).args(),
			outOfBand:    setStatusInGitLab("canceled"),
			planned:      stagingWith("running", onDestroy(onDestroyCancelAndDelete)).args(),
			refusal:      []string{"Status Change Refused by GitLab", `from "canceled" to "running"`},
			afterDestroy: goneFromGitLab,
		},
		{
			name:         "made by CI, status changed",
			importID:     "acme/app:4",
			applied:      runningCIDeployment4("").args(),
			planned:      runningCIDeployment4("success").args(),
			refusal:      []string{"Deployment Created by GitLab CI Cannot Be Changed", `move it from "running" to "success"`},
			afterDestroy: stillInGitLab(4, "running"),
		},
		{
			name:     "imported without status, deleted in GitLab",
			importID: "acme/app:3",
			applied:  failedDeployment3(nil),
			outOfBand: func(t *testing.T, fake *fakegitlab.Server) {
				if err := testClient(t, fake).DeleteDeployment(context.Background(), "acme/app", 3); err != nil {
					t.Fatalf("deleting in GitLab: %v", err)
				}
			},
			planned: failedDeployment3(nil),
			refusal: []string{"Missing Deployment Status", `Set "status" to "running"`},
		},
		{
			name:     "imported without status, ref changed",
			importID: "acme/app:3",
			applied:  failedDeployment3(onDestroy(onDestroyDelete)),
			planned: failedDeployment3(func(a *deploymentArgs) {
				a.ref, a.sha, a.onDestroy = "release/1.x", shaRelease, onDestroyDelete
			}),
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
			applied: stagingWith("running", onDestroy(onDestroyDelete)).args(),
			planned: stagingWith("running", func(a *deploymentArgs) { a.sha, a.onDestroy = shaOld, onDestroyDelete }).args(),
			refusal: []string{"Deployment Cannot Be Replaced", "Changing sha records a new deployment", "because it is running"},
			// The replacement's first step, destroying the old deployment, is what fails.
			refusedAtApply: []string{"Deployment Cannot Be Destroyed", "because it is running"},
			// GitLab's own refusal of the delete stays an error of the destroy.
			destroyRefused: []string{"Deployment Cannot Be Destroyed", "because it is running"},
		},
	}
	for i := range scenarios {
		scenarios[i].typeName, scenarios[i].token = deploymentType, tokenMaintainer
	}
	runRefusalScenarios(t, scenarios)
}

// approvedByDev is dev's approval of blocked deployment 5 in production, changed by change. dev's
// rule is one of production's two; the other is the Maintainers'.
func approvedByDev(change func(*approvalArgs)) resourceArgs {
	a := approvalArgs{deployment: 5, status: gitlabapi.ApprovalApproved, comment: "looks good"}
	if change != nil {
		change(&a)
	}
	return a.args()
}

func rejected(a *approvalArgs) { a.status = gitlabapi.ApprovalRejected }

// The refusals of a changed decision never block terraform destroy either; GitLab keeps the
// decision, as destroying the resource only forgets it.
func TestAccPlanRefusals_approvalDestroyNeverBlocked(t *testing.T) {
	t.Parallel()
	scenarios := []refusalScenario{
		{
			name:    "deployment no longer waits",
			applied: approvedByDev(nil),
			outOfBand: func(t *testing.T, fake *fakegitlab.Server) {
				// The administrator satisfies the Maintainers' rule: nothing is pending any more.
				opts := gitlabapi.ApprovalOptions{Status: gitlabapi.ApprovalApproved}
				if _, err := testClient(t, fake).Decide(context.Background(), "acme/app", 5, opts, 0); err != nil {
					t.Fatalf("approving in GitLab: %v", err)
				}
			},
			planned:  approvedByDev(rejected),
			refusal:  []string{"Deployment No Longer Waits for Approvals", `environment "production"`, `Set "status" back to "approved"`},
			underCLI: true,
		},
		{
			name:    "comment changed alone",
			applied: approvedByDev(nil),
			planned: approvedByDev(func(a *approvalArgs) { a.comment = "ship it" }),
			refusal: []string{"Comment Cannot Change Alone", `comment "looks good"`, `Set "comment" back to "looks good"`},
		},
		{
			name:         "decision of another user",
			applied:      approvedByDev(nil),
			plannedToken: tokenMaintainer,
			planned:      approvedByDev(rejected),
			refusal:      []string{"Decision Belongs to Another User", "decision of dev (id 3)", "act for mae (id 2)"},
		},
		{
			name:    "represented_as naming another rule",
			applied: approvedByDev(nil),
			planned: approvedByDev(func(a *approvalArgs) { a.representedAs = "Maintainers" }),
			refusal: []string{"Decision Counts for Another Rule", `represented_as "Maintainers"`},
		},
	}
	for i := range scenarios {
		scenarios[i].typeName, scenarios[i].token = "gitlabdeploy_deployment_approval", tokenDeveloper
		scenarios[i].afterDestroy = func(t *testing.T, fake *fakegitlab.Server) error {
			if d := gitlabDeployment(t, fake, 5); d == nil || !hasDecisionOf(d, "dev") {
				return fmt.Errorf("GitLab holds %+v, want dev's decision on deployment 5 still recorded", d)
			}
			return nil
		}
	}
	runRefusalScenarios(t, scenarios)
}

func hasDecisionOf(d *gitlabapi.Deployment, username string) bool {
	for _, a := range d.Approvals {
		if a.User.Username == username {
			return true
		}
	}
	return false
}
