package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Life cycles of gitlabdeploy_deployment in process (runProtoSteps): what they check needs the
// provider's calls, not Terraform's own behaviour, which deployment_resource_test.go keeps.

// newDeploymentLifecycle is a life-cycle harness for a deployment against fake, as mae.
func newDeploymentLifecycle(t *testing.T, fake *fakegitlab.Server) *lifecycle {
	t.Helper()
	return newProtocolHarnessFor(t, fake, tokenMaintainer).lifecycle("gitlabdeploy_deployment")
}

// sameAsFirst is a step check that attr keeps the value it had the first time it ran.
func sameAsFirst(t *testing.T, attr string) func(*lifecycle) {
	var first any
	return func(l *lifecycle) {
		got := jsonValue(t, attrsOfValue(l.state())[attr])
		if first == nil {
			first = got
		} else if fmt.Sprint(got) != fmt.Sprint(first) {
			t.Errorf("%s = %v, want %v as at first", attr, got, first)
		}
	}
}

func TestDeploymentResource_statusUpdates(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	sameID, sameCreatedAt := sameAsFirst(t, "id"), sameAsFirst(t, "created_at")
	step := func(status, action string) protoStep {
		return protoStep{
			args: staging(status).args(), action: action,
			state: map[string]knownvalue.Check{"status": knownvalue.StringExact(status)},
			check: func(l *lifecycle) { sameID(l); sameCreatedAt(l) },
		}
	}
	var id int64
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		step("running", "create"),
		step("success", "update"),
		step("failed", "update"),
		step("canceled", "update"),
		step("success", "update"),
		{args: staging("success").args(), check: func(l *lifecycle) { id = int64Attr(l.state(), "deployment_id") }},
		{
			// GitLab holds the status Terraform set.
			preConfig: func() { wantGitLabStatus(t, fake, id, "success") },
			args:      staging("success").args(), planOnly: true,
		},
	}, nil)
}

// GitLab moves a deployment to running only from created or blocked, which API-created
// deployments never are: every such change fails at plan time and changes nothing.
func TestDeploymentResource_refusedTransitions(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	refused := func(from string) protoStep {
		return protoStep{
			args: staging("running").args(),
			expectError: errorMatching("Status Change Refused by GitLab", `from "`+from+`" to "running"`,
				`only from "created" or "blocked"`),
		}
	}
	statusIs := func(status string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"status": knownvalue.StringExact(status)}
	}
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: staging("success").args()},
		refused("success"),
		{args: staging("failed").args(), state: statusIs("failed")},
		refused("failed"),
		{args: staging("canceled").args(), state: statusIs("canceled")},
		refused("canceled"),
		// Nothing was sent: the state and GitLab still say canceled.
		{args: staging("canceled").args(), action: "no-op"},
	}, nil)
}

func TestDeploymentResource_replace(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	args := staging("success")
	steps := []protoStep{{args: args.args()}}
	change := func(mutate func(*deploymentArgs), action string, checks map[string]knownvalue.Check) {
		mutate(&args)
		steps = append(steps, protoStep{args: args.args(), action: action, state: checks})
	}
	change(func(a *deploymentArgs) { a.environment = "qa" }, "replace",
		map[string]knownvalue.Check{"environment": knownvalue.StringExact("qa"), "deployment_id": knownvalue.Int64Exact(7)})
	change(func(a *deploymentArgs) { a.ref = "feature/login" }, "replace",
		map[string]knownvalue.Check{"ref": knownvalue.StringExact("feature/login"), "deployment_id": knownvalue.Int64Exact(8)})
	change(func(a *deploymentArgs) { a.sha = shaOld }, "replace",
		map[string]knownvalue.Check{"sha": knownvalue.StringExact(shaOld), "deployment_id": knownvalue.Int64Exact(9)})
	change(func(a *deploymentArgs) { a.ref, a.sha, a.tag = "v1.0.0", shaV1, ptr(true) }, "replace",
		map[string]knownvalue.Check{"tag": knownvalue.Bool(true), "deployment_id": knownvalue.Int64Exact(10)})
	// Another spelling of the same commit or project keeps the deployment.
	change(func(a *deploymentArgs) { a.sha = shaV1[:10] }, "update",
		map[string]knownvalue.Check{"sha": knownvalue.StringExact(shaV1[:10]), "deployment_id": knownvalue.Int64Exact(10)})
	change(func(a *deploymentArgs) { a.project = "1" }, "update",
		map[string]knownvalue.Check{"id": knownvalue.StringExact("1:10"), "deployment_id": knownvalue.Int64Exact(10)})
	change(func(a *deploymentArgs) { a.project = "ACME/App" }, "update",
		map[string]knownvalue.Check{"id": knownvalue.StringExact("ACME/App:10")})
	// Another project records a new deployment there.
	change(func(a *deploymentArgs) {
		a.project, a.ref, a.sha, a.tag = "acme/tools", "main", "3f786850e387550fdab836ed7e6dc881de23001b", nil
	}, "replace", map[string]knownvalue.Check{"id": knownvalue.StringExact("acme/tools:11")})
	runProtoSteps(t, newDeploymentLifecycle(t, fake), steps, nil)
}

