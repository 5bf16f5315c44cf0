package provider

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// The tests of this file call the stop action's RPCs as Terraform 1.14 does, against the fake's
// environments endpoints (DESIGN.md §A14); TestAccStopEnvironmentAction_* drive the CLI.

const (
	stopActionType = "gitlabdeploy_stop_environment"
	routeEnvList   = "GET /api/v4/projects/:id/environments"
	routeEnvGet    = "GET /api/v4/projects/:id/environments/:environment_id"
	routeEnvStop   = "POST /api/v4/projects/:id/environments/:environment_id/stop"
)

func stopArgs(env string, extra actionArgs) actionArgs {
	args := actionArgs{"project": "acme/app", "environment": env}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// environmentState reads an environment's state in GitLab, as the administrator.
func environmentState(t *testing.T, fake *fakegitlab.Server, name string) string {
	t.Helper()
	env, err := testClient(t, fake).FindEnvironment(context.Background(), "acme/app", name)
	if err != nil || env == nil {
		t.Fatalf("environment %q: %v, %v", name, env, err)
	}
	return env.State
}

func TestStopEnvironmentAction_invalidValuesFailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "environments.json")
	c := newActionCaller(t, fake, tokenDeveloper)
	expectDiagnostic(t, c.validate(stopActionType, stopArgs("review/", nil)), tfprotov6.DiagnosticSeverityError,
		"must not start or end with '/'", "[at", "environment")
	expectDiagnostic(t, c.validate(stopActionType, stopArgs(strings.Repeat("x", 256), nil)), tfprotov6.DiagnosticSeverityError,
		"environment")
	expectDiagnostic(t, c.validate(stopActionType, actionArgs{"project": "/acme", "environment": "review/x"}),
		tfprotov6.DiagnosticSeverityError, "Invalid Project", "project")
	expectNoDiagnostics(t, c.validate(stopActionType, stopArgs("review/ci-made", actionArgs{"force": true})))
	expectNoDiagnostics(t, c.plan(stopActionType, stopArgs("review/ci-made", nil)))
	c.expectRequests("validating and planning", map[string]int{})
}

// One lookup by name and one stop; a second invocation finds it stopped and sends nothing more.
func TestStopEnvironmentAction_stopsByName(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "environments.json")
	c := newActionCaller(t, fake, tokenDeveloper)

	progress, diags := c.invoke(stopActionType, stopArgs("review/ci-made", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Stopped environment "review/ci-made" (id 2) of project "acme/app".`)
	c.expectRequests("a stop", map[string]int{routeEnvList: 1, routeEnvStop: 1})
	if got := environmentState(t, fake, "review/ci-made"); got != "stopped" {
		t.Errorf("review/ci-made is %s in GitLab, want stopped", got)
	}
	c.fake.ResetStats()

	progress, diags = c.invoke(stopActionType, stopArgs("review/ci-made", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Environment "review/ci-made" (id 2) of project "acme/app" is already stopped: nothing to do.`)
	c.expectRequests("a repeat", map[string]int{routeEnvList: 1})
}

// An environment with an on_stop job is stopping until the job ends; force marks it stopped.
func TestStopEnvironmentAction_onStopJobAndForce(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "environments.json")
	c := newActionCaller(t, fake, tokenDeveloper)

	progress, diags := c.invoke(stopActionType, stopArgs("review/with-on-stop", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Stopping environment "review/with-on-stop" (id 3)`, "its on_stop job runs")
	if got := environmentState(t, fake, "review/with-on-stop"); got != "stopping" {
		t.Errorf("state in GitLab = %s, want stopping", got)
	}
	c.fake.ResetStats()

	// Without force, a stopping environment is left to its job: GitLab would refuse the stop.
	progress, diags = c.invoke(stopActionType, stopArgs("review/with-on-stop", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, "is already stopping", "Set force = true to mark it stopped at once.")
	c.expectRequests("a repeat without force", map[string]int{routeEnvList: 1})

	// Following that advice works.
	progress, diags = c.invoke(stopActionType, stopArgs("review/with-on-stop", actionArgs{"force": true}))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Stopped environment "review/with-on-stop" (id 3)`)
	if got := environmentState(t, fake, "review/with-on-stop"); got != "stopped" {
		t.Errorf("state in GitLab = %s, want stopped", got)
	}
}

// A name GitLab does not know is a warning naming the attribute, not a failure: a review
// environment that never got a deployment has nothing to stop.
func TestStopEnvironmentAction_unknownEnvironmentWarns(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "environments.json")
	c := newActionCaller(t, fake, tokenDeveloper)
	_, diags := c.invoke(stopActionType, stopArgs("Review/CI-made", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityWarning, "Environment Not Found",
		`Project "acme/app" has no environment named "Review/CI-made"`, "case-sensitive", "[at", "environment")
	c.expectRequests("a lookup", map[string]int{routeEnvList: 1})
}

