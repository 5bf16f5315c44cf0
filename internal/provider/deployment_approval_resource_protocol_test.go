package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Life cycles of gitlabdeploy_deployment_approval in process (runProtoSteps); two resources of
// one user stay in deployment_approval_resource_test.go.

// newApprovalLifecycle is a life-cycle harness for a decision against fake, as the user of token.
func newApprovalLifecycle(t *testing.T, fake *fakegitlab.Server, token string) *lifecycle {
	t.Helper()
	return newProtocolHarnessFor(t, fake, token).lifecycle("gitlabdeploy_deployment_approval")
}

// args are the decision's arguments for the in-process harness (extra is not carried over).
func (a approvalArgs) args() resourceArgs {
	out := resourceArgs{"project": "acme/app", "deployment_id": a.deployment, "status": a.status}
	if a.comment != "" {
		out["comment"] = a.comment
	}
	if a.representedAs != "" {
		out["represented_as"] = a.representedAs
	}
	return out
}

// gitlabCheck runs a state check that looks at GitLab alone after a step.
func gitlabCheck(t *testing.T, checks ...statecheck.StateCheck) func(*lifecycle) {
	return func(*lifecycle) {
		for _, c := range checks {
			var resp statecheck.CheckStateResponse
			c.CheckState(context.Background(), statecheck.CheckStateRequest{}, &resp)
			if resp.Error != nil {
				t.Error(resp.Error)
			}
		}
	}
}

// A CI-created blocked deployment stays blocked when approved; a rejection fails it.
func TestDeploymentApprovalResource_ciDeployment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		{
			args: approvalArgs{deployment: 2, status: "approved"}.args(), action: "create",
			state: map[string]knownvalue.Check{"pending_approval_count": knownvalue.Int64Exact(2)},
			check: gitlabCheck(t, deploymentStatusIs{testClient(t, fake), 2, "blocked"}),
		},
		{
			args: approvalArgs{deployment: 2, status: "rejected", comment: "canary errors"}.args(), action: "update",
			state: map[string]knownvalue.Check{"status": knownvalue.StringExact("rejected")},
			check: gitlabCheck(t, deploymentStatusIs{testClient(t, fake), 2, "failed"}),
		},
	}, nil)
}

// Each rule needs its own approval: pending_approval_count goes down by one per rule, and not
// for a second approval under a rule already satisfied. Other approvers act through the API.
func TestDeploymentApprovalResource_severalRules(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	args := approvalArgs{deployment: 6, status: "approved"}.args()
	pending := func(n int64) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"pending_approval_count": knownvalue.Int64Exact(n)}
	}
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		{args: args, state: pending(2)},
		// sam matches Maintainers first: already satisfied by mae.
		{preConfig: func() { decideAs(t, fake, "sam-token", 6, "approved", "", "") }, args: args, state: pending(2)},
		{preConfig: func() { decideAs(t, fake, "quinn-token", 6, "approved", "", "") }, args: args, state: pending(1)},
		{
			// The provider's token now acts for sam: mae's decision can only change with mae's.
			provider: &providerTarget{fake, "sam-token"},
			args:     approvalArgs{deployment: 6, status: "rejected"}.args(),
			expectError: errorMatching("Decision Belongs to Another User", "decision of mae (id 3)",
				"credentials act for sam (id 5)"),
		},
		{
			provider:  &providerTarget{fake, "mae-token"},
			preConfig: func() { decideAs(t, fake, "sam-token", 6, "approved", "", "security") },
			args:      args, state: pending(0),
		},
		{
			args: approvalArgs{deployment: 6, status: "rejected"}.args(),
			expectError: errorMatching("Deployment No Longer Waits for Approvals",
				`every approval rule of environment "production" is satisfied`, `Set "status" back to "approved"`),
		},
	}, nil)
}

