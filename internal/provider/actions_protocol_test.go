package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// The tests of this file call the provider's action RPCs directly, as Terraform 1.14 does, so
// they run whatever CLI is installed (OpenTofu and Terraform before 1.14 have no actions). The
// CLI-level tests are in actions_cli_test.go.

const (
	approveActionType = "gitlabdeploy_approve_deployment"
	recordActionType  = "gitlabdeploy_record_deployment"
)

// actionCaller adds to protocolHarness the action RPCs Terraform sends.
type actionCaller struct {
	*protocolHarness
	actions tfprotov6.ActionServer
}

// actionArgs is an action's configuration: strings, ints, bools and, for blocks, nested
// actionArgs. What it leaves out is null.
type actionArgs map[string]any

func newActionCaller(t *testing.T, fake *fakegitlab.Server, token string) *actionCaller {
	t.Helper()
	h := newProtocolHarnessFor(t, fake, token)
	actions, ok := h.server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatalf("the provider server %T serves no actions", h.server)
	}
	return &actionCaller{protocolHarness: h, actions: actions}
}

// config encodes args for actionType.
func (c *actionCaller) config(actionType string, args actionArgs) *tfprotov6.DynamicValue {
	c.t.Helper()
	s := c.schemas.ActionSchemas[actionType]
	if s == nil {
		c.t.Fatalf("the provider has no action %s", actionType)
	}
	typ := s.Schema.ValueType()
	return dynamic(c.t, typ, argsValue(c.t, typ, args))
}

func argsValue(t *testing.T, typ tftypes.Type, args actionArgs) tftypes.Value {
	t.Helper()
	object, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object", typ)
	}
	values := map[string]tftypes.Value{}
	for name, arg := range args {
		attrType := object.AttributeTypes[name]
		switch v := arg.(type) {
		case int:
			values[name] = tftypes.NewValue(attrType, int64(v))
		case actionArgs:
			values[name] = argsValue(t, attrType, v)
		default:
			values[name] = tftypes.NewValue(attrType, v)
		}
	}
	return objectWith(t, typ, values)
}

func (c *actionCaller) validate(actionType string, args actionArgs) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.actions.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: actionType, Config: c.config(actionType, args),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Diagnostics
}

func (c *actionCaller) plan(actionType string, args actionArgs) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.actions.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{
		ActionType: actionType, Config: c.config(actionType, args),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Diagnostics
}

// invoke runs the action to completion and returns its progress messages, in order, and the
// diagnostics of its completed event.
func (c *actionCaller) invoke(actionType string, args actionArgs) (progress []string, diags []*tfprotov6.Diagnostic) {
	c.t.Helper()
	return c.invokeWith(context.Background(), actionType, args)
}

// invokeWith is invoke on ctx.
func (c *actionCaller) invokeWith(ctx context.Context, actionType string, args actionArgs) (progress []string, diags []*tfprotov6.Diagnostic) {
	c.t.Helper()
	stream, err := c.actions.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: actionType, Config: c.config(actionType, args),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	completed := 0
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completed++
			diags = e.Diagnostics
		}
	}
	if completed != 1 {
		c.t.Fatalf("%d completed events, want 1", completed)
	}
	return progress, diags
}

