package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Tests of the paths after the first apply: replacements, destroys and the advice their
// refusals give, followed as written.

// autoApply and autoDestroy run the CLI without prompts.
var (
	autoApply   = []string{"apply", "-auto-approve", "-no-color"}
	autoDestroy = []string{"destroy", "-auto-approve", "-no-color"}
)

// expectOutput fails the test unless what the CLI printed holds every part, in order, however
// the CLI wrapped its lines.
func expectOutput(t *testing.T, what string, res cliResult, parts ...string) {
	t.Helper()
	if !errorMatching(parts...).MatchString(res.output()) {
		t.Errorf("%s: the output misses %q:\n%s", what, parts, res.output())
	}
}

// The advice of a refused destroy works when followed as written: a deployment recorded
// running, with on_destroy = "cancel_and_delete", became the environment's current one in
// GitLab; terraform destroy says to set on_destroy = "keep" and apply it. That apply still
// refuses the status change the configuration asks for (success back to running, which GitLab
// refuses), yet saves on_destroy and says so; the destroy then goes through and leaves the
// deployment in GitLab.
func TestAccDeploymentResource_keepAdviceWorksBesideRefusedStatusChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 10*time.Millisecond)
	cli.writeConfig(stagingWith(gitlabapi.StatusRunning, onDestroy(onDestroyCancelAndDelete)).config(fake, tokenMaintainer))
	cli.mustRun(nil, autoApply)
	setStatusInGitLab(gitlabapi.StatusSuccess)(t, fake)

	res := cli.mustRun(nil, autoDestroy, 1)
	expectOutput(t, "destroy", res, "Deployment Cannot Be Destroyed", "currently deployed",
		`set on_destroy = "keep" and apply it before destroying`)

	cli.writeConfig(stagingWith(gitlabapi.StatusRunning, onDestroy(onDestroyKeep)).config(fake, tokenMaintainer))
	res = cli.mustRun(nil, autoApply, 1)
	expectOutput(t, "apply of on_destroy = \"keep\"", res, "Status Change Refused by GitLab", "nothing was sent to GitLab")
	expectOutput(t, "apply of on_destroy = \"keep\"", res, "Settings Saved Although the Status Change Failed",
		`on_destroy = "keep"`)

	res = cli.mustRun(nil, autoDestroy)
	if !strings.Contains(res.output(), "Deployment Kept in GitLab") {
		t.Errorf("the destroy did not say it kept the deployment:\n%s", res.output())
	}
	if err := stillInGitLab(6, gitlabapi.StatusSuccess)(t, fake); err != nil {
		t.Error(err)
	}
}

// A sha bump of the environment's current deployment under on_destroy = "delete" is told at
// plan: GitLab refuses to delete the old deployment unless the new one became current first,
// which only lifecycle { create_before_destroy = true } does, and the plan cannot see it. Without
// it the apply refuses the delete before sending it (and GitLab keeps the deployment); with it,
// as the warning advises, the same change succeeds.
func TestAccDeploymentResource_replacementOfCurrentDeploymentNeedsCreateBeforeDestroy(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 10*time.Millisecond)
	release := staging(gitlabapi.StatusSuccess)
	release.onDestroy = onDestroyDelete
	cli.writeConfig(release.config(fake, tokenMaintainer))
	cli.mustRun(nil, autoApply)

	bumped := release
	bumped.sha = shaMain
	cli.writeConfig(bumped.config(fake, tokenMaintainer))
	res := cli.mustRun(nil, []string{"plan", "-no-color"})
	expectOutput(t, "plan", res, "Replacement Needs create_before_destroy", "Changing sha records a new deployment and deletes deployment 6",
		`environment "staging"`, "Add lifecycle { create_before_destroy = true }", `set on_destroy = "keep"`)

	fake.ResetStats()
	res = cli.mustRun(nil, autoApply, 1)
	expectOutput(t, "apply without create_before_destroy", res, "Unable to Delete Deployment", "currently deployed",
		"Nothing was sent to GitLab", "Add lifecycle { create_before_destroy = true }")
	if n := fake.Stats().ByRoute[routeDelete]; n != 0 {
		t.Errorf("the refused replacement sent %d deletes, want none", n)
	}
	if err := stillInGitLab(6, gitlabapi.StatusSuccess)(t, fake); err != nil {
		t.Error(err)
	}

	bumped.extra = "  lifecycle {\n    create_before_destroy = true\n  }\n"
	cli.writeConfig(bumped.config(fake, tokenMaintainer))
	cli.mustRun(nil, autoApply)
	if err := goneFromGitLab(t, fake); err != nil {
		t.Error(err)
	}
	if got := cli.deployments(); len(got) != 1 || got[7] != gitlabapi.StatusSuccess {
		t.Errorf("the state holds %v, want deployment 7, success", got)
	}
}

// A deployment one resource tracks, imported into a second resource, is told at the plan by the
// CLI, naming the deployment; a resource alone, planned and applied, is never told so (the plan
// and the apply configure the provider afresh).
func TestAccDeploymentResource_twinThroughImportIsTold(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 10*time.Millisecond)
	cli.writeConfig(staging(gitlabapi.StatusRunning).config(fake, tokenMaintainer))
	cli.mustRun(nil, autoApply)
	cli.writeConfig(staging(gitlabapi.StatusSuccess).config(fake, tokenMaintainer))
	res := cli.mustRun(nil, autoApply)
	if strings.Contains(res.output(), "Tracked by Two Resources") {
		t.Errorf("one resource was told it has a twin:\n%s", res.output())
	}

	twin := staging(gitlabapi.StatusFailed).resource()
	twin = strings.Replace(twin, `"test"`, `"twin"`, 1)
	cli.writeConfig(staging(gitlabapi.StatusSuccess).config(fake, tokenMaintainer) + twin + importBlock("gitlabdeploy_deployment.twin", "acme/app:6"))
	res = cli.mustRun(nil, []string{"plan", "-no-color"})
	expectOutput(t, "plan of the import", res, "Deployment Tracked by Two Resources",
		`Deployment 6 of project "acme/app" is tracked by another resource of this configuration too`, "Keep one resource")
}