// Every refusal names the cause and the fix.
func TestDeploymentApprovalResource_refusals(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	step := func(args approvalArgs, token string, parts ...string) protoStep {
		return protoStep{provider: &providerTarget{fake, token}, args: args.args(), expectError: errorMatching(parts...)}
	}
	approve := func(id int64) approvalArgs { return approvalArgs{deployment: id, status: "approved"} }
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		step(approvalArgs{deployment: 1, status: "maybe"}, "mae-token", "status", `value must be one of`, `"approved"`, `"rejected"`),
		step(approvalArgs{deployment: 1, status: "approved", comment: strings.Repeat("é", 256)}, "mae-token",
			"comment", "must be between 1 and 255"),
		step(approve(3), "mae-token", "This environment is not protected.", "Protect the environment with approval rules"),
		step(approve(4), "mae-token", "Deployment approvals is not configured", "Add approval rules to its protected environment"),
		step(approve(1), "dora-token", "You cannot approve your own deployment", "allow_pipeline_trigger_approve_deployment",
			"Rejecting one's own deployment is always allowed"),
		step(approve(1), "rita-token", "You don't have permission to approve this deployment",
			"matches none of the approval rules"),
		step(approve(1), "gus-token", "403 Forbidden", "at least the Reporter role"),
		step(approvalArgs{deployment: 1, status: "approved", representedAs: "security"}, "mae-token",
			"There are no approval rules for the given `represent_as` parameter", `represented_as "security"`),
		step(approve(999), "mae-token", `Deployment 999 is not a deployment of project "acme/app"`, "not its iid"),
		{
			preConfig: func() { decideAs(t, fake, "sam-token", 5, "approved", "", "") },
			args:      approve(5).args(),
			expectError: errorMatching("This deployment is not waiting for approvals",
				"every approval rule of its environment is satisfied", "Remove this resource"),
		},
		{
			// mae approved deployment 6 before Terraform, with another comment.
			preConfig: func() { decideAs(t, fake, "mae-token", 6, "approved", "by hand", "") },
			args:      approvalArgs{deployment: 6, status: "approved", comment: "from terraform"}.args(),
			expectError: errorMatching("Decision Already Recorded With Another Comment", `comment "by hand"`,
				"The state keeps the recorded decision", `set "comment" to "by hand"`),
		},
		{
			// Following the advice: the kept (tainted) decision is taken as it is.
			args:  approvalArgs{deployment: 6, status: "approved", comment: "by hand"}.args(),
			state: map[string]knownvalue.Check{"comment": knownvalue.StringExact("by hand")},
		},
	}, nil)
}

// A decision changed or gone outside Terraform shows in the plan.
func TestDeploymentApprovalResource_drift(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	args := approvalArgs{deployment: 6, status: "approved"}.args()
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		{args: args},
		{
			preConfig: func() { decideAs(t, fake, "mae-token", 6, "rejected", "changed my mind", "") },
			args:      args, action: "update",
			state: map[string]knownvalue.Check{
				"status":  knownvalue.StringExact("approved"),
				"comment": knownvalue.Null(),
			},
		},
		{
			// The deployment is deleted, and its decisions with it: the plan posts it again.
			preConfig: func() {
				if err := testClient(t, fake).DeleteDeployment(context.Background(), "acme/app", 6); err != nil {
					t.Fatalf("deleting deployment 6: %v", err)
				}
			},
			args: args, planOnly: true, expectNonEmptyPlan: true, action: "create",
		},
	}, nil)
}

func TestDeploymentApprovalResource_importErrors(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	args := approvalArgs{deployment: 1, status: "approved"}.args()
	step := func(id string, parts ...string) protoStep {
		return protoStep{args: args, importID: id, expectError: errorMatching(parts...)}
	}
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		step("acme/app", "Invalid Deployment Decision Import ID", "<project>:<deployment_id>[:<user_id>[:<rule_id>]]"),
		step("acme/app:1:x", "Invalid Deployment Decision Import ID", `user id "x"`),
		// Nobody has decided on deployment 1 yet: the error names the user and the import id.
		step("acme/app:1:3", "Unable to Import Deployment Decision", `Deployment 1 of project "acme/app" holds no decision of the user with id 3`,
			"Check the import id, written <project>:<deployment_id>"),
	}, nil)
}

// Changing deployment_id together with status replaces the decision: the new deployment gets the
// new decision, and the old deployment, which no longer waits for approvals, is not consulted.
func TestDeploymentApprovalResource_replacedWithStatusChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	approvedBlocked := approvalArgs{deployment: 5, status: gitlabapi.ApprovalApproved}
	rejectedCurrent := approvalArgs{deployment: 1, status: gitlabapi.ApprovalRejected, comment: "wrong build"}
	var firstID string
	runProtoSteps(t, newApprovalLifecycle(t, fake, tokenDeveloper), []protoStep{
		{args: approvedBlocked.args(), check: func(l *lifecycle) { firstID = stringAttr(t, l.state(), "id") }},
		{
			// The administrator satisfies production's other rule: deployment 5 waits no more.
			preConfig: func() {
				opts := gitlabapi.ApprovalOptions{Status: gitlabapi.ApprovalApproved}
				if _, err := testClient(t, fake).Decide(context.Background(), "acme/app", 5, opts, 0); err != nil {
					t.Fatalf("approving in GitLab: %v", err)
				}
			},
			args: rejectedCurrent.args(), action: "replace",
			state: map[string]knownvalue.Check{
				"deployment_id": knownvalue.Int64Exact(1),
				"status":        knownvalue.StringExact(gitlabapi.ApprovalRejected),
				"comment":       knownvalue.StringExact("wrong build"),
				"username":      knownvalue.StringExact("dev"),
			},
			check: func(l *lifecycle) {
				if id := stringAttr(t, l.state(), "id"); id == firstID {
					t.Errorf("id %q after the replacement, want another than the first decision's", id)
				}
				gitlabCheck(t,
					decisionInGitLab{testClient(t, fake), 1, "dev", gitlabapi.ApprovalRejected},
					decisionInGitLab{testClient(t, fake), 5, "dev", gitlabapi.ApprovalApproved})(l)
			},
		},
	}, nil)
}