// diagnosticsText renders diagnostics as Terraform would show them, attribute path included.
func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s: %s", d.Severity, d.Summary, d.Detail)
		if d.Attribute != nil {
			fmt.Fprintf(&b, " [at %s]", d.Attribute)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// expectDiagnostic fails unless diags hold one diagnostic of severity whose text matches parts,
// in order.
func expectDiagnostic(t *testing.T, diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity, parts ...string) {
	t.Helper()
	re := errorMatching(parts...)
	for _, d := range diags {
		if d.Severity == severity && re.MatchString(diagnosticsText([]*tfprotov6.Diagnostic{d})) {
			return
		}
	}
	t.Errorf("no %s diagnostic matching %q in:\n%s", severity, re, diagnosticsText(diags))
}

func expectNoDiagnostics(t *testing.T, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if len(diags) > 0 {
		t.Errorf("unexpected diagnostics:\n%s", diagnosticsText(diags))
	}
}

// expectProgress fails unless one message matches parts, in order.
func expectProgress(t *testing.T, progress []string, parts ...string) {
	t.Helper()
	re := errorMatching(parts...)
	if !slices.ContainsFunc(progress, re.MatchString) {
		t.Errorf("no progress message matching %q in:\n  %s", re, strings.Join(progress, "\n  "))
	}
}

func TestActionSchemas_bothActionsServed(t *testing.T) {
	t.Parallel()
	c := newActionCaller(t, startFake(t, "basic.json"), tokenMaintainer)
	for name, want := range map[string][]string{
		approveActionType: {"comment", "deployment_id", "project", "represented_as", "status"},
		recordActionType:  {"environment", "project", "ref", "sha", "status", "tag", "wait_for_approval"},
		stopActionType:    {"environment", "force", "project"},
	} {
		s := c.schemas.ActionSchemas[name]
		if s == nil {
			t.Errorf("GetProviderSchema lists no action %s", name)
			continue
		}
		var got []string
		for _, a := range s.Schema.Block.Attributes {
			got = append(got, a.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s attributes = %v, want %v", name, got, want)
		}
	}
}

// Invalid values fail at validation, naming the attribute, before any request.
func TestApproveDeploymentAction_invalidValuesFailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	c := newActionCaller(t, fake, "mae-token")
	valid := func(extra actionArgs) actionArgs {
		args := actionArgs{"project": "acme/app", "deployment_id": 1}
		for k, v := range extra {
			args[k] = v
		}
		return args
	}
	for _, tc := range []struct {
		args  actionArgs
		parts []string
	}{
		{valid(actionArgs{"status": "maybe"}), []string{"value must be one of", `"approved"`, `"rejected"`, "[at", "status"}},
		{valid(actionArgs{"comment": strings.Repeat("é", 256)}), []string{"must be between 1 and 255", "comment"}},
		{valid(actionArgs{"comment": ""}), []string{"must be between 1 and 255", "comment"}},
		{valid(actionArgs{"represented_as": ""}), []string{"represented_as"}},
		{valid(actionArgs{"deployment_id": 0}), []string{"must be at least 1", "deployment_id"}},
		{valid(actionArgs{"project": "/acme"}), []string{"Invalid Project", "numeric id of the project or its full path", "project"}},
	} {
		expectDiagnostic(t, c.validate(approveActionType, tc.args), tfprotov6.DiagnosticSeverityError, tc.parts...)
	}
	expectNoDiagnostics(t, c.validate(approveActionType, valid(nil)))
	expectNoDiagnostics(t, c.plan(approveActionType, valid(nil)))
	c.expectRequests("validating and planning", map[string]int{})
}

// One approval request records the decision; progress says who decided under which rule and what is
// still pending. status defaults to approved.
func TestApproveDeploymentAction_approvesAndReportsPending(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	mae := newActionCaller(t, fake, "mae-token")

	progress, diags := mae.invoke(approveActionType, actionArgs{"project": "acme/app", "deployment_id": d.ID, "comment": "ship it"})
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, fmt.Sprintf(`mae approved deployment %d of project "acme/app" for approval rule "Maintainers"`, d.ID),
		"it still waits for 2 approval(s).")
	// The deployment is read before (a decision already in place) and after (DESIGN.md §B22).
	mae.expectRequests("one approval", map[string]int{routeApprove: 1, routeGet: 2})

	got, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Approvals) != 1 || got.Approvals[0].User.Username != "mae" || got.Approvals[0].Status != "approved" ||
		derefString(got.Approvals[0].Comment) != "ship it" {
		t.Errorf("approvals in GitLab = %+v", got.Approvals)
	}

	// quinn and sam (for security-team) complete the approvals; then nothing is pending.
	decideAs(t, fake, "quinn-token", d.ID, gitlabapi.ApprovalApproved, "", "")
	progress, diags = newActionCaller(t, fake, "sam-token").invoke(approveActionType, actionArgs{
		"project": "acme/app", "deployment_id": d.ID, "represented_as": "security",
	})
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, "sam approved", `for approval rule "security-team"`, "it no longer waits for approvals.")

	// A rejection replaces mae's decision while the deployment waits; here it no longer waits.
	_, diags = mae.invoke(approveActionType, actionArgs{"project": "acme/app", "deployment_id": d.ID, "status": "rejected"})
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "This deployment is not waiting for approvals",
		"Nothing is left to decide on this deployment: stop invoking this action for it.", "[at", "status")
}