// GitLab's refusals are explained with the role or access needed, and nothing changes.
func TestStopEnvironmentAction_refusalsExplained(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "environments.json")
	_, diags := newActionCaller(t, fake, "rita-token").invoke(stopActionType, stopArgs("review/ci-made", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Stop Environment",
		`environment "review/ci-made" (id 2) of project "acme/app"`, "403 Forbidden", "Developer role", "[at", "environment")
	_, diags = newActionCaller(t, fake, tokenDeveloper).invoke(stopActionType, stopArgs("production", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Stop Environment", "403 Forbidden",
		"deploy access")
	for _, name := range []string{"review/ci-made", "production"} {
		if got := environmentState(t, fake, name); got != "available" {
			t.Errorf("%s is %s in GitLab, want available", name, got)
		}
	}
	// A maintainer with deploy access stops production.
	progress, diags := newActionCaller(t, fake, tokenMaintainer).invoke(stopActionType, stopArgs("production", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Stopped environment "production"`)
}

// A stop whose answer is lost is settled by reading the environment, never sent twice.
func TestStopEnvironmentAction_lostAnswerSettledByReading(t *testing.T) {
	t.Parallel()
	var stops atomic.Int32
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "environments.json"), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/stop") && stops.Add(1) == 1 {
			return fakegitlab.FaultLoseAnswer502
		}
		return fakegitlab.FaultNone
	}})
	c := newActionCaller(t, fake, tokenDeveloper)
	progress, diags := c.invoke(stopActionType, stopArgs("review/ci-made", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Stopped environment "review/ci-made"`)
	if n := stops.Load(); n != 1 {
		t.Errorf("%d stop requests sent, want 1", n)
	}
	c.expectRequests("a lost stop", map[string]int{routeEnvList: 1, routeEnvStop: 1, routeEnvGet: 1})
}

// terraform apply -invoke stops the environment and shows the action's progress.
func TestAccStopEnvironmentAction_invokeFromTheCLI(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureActions)
	fake := startFake(t, "environments.json")
	cli.writeConfig(providerBlock(fake.URL(), tokenDeveloper) + `
action "gitlabdeploy_stop_environment" "review" {
  config {
    project     = "acme/app"
    environment = "review/ci-made"
  }
}
`)
	out := cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color", "-invoke=action.gitlabdeploy_stop_environment.review"}).output()
	if !errorMatching(`Stopped environment "review/ci-made" (id 2) of project "acme/app".`).MatchString(out) {
		t.Errorf("terraform apply -invoke printed no progress:\n%s", out)
	}
	if got := environmentState(t, fake, "review/ci-made"); got != "stopped" {
		t.Errorf("review/ci-made is %s in GitLab, want stopped", got)
	}
}

// reviewAppWithStopTrigger is a review app whose destroy stops its environment (Terraform 1.16).
func reviewAppWithStopTrigger(fake *fakegitlab.Server, token, env, onFailure string) string {
	return providerBlock(fake.URL(), token) + `
resource "terraform_data" "review_app" {
  input = "` + env + `"

  lifecycle {
    action_trigger {
      events     = [after_destroy]
      actions    = [action.gitlabdeploy_stop_environment.review_app]
      on_failure = ` + onFailure + `
    }
  }
}

action "gitlabdeploy_stop_environment" "review_app" {
  config {
    project     = "acme/app"
    environment = "` + env + `"
  }
}
`
}

// With Terraform 1.16, an after_destroy trigger stops the environment when the app is destroyed,
// and not before. A failed stop never blocks `terraform destroy` (Terraform turns an action's
// errors into warnings in a destroy walk, whatever on_failure says); inside `terraform apply`, a
// replacement's failed stop is a warning under on_failure = continue and fails the apply under halt.
func TestAccStopEnvironmentAction_afterDestroyTrigger(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureDestroyTriggers)
	fake := startFake(t, "environments.json")

	cli.writeConfig(reviewAppWithStopTrigger(fake, tokenDeveloper, "review/ci-made", "halt"))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	if got := environmentState(t, fake, "review/ci-made"); got != "available" {
		t.Fatalf("after the apply, review/ci-made is %s, want available", got)
	}
	out := cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color"}).output()
	if got := environmentState(t, fake, "review/ci-made"); got != "stopped" {
		t.Errorf("after the destroy, review/ci-made is %s, want stopped:\n%s", got, out)
	}

	// rita (Reporter) may not stop it. Even under halt, terraform destroy goes on with a warning...
	cli.writeConfig(reviewAppWithStopTrigger(fake, "rita-token", "review/with-on-stop", "halt"))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	out = cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color"}).output()
	if !errorMatching("Warning", "Unable to Stop Environment", "Developer role").MatchString(out) {
		t.Errorf("on_failure = halt under terraform destroy: no warning:\n%s", out)
	}
	// ...a replacement inside terraform apply goes on under continue...
	cli.writeConfig(reviewAppWithStopTrigger(fake, "rita-token", "review/with-on-stop", "continue"))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	out = cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color", "-replace=terraform_data.review_app"}).output()
	if !errorMatching("Warning", "Unable to Stop Environment").MatchString(out) {
		t.Errorf("on_failure = continue on a replacement: no warning:\n%s", out)
	}
	// ...and fails under halt.
	cli.writeConfig(reviewAppWithStopTrigger(fake, "rita-token", "review/with-on-stop", "halt"))
	out = cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color", "-replace=terraform_data.review_app"}, 1).output()
	if !errorMatching("Error", "Unable to Stop Environment").MatchString(out) {
		t.Errorf("on_failure = halt on a replacement: the apply printed no error:\n%s", out)
	}
	if got := environmentState(t, fake, "review/with-on-stop"); got != "available" {
		t.Errorf("review/with-on-stop is %s, want available", got)
	}
}