func TestDeploymentResource_createRefusals(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	with := func(mutate func(*deploymentArgs)) resourceArgs {
		args := staging("success")
		mutate(&args)
		return args.args()
	}
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		// Found at plan time, before any request.
		{args: with(func(a *deploymentArgs) { a.status = "" }), expectError: errorMatching("Missing Deployment Status")},
		{args: with(func(a *deploymentArgs) { a.status = "blocked" }), expectError: errorMatching("status", "value must be one of")},
		{args: with(func(a *deploymentArgs) { a.sha = "main" }), expectError: errorMatching("must be a commit SHA")},
		{args: with(func(a *deploymentArgs) { a.project = "app" }), expectError: errorMatching("Invalid Project", "neither a numeric id nor a full path")},
		{args: with(func(a *deploymentArgs) { a.environment = "/prod" }), expectError: errorMatching("must not start or end with '/'")},
		{args: with(func(a *deploymentArgs) { a.onDestroy = "forget" }), expectError: errorMatching("on_destroy", "value must be one of")},
		{
			preConfig: func() {
				if n := fake.Stats().Total; n != 0 {
					t.Errorf("the refusals at plan sent %d requests, want none", n)
				}
			},
			// Refused by GitLab at apply.
			args: with(func(a *deploymentArgs) { a.ref = "no-such-branch" }), expectError: errorMatching("Deployment Ref Not Found", "branch or tag that exists"),
		},
		{args: with(func(a *deploymentArgs) { a.sha = "deadbeefdeadbeef" }), expectError: errorMatching("Deployment Commit Not Found", "commit does not exist")},
		{args: with(func(a *deploymentArgs) { a.project = "acme/nope" }), expectError: errorMatching("Unable to Create Deployment", "not a member")},
		{
			provider: &providerTarget{fake, tokenReporter},
			args:     staging("success").args(), expectError: errorMatching("Unable to Create Deployment", "needs the Developer role"),
		},
		{
			provider:    &providerTarget{fake, tokenDeveloper},
			args:        deploymentArgs{project: "acme/app", environment: "production", ref: "main", sha: shaMain, status: "success"}.args(),
			expectError: errorMatching("Unable to Create Deployment", "deploy access"),
		},
	}, nil)
}

// A maintainer deploys to protected production; its approval rules show up as pending.
func TestDeploymentResource_protectedEnvironment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{{
		args: deploymentArgs{project: "acme/app", environment: "production", ref: "release/1.x", sha: shaRelease, status: "running"}.args(),
		state: map[string]knownvalue.Check{
			"pending_approval_count": knownvalue.Int64Exact(2),
			"approvals":              knownvalue.ListExact(nil),
		},
	}}, nil)
}