// Every refusal is explained as the approval resource explains it, at the attribute at fault.
func TestApproveDeploymentAction_refusalsExplained(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	approve := func(token string, extra actionArgs) []*tfprotov6.Diagnostic {
		args := actionArgs{"project": "acme/app", "deployment_id": d.ID}
		for k, v := range extra {
			args[k] = v
		}
		_, diags := newActionCaller(t, fake, token).invoke(approveActionType, args)
		return diags
	}
	expectDiagnostic(t, approve("dora-token", nil), tfprotov6.DiagnosticSeverityError,
		"You cannot approve your own deployment", "allow_pipeline_trigger_approve_deployment",
		"Rejecting one's own deployment is always allowed", "[at", "status")
	expectDiagnostic(t, approve("rita-token", nil), tfprotov6.DiagnosticSeverityError,
		"You don't have permission to approve this deployment", "matches none of the approval rules", "[at", "deployment_id")
	expectDiagnostic(t, approve("gus-token", nil), tfprotov6.DiagnosticSeverityError, "403 Forbidden", "at least the Reporter role")
	expectDiagnostic(t, approve("mae-token", actionArgs{"represented_as": "security"}), tfprotov6.DiagnosticSeverityError,
		"There are no approval rules for the given `represent_as` parameter", `represented_as "security"`, "[at", "represented_as")
	expectDiagnostic(t, approve("mae-token", actionArgs{"deployment_id": 3}), tfprotov6.DiagnosticSeverityError,
		"This environment is not protected.", "or stop invoking this action for it.")

	// A repeat with another comment records nothing, and says so.
	decideAs(t, fake, "mae-token", d.ID, gitlabapi.ApprovalApproved, "by hand", "")
	expectDiagnostic(t, approve("mae-token", actionArgs{"comment": "again"}), tfprotov6.DiagnosticSeverityWarning,
		"Decision Already Recorded With Another Comment", `with comment "by hand"`, "The action recorded nothing.")
}