// every runs the step checks in order.
func every(checks ...func(*lifecycle)) func(*lifecycle) {
	return func(l *lifecycle) {
		for _, check := range checks {
			check(l)
		}
	}
}

func TestDeploymentApprovalResource_approveThenRejectInPlace(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	sameCreatedAt := sameAsFirst(t, "created_at")
	approve := approvalArgs{deployment: 1, status: "approved", comment: "ship it"}.args()
	reject := approvalArgs{deployment: 1, status: "rejected", comment: "wait for the fix"}.args()
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-token"), []protoStep{
		{
			args: approve, action: "create",
			state: map[string]knownvalue.Check{
				"id":                     knownvalue.StringExact("acme/app:1:3"),
				"status":                 knownvalue.StringExact("approved"),
				"comment":                knownvalue.StringExact("ship it"),
				"represented_as":         knownvalue.Null(),
				"user_id":                knownvalue.Int64Exact(userMae),
				"username":               knownvalue.StringExact("mae"),
				"created_at":             knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)),
				"rule_id":                knownvalue.Int64Exact(ruleMaintainers),
				"rule_name":              knownvalue.StringExact("Maintainers"),
				"pending_approval_count": knownvalue.Int64Exact(2),
			},
			check: every(sameCreatedAt, gitlabCheck(t, deploymentStatusIs{testClient(t, fake), 1, "success"})),
		},
		{
			// GitLab replaces status and comment in place; the rejection counts for nothing,
			// and an API-created deployment keeps its status.
			args: reject, action: "update",
			state: map[string]knownvalue.Check{
				"id":                     knownvalue.StringExact("acme/app:1:3"),
				"status":                 knownvalue.StringExact("rejected"),
				"comment":                knownvalue.StringExact("wait for the fix"),
				"rule_id":                knownvalue.Int64Exact(ruleMaintainers),
				"pending_approval_count": knownvalue.Int64Exact(3),
			},
			check: every(sameCreatedAt, gitlabCheck(t, deploymentStatusIs{testClient(t, fake), 1, "success"})),
		},
		{
			args: approvalArgs{deployment: 1, status: "rejected", comment: "new words"}.args(),
			expectError: errorMatching("Comment Cannot Change Alone",
				`mae's rejected decision on deployment 1 of project "acme/app" was recorded with comment "wait for the fix"`,
				`Set "comment" back to "wait for the fix"`),
		},
		{
			args:        approvalArgs{deployment: 1, status: "rejected"}.args(),
			expectError: errorMatching("Comment Cannot Change Alone", `comment none cannot be recorded`),
		},
		{args: reject, importID: "acme/app:1:3", importVerify: true},
		// Without a user id: the provider user's decision.
		{args: reject, importID: "acme/app:1", importVerify: true},
		{args: reject, importID: "acme/app:1:3", importBlock: true},
	}, nil)
}

// With a CI job token the provider learns its user from GitLab's answer.
func TestDeploymentApprovalResource_jobToken(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	args := approvalArgs{deployment: 1, status: "approved"}.args()
	runProtoSteps(t, newApprovalLifecycle(t, fake, "mae-job-token"), []protoStep{
		{
			args: args, action: "create",
			state: map[string]knownvalue.Check{
				"id":       knownvalue.StringExact("acme/app:1:3"),
				"username": knownvalue.StringExact("mae"),
			},
		},
		{
			args: args, importID: "acme/app:1",
			expectError: errorMatching("Unable to Find the Provider's User", "import with acme/app:1:<user_id>"),
		},
		{args: args, importID: "acme/app:1:3", importVerify: true},
	}, nil)
}