// Deployments created by CI can be imported and read, but any change to them fails at plan time.
func TestDeploymentResource_ciCreated(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	running := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaMain} // deployment 4
	runningWith := func(mutate func(*deploymentArgs)) resourceArgs {
		args := running
		mutate(&args)
		return args.args()
	}
	ciRefusal := errorMatching("Deployment Created by GitLab CI Cannot Be Changed", "can not be updated using the API")
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: running.args(), importID: "acme/app:4", importPersist: true},
		{
			// Without status, the resource follows GitLab's.
			args: running.args(), action: "no-op",
			state: map[string]knownvalue.Check{
				"status": knownvalue.StringExact("running"),
				"deployable": knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"name":  knownvalue.StringExact("deploy-staging"),
					"stage": knownvalue.StringExact("deploy"),
				}),
			},
		},
		{args: runningWith(func(a *deploymentArgs) { a.status = "running" }), action: "no-op"},
		{args: runningWith(func(a *deploymentArgs) { a.status = "success" }), expectError: ciRefusal},
		// Provider-side settings may change.
		{args: runningWith(func(a *deploymentArgs) { a.onDestroy = "cancel_and_delete" }), action: "update"},
		{
			args: runningWith(func(a *deploymentArgs) { a.onDestroy = "cancel_and_delete" }), destroy: true,
			expectError: errorMatching("Deployment Cannot Be Destroyed", "created by GitLab CI"),
		},
		{args: running.args(), action: "update"},
	}, func() error {
		if d := gitlabDeployment(t, fake, 4); d == nil || d.Status != "running" {
			return fmt.Errorf("GitLab holds %+v, want CI deployment 4 still running", d)
		}
		return nil
	})
}

// A blocked CI deployment (waiting for approval) imports with an import block and plans empty.
func TestDeploymentResource_ciCreatedBlocked(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	blocked := deploymentArgs{project: "acme/app", environment: "production", ref: "main", sha: shaMain} // deployment 5
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: blocked.args(), importID: "acme/app:5", importBlock: true},
		{args: blocked.args(), importID: "1:5", importPersist: true},
		{
			args:        deploymentArgs{project: "1", environment: "production", ref: "main", sha: shaMain, status: "success"}.args(),
			expectError: errorMatching("Deployment Created by GitLab CI Cannot Be Changed", "from \"blocked\" to \"success\""),
		},
	}, nil)
}

// Seeded deployments import by project path or id, learning tag from the repository.
func TestDeploymentResource_import(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	release := deploymentArgs{project: "acme/app", environment: "production", ref: "v1.0.0", sha: shaV1, status: "success", tag: ptr(true)}
	byID := release
	byID.project = "1"
	failed := deploymentArgs{project: "acme/app", environment: "staging", ref: "main", sha: shaOld, status: "failed"}
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: failed.args(), importID: "acme/app:3", importPersist: true},
		{
			args: failed.args(), action: "no-op",
			state: map[string]knownvalue.Check{
				"id":         knownvalue.StringExact("acme/app:3"),
				"tag":        knownvalue.Bool(false),
				"on_destroy": knownvalue.StringExact("keep"),
				"user":       knownvalue.ObjectPartial(map[string]knownvalue.Check{"username": knownvalue.StringExact("dev")}),
			},
		},
		{args: release.args(), importID: "acme/app:1", importBlock: true},
		{args: byID.args(), importID: "1:1", importBlock: true},
		{args: failed.args(), importID: "acme/app:3:4", expectError: errorMatching("Invalid Deployment Import ID", "<project>:<deployment_id>")},
		{
			args: failed.args(), importID: "acme/app:99",
			expectError: errorMatching(`Project "acme/app" has no deployment with id 99`, "Nothing was imported."),
		},
	}, nil)
}

// GitLab refuses to delete a running deployment: a destroy fails at plan, from the state; a
// replacement is warned of at plan and refused at apply before any request; both keep the
// deployment in GitLab and in the state.
func TestDeploymentResource_deleteRefusedWhileRunning(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	running := runningDeleted()
	replaced := running
	replaced.sha = shaOld
	failed := running
	failed.status = "failed"
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: running.args()},
		{
			args: running.args(), destroy: true,
			expectError: errorMatching("Deployment Cannot Be Destroyed", "because it is running", "cancel_and_delete"),
		},
		{
			preConfig:   fake.ResetStats,
			args:        replaced.args(),
			expectError: errorMatching("Deployment Cannot Be Destroyed", "because it is running", "nothing was sent to GitLab"),
		},
		{
			// Nothing was written; a finished deployment is deleted at the end.
			preConfig: func() {
				if writes := writeRequests(fake.Stats()); len(writes) > 0 {
					t.Errorf("the refused replacement sent %s", routeCounts(writes))
				}
			},
			args: failed.args(), action: "update",
		},
	}, nil)
}