// recordArgs is a release of main to environment env of acme/app.
func recordArgs(env string, extra actionArgs) actionArgs {
	args := actionArgs{"project": "acme/app", "environment": env, "ref": "main", "sha": shaMain}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// deploymentsIn lists acme/app's deployments to env, as the administrator sees them.
func deploymentsIn(t *testing.T, fake *fakegitlab.Server, env string) []gitlabapi.Deployment {
	t.Helper()
	list, err := testClient(t, fake).ListDeployments(context.Background(), "acme/app", gitlabapi.ListDeploymentsOptions{Environment: env})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestRecordDeploymentAction_invalidValuesFailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	c := newActionCaller(t, fake, tokenDeveloper)
	for _, tc := range []struct {
		args  actionArgs
		parts []string
	}{
		{recordArgs("review/", nil), []string{"must not start or end with '/'", "environment"}},
		{recordArgs("web", actionArgs{"sha": "xyz"}), []string{"must be a commit SHA of 7 to 64 hexadecimal characters", "sha"}},
		{recordArgs("web", actionArgs{"ref": "-x"}), []string{"Invalid Ref", "starts with '-'", "ref"}},
		{recordArgs("web", actionArgs{"status": "created"}), []string{"value must be one of", `"running"`, "status"}},
		{recordArgs("web", actionArgs{"timeouts": actionArgs{"invoke": "soon"}}), []string{"timeouts"}},
	} {
		expectDiagnostic(t, c.validate(recordActionType, tc.args), tfprotov6.DiagnosticSeverityError, tc.parts...)
	}
	expectNoDiagnostics(t, c.validate(recordActionType, recordArgs("web", nil)))
	expectNoDiagnostics(t, c.plan(recordActionType, recordArgs("web", nil)))
	c.expectRequests("validating and planning", map[string]int{})
}

// Each invocation records one deployment with one request (and asks for the provider's user once),
// success by default; a repeat of the environment's current success records nothing and says so.
func TestRecordDeploymentAction_recordsOneDeploymentPerInvocation(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	c := newActionCaller(t, fake, tokenDeveloper)

	progress, diags := c.invoke(recordActionType, recordArgs("web", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Recorded deployment #6 web success main@a91957a8 (id 6) in project "acme/app".`)
	// A success may be another user's deployment of the same second: GitLab is asked once per
	// process whose user the provider acts for (DESIGN.md §B18).
	c.expectRequests("one record", map[string]int{routeCreate: 1, "GET /api/v4/user": 1})
	if list := deploymentsIn(t, fake, "web"); len(list) != 1 || list[0].Status != gitlabapi.StatusSuccess || list[0].User.Username != "dev" {
		t.Fatalf("deployments to web = %+v, want one success by dev", list)
	}

	// A repeat right away records nothing, and says so. (The provider process holds deployment 6
	// already; a repeat in a later run is told by GitLab's clock: see the next test.)
	c.requests() // forget the check's own listing
	progress, diags = c.invoke(recordActionType, recordArgs("web", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityWarning, "Deployment Already Recorded",
		"GitLab recorded no new deployment: it answered with deployment 6", "created by dev",
		"The action recorded nothing.")
	expectProgress(t, progress, "The action recorded nothing")
	c.expectRequests("a repeat", map[string]int{routeCreate: 1})

	// Another status, or another ref, is another deployment.
	_, diags = c.invoke(recordActionType, recordArgs("web", actionArgs{"status": "running"}))
	expectNoDiagnostics(t, diags)
	_, diags = c.invoke(recordActionType, recordArgs("web", actionArgs{"ref": "v1.0.0", "sha": shaV1, "tag": true}))
	expectNoDiagnostics(t, diags)
	if n := len(deploymentsIn(t, fake, "web")); n != 3 {
		t.Errorf("%d deployments to web, want 3", n)
	}
}

// A repeat of the environment's current success records nothing, and says so.
func TestRecordDeploymentAction_repeatOfCurrentSuccessRecordsNothing(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	// Deployment 2 of basic.json, main to staging by dev, is the current success of staging.
	progress, diags := newActionCaller(t, fake, tokenMaintainer).invoke(recordActionType, recordArgs("staging", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityWarning, "Deployment Already Recorded",
		"GitLab recorded no new deployment: it answered with deployment 2", "the one currently deployed to environment \"staging\"",
		"created by dev (Dave Developer) at 2026-01-06T10:00:00Z",
		"The action recorded nothing.")
	expectProgress(t, progress, "The action recorded nothing")
	if list := deploymentsIn(t, fake, "staging"); len(list) != 3 || list[len(list)-1].ID != 4 {
		t.Errorf("deployments to staging = %d, the last %d; want the seeded 3", len(list), list[len(list)-1].ID)
	}
}

// GitLab's refusals are explained at the attribute at fault, as for the deployment resource.
func TestRecordDeploymentAction_refusalsExplained(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	_, diags := newActionCaller(t, fake, tokenDeveloper).invoke(recordActionType, recordArgs("web", actionArgs{"ref": "nope"}))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Deployment Ref Not Found", "Set \"ref\" to a branch or tag", "[at", "ref")
	_, diags = newActionCaller(t, fake, tokenDeveloper).invoke(recordActionType, recordArgs("production", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Create Deployment", "403 Forbidden", "deploy access")
	_, diags = newActionCaller(t, fake, tokenReporter).invoke(recordActionType, recordArgs("web", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Create Deployment", "needs the Developer role")
}

// A create whose answer is lost after GitLab recorded it is settled, never sent again: one
// deployment in GitLab.
func TestRecordDeploymentAction_lostAnswerNoDuplicate(t *testing.T) {
	t.Parallel()
	var creates atomic.Int32
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodPost && r.Header.Get("Private-Token") != tokenRoot && creates.Add(1) == 1 {
			return fakegitlab.FaultLoseAnswer502
		}
		return fakegitlab.FaultNone
	}})
	progress, diags := newActionCaller(t, fake, tokenDeveloper).invoke(recordActionType, recordArgs("web", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, "Recorded deployment #6")
	if n := creates.Load(); n != 1 {
		t.Errorf("%d create requests sent, want 1", n)
	}
	if n := len(deploymentsIn(t, fake, "web")); n != 1 {
		t.Errorf("%d deployments to web, want 1", n)
	}
}

// With wait_for_approval, progress says what is still pending until every rule is satisfied.
func TestRecordDeploymentAction_waitForApproval(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, approval("mae-token"), approval("quinn-token"),
		decision{token: "sam-token", status: "approved", representedAs: "security"})
	progress, diags := newActionCaller(t, fake, "dora-token").invoke(recordActionType,
		recordArgs("production", actionArgs{"wait_for_approval": true, "status": "running"}))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, `Recorded deployment #7 production running main@a91957a8 (id 7) in project "acme/app".`)
	expectProgress(t, progress, "Waiting for approvals: deployment 7", `to environment "production" still needs`, "approval(s)", "giving up in")
	expectProgress(t, progress, "Deployment 7 of project \"acme/app\" is approved after")
}

// A rejection fails the action and the deployment, naming the approver and the comment.
func TestRecordDeploymentAction_rejectionFails(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, decision{token: "mae-token", status: "rejected", comment: "not on a Friday"})
	_, diags := newActionCaller(t, fake, "dora-token").invoke(recordActionType,
		recordArgs("production", actionArgs{"wait_for_approval": true, "status": "running"}))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Deployment Rejected", "rejected by mae (Mae Maintainer)",
		`"not on a Friday"`, "marked failed", "Invoking the action again records a new deployment.")
	if d, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", 7); err != nil || d.Status != gitlabapi.StatusFailed {
		t.Errorf("deployment 7 = %v, %v; want failed", d, err)
	}
}

// When the invoke timeout passes, the action fails and the deployment is canceled.
func TestRecordDeploymentAction_timeoutFails(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	progress, diags := newActionCaller(t, fake, "dora-token").invoke(recordActionType,
		recordArgs("canary", actionArgs{"wait_for_approval": true, "status": "running", "timeouts": actionArgs{"invoke": "300ms"}}))
	expectProgress(t, progress, "still needs 1 approval(s)")
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Deployment Approval Timed Out", "still waits for 1 approval(s)",
		`the limit set by the action's "timeouts" block`, "marked canceled", `raise the "invoke" timeout in the action's "timeouts" block`)
	if d, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", 7); err != nil || d.Status != gitlabapi.StatusCanceled {
		t.Errorf("deployment 7 = %v, %v; want canceled", d, err)
	}
}