func TestDeploymentResource_drift(t *testing.T) {
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
	success := map[string]knownvalue.Check{"status": knownvalue.StringExact("success")}
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: staging("running").args(), check: func(l *lifecycle) { id = int64Attr(l.state(), "deployment_id") }},
		{
			// GitLab cannot move it back to running: explained at plan time.
			preConfig:   setStatus("failed"),
			args:        staging("running").args(),
			expectError: errorMatching("Status Change Refused by GitLab", "from \"failed\" to \"running\"", "Set \"status\" to \"failed\""),
		},
		{args: staging("success").args(), action: "update", state: success},
		// Changed in GitLab to a status it can move back from: planned back.
		{preConfig: setStatus("canceled"), args: staging("success").args(), action: "update", state: success},
		{
			// Deleted in GitLab: planned for re-creation.
			preConfig: func() {
				setStatus("failed")()
				if err := client.DeleteDeployment(context.Background(), "acme/app", id); err != nil {
					t.Fatalf("deleting in GitLab: %v", err)
				}
			},
			args: staging("success").args(), action: "create",
			state: map[string]knownvalue.Check{
				"status":        knownvalue.StringExact("success"),
				"deployment_id": knownvalue.NotNull(),
			},
		},
	}, nil)
}

// A 404 empties the state only when GitLab shows the project: a wrong base_url or a token that
// lost access fails loudly instead.
func TestDeploymentResource_notFoundKeepsState(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	usersOnly := loadSeed(t, "basic.json")
	usersOnly.Projects, usersOnly.JobTokens = nil, nil
	otherGitLab := fakegitlab.NewTestServer(t, usersOnly, fakegitlab.Options{})
	keptState := errorMatching("Unable to Read Deployment", "404 Project Not Found", "keeps the deployment in the state")
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: staging("failed").args()},
		{provider: &providerTarget{otherGitLab, tokenMaintainer}, args: staging("failed").args(), expectError: keptState},
		{provider: &providerTarget{fake, tokenOutsider}, args: staging("failed").args(), expectError: keptState},
		{provider: &providerTarget{fake, tokenMaintainer}, args: staging("failed").args(), action: "no-op"},
	}, nil)
}

// Planning sends nothing for a new deployment, and refreshing one costs exactly one request.
func TestDeploymentResource_requestCost(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	args := staging("failed").args()
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: args, planOnly: true, expectNonEmptyPlan: true},
		{
			preConfig: func() {
				if got := fake.Stats().Total; got != 0 {
					t.Errorf("configuring the provider and planning a create sent %d requests, want 0", got)
				}
			},
			args: args,
		},
		{preConfig: fake.ResetStats, args: args, planOnly: true},
		{
			preConfig: func() {
				stats := fake.Stats()
				only := "GET /api/v4/projects/:id/deployments/:deployment_id"
				if stats.ByRoute[only] == 0 || stats.ByRoute[only] != stats.Total {
					t.Errorf("refresh and plan sent %v, want only %s", stats.ByRoute, only)
				}
			},
			args: args, planOnly: true,
		},
	}, nil)
}

// When the repository's tags cannot be read at import, tag is taken from the configuration at
// the next apply, without replacing the deployment.
func TestDeploymentResource_importTagUnknown(t *testing.T) {
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
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: release.args(), importID: "acme/app:1", importPersist: true},
		{
			args: release.args(), action: "update",
			state: map[string]knownvalue.Check{"tag": knownvalue.Bool(true), "deployment_id": knownvalue.Int64Exact(1)},
		},
	}, nil)
}

// When GitLab applies a create or a status change and its answer is lost, the apply still
// records exactly what GitLab holds: one deployment, in the status asked for.
func TestDeploymentResource_lostAnswers(t *testing.T) {
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
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{args: args.args()},
		{
			preConfig: onlyOne, args: success.args(), action: "update",
			state: map[string]knownvalue.Check{"status": knownvalue.StringExact("success")},
		},
		{
			preConfig: func() {
				onlyOne()
				mu.Lock()
				defer mu.Unlock()
				if !lost[http.MethodPost] || !lost[http.MethodPut] {
					t.Errorf("answers lost: %v, want a create's and a status change's", lost)
				}
			},
			args: success.args(), planOnly: true,
		},
	}, nil)
}

// Replacing a deployment made by CI, under on_destroy = "keep", records a new deployment through
// the API and leaves the CI job's deployment alone: GitLab refuses only to update it.
func TestDeploymentResource_ciCreatedReplacedUnderKeep(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	imported := runningCIDeployment4("")
	replacement := runningCIDeployment4("success")
	replacement.sha = shaOld
	var importedID int64
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{
			args: imported.args(), importID: "acme/app:4", importApply: true,
			check: func(l *lifecycle) { importedID = int64Attr(l.state(), "deployment_id") },
		},
		{
			args: replacement.args(), action: "replace",
			state: map[string]knownvalue.Check{
				"sha":        knownvalue.StringExact(shaOld),
				"status":     knownvalue.StringExact("success"),
				"deployable": knownvalue.Null(),
			},
			check: func(l *lifecycle) {
				if id := int64Attr(l.state(), "deployment_id"); id == importedID {
					t.Errorf("deployment_id %d after the replacement, want another than the imported one", id)
				}
			},
		},
	}, func() error { return stillInGitLab(4, "running")(t, fake) })
}

// GitLab refuses to delete the deployment currently deployed to its environment, whatever
// on_destroy asks; the destroy plan tells, before anything is destroyed. The way out is a
// replacement that becomes current first.
func TestDeploymentResource_deleteRefusedWhileCurrent(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	current := runningDeleted()
	current.status = "success"
	canceledAndDeleted := current
	canceledAndDeleted.onDestroy = onDestroyCancelAndDelete
	replacement := current
	replacement.sha = shaOld
	kept := replacement
	kept.onDestroy = ""
	var firstID int64
	runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{
		{
			args:  current.args(),
			check: func(l *lifecycle) { firstID = int64Attr(l.state(), "deployment_id") },
		},
		{
			// The destroy plan asks GitLab which deployment is current.
			args: current.args(), destroy: true,
			expectError: errorMatching("Deployment Cannot Be Destroyed", `currently deployed to environment "staging"`,
				"nothing has been destroyed", `set on_destroy = "keep"`),
		},
		// The state still holds it, unchanged.
		{args: current.args(), planOnly: true},
		{args: canceledAndDeleted.args()},
		{
			// cancel_and_delete does not un-deploy the current deployment either.
			args: canceledAndDeleted.args(), destroy: true,
			expectError: errorMatching("Deployment Cannot Be Destroyed", `on_destroy = "cancel_and_delete" asks to delete it`),
		},
		{args: current.args()},
		{args: replacement.args(), createBeforeDestroy: true, action: "replace"},
		{
			preConfig: func() {
				if d := gitlabDeployment(t, fake, firstID); d != nil {
					t.Errorf("deployment %d is still in GitLab after its replacement", firstID)
				}
			},
			args: kept.args(), createBeforeDestroy: true,
		},
	}, nil)
}

// on_destroy decides what destroying does in GitLab.
func TestDeploymentResource_onDestroy(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	review := func(env, status, onDestroy string) resourceArgs {
		return deploymentArgs{project: "acme/app", environment: env, ref: "main", sha: shaMain, status: status, onDestroy: onDestroy}.args()
	}
	for _, tc := range []struct {
		args      resourceArgs
		kept      bool
		onDestroy string
	}{
		{review("review/keep", "success", ""), true, "keep"},
		{review("review/delete", "failed", onDestroyDelete), false, onDestroyDelete},
		{review("review/cancel", "running", onDestroyCancelAndDelete), false, onDestroyCancelAndDelete},
	} {
		var id int64
		runProtoSteps(t, newDeploymentLifecycle(t, fake), []protoStep{{
			args:  tc.args,
			check: func(l *lifecycle) { id = int64Attr(l.state(), "deployment_id") },
		}}, func() error {
			switch d := gitlabDeployment(t, fake, id); {
			case tc.kept && d == nil:
				return fmt.Errorf("on_destroy = %s: deployment %d is gone from GitLab", tc.onDestroy, id)
			case !tc.kept && d != nil:
				return fmt.Errorf("on_destroy = %s: deployment %d is still in GitLab (%s)", tc.onDestroy, id, d.Status)
			}
			return nil
		})
	}
}
