package provider

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// How a gated record ends, through the provider server as Terraform calls it (DESIGN.md §B20):
// shown running until approved, then moved to its status; failed on a rejection; canceled on a
// timeout, a stop request (Ctrl-C) or a read that keeps failing.

const deploymentType = "gitlabdeploy_deployment"

// createDeployment plans and applies the creation of a gitlabdeploy_deployment configured with
// args, on ctx, as Terraform does; it returns the apply's answer.
func (h *protocolHarness) createDeployment(ctx context.Context, args actionArgs) *tfprotov6.ApplyResourceChangeResponse {
	h.t.Helper()
	typ := h.stateType(deploymentType)
	config := dynamic(h.t, typ, argsValue(h.t, typ, args))
	prior := dynamic(h.t, typ, tftypes.NewValue(typ, nil))
	plan, err := h.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: deploymentType, PriorState: prior, ProposedNewState: config, Config: config,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	checkDiags(h.t, "PlanResourceChange", plan.Diagnostics)
	applied, err := h.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: deploymentType, PriorState: prior, PlannedState: plan.PlannedState, Config: config,
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return applied
}

// gatedRelease is dora's gated release of main to env with status. Its 10 s limit keeps a gate
// that waits on the wrong deployment from holding the test for an hour.
func gatedRelease(env, status string) actionArgs {
	return actionArgs{"project": "acme/app", "environment": env, "ref": "main", "sha": shaMain,
		"status": status, "wait_for_approval": true, "timeouts": actionArgs{"create": "10s"}}
}

// stateStatus is the status a resource's new state holds.
func (h *protocolHarness) stateStatus(state *tfprotov6.DynamicValue) string {
	h.t.Helper()
	return stringAttr(h.t, h.unmarshal(state, h.stateType(deploymentType)), "status")
}

// expectGitLabStatus fails unless GitLab holds deployment id of acme/app with status.
func expectGitLabStatus(t *testing.T, fake *fakegitlab.Server, id int64, status string) {
	t.Helper()
	if d, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", id); err != nil || d.Status != status {
		t.Errorf("deployment %d = %+v, %v; want %s", id, d, err, status)
	}
}

// onGateRead returns a fake whose first read of deployment id by dora (the gate's poll) closes
// the returned channel; fault is answered to every such read.
func onGateRead(t *testing.T, id string, fault fakegitlab.Fault) (*fakegitlab.Server, <-chan struct{}) {
	polled := make(chan struct{})
	var once sync.Once
	fake := fakegitlab.NewTestServer(t, loadSeed(t, approvalSeed), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/deployments/"+id) && r.Header.Get("Private-Token") == "dora-token" {
			once.Do(func() { close(polled) })
			return fault
		}
		return fakegitlab.FaultNone
	}})
	return fake, polled
}

// interruptOnGateRead is a context canceled once the gate first reads deployment 7, as
// terraform-plugin-go cancels every request's context when Terraform sends StopProvider on Ctrl-C.
func interruptOnGateRead(t *testing.T) (*fakegitlab.Server, context.Context) {
	fake, polled := onGateRead(t, "7", fakegitlab.FaultNone)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go func() {
		<-polled
		stop()
	}()
	return fake, ctx
}

// approveAllSeeing has every rule of production approve each new deployment of acme/app, and
// keeps the status each had when the approvers first saw it, by id.
func approveAllSeeing(t *testing.T, fake *fakegitlab.Server) *sync.Map {
	var seen sync.Map
	watchRecorded(t, fake, 6, func(d gitlabapi.Deployment) {
		seen.Store(d.ID, d.Status)
		for _, dec := range []decision{approval("mae-token"), approval("quinn-token"),
			{token: "sam-token", status: "approved", representedAs: "security"}} {
			decideAs(t, fake, dec.token, d.ID, dec.status, dec.comment, dec.representedAs)
		}
	})
	return &seen
}

// Item 6 of issue 18: a gated success is running while approvers look at it, and success once
// approved.
func TestProtocolDeployment_gatedSuccessRunsUntilApproved(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	seen := approveAllSeeing(t, fake)
	h := newProtocolHarnessFor(t, fake, "dora-token")
	resp := h.createDeployment(context.Background(), gatedRelease("production", "success"))
	checkDiags(t, "ApplyResourceChange", resp.Diagnostics)
	if status, _ := seen.Load(int64(7)); status != gitlabapi.StatusRunning {
		t.Errorf("approvers saw deployment 7 %v, want running until approved", status)
	}
	expectGitLabStatus(t, fake, 7, gitlabapi.StatusSuccess)
	if got := h.stateStatus(resp.NewState); got != gitlabapi.StatusSuccess {
		t.Errorf("state status %q, want success", got)
	}
}

// Item 5 of issue 18: Ctrl-C during the wait ends the gate as its timeout does: the deployment is
// canceled with a write of its own, and GitLab is not blamed.
func TestProtocolDeployment_interruptedGateCancelsTheDeployment(t *testing.T) {
	t.Parallel()
	fake, ctx := interruptOnGateRead(t)
	h := newProtocolHarnessFor(t, fake, "dora-token")
	resp := h.createDeployment(ctx, gatedRelease("production", "running"))
	expectDiagnostic(t, resp.Diagnostics, tfprotov6.DiagnosticSeverityError, "Deployment Approval Interrupted",
		`Terraform asked the provider to stop (as on Ctrl-C) while deployment 7 of project "acme/app" still waited for 3 approval`,
		"It has been marked canceled", "the next apply records a new deployment")
	if text := diagnosticsText(resp.Diagnostics); strings.Contains(text, "GitLab refused") {
		t.Errorf("a stop request blamed on GitLab:\n%s", text)
	}
	expectGitLabStatus(t, fake, 7, gitlabapi.StatusCanceled)
	if got := h.stateStatus(resp.NewState); got != gitlabapi.StatusCanceled {
		t.Errorf("state status %q, want canceled", got)
	}
}

// Item 5 of issue 18: a read that still fails after the retries ends the gate as its timeout does.
func TestProtocolDeployment_gateReadFailureCancelsTheDeployment(t *testing.T) {
	t.Parallel()
	fake, _ := onGateRead(t, "7", fakegitlab.Fault503)
	h := newProtocolHarnessFor(t, fake, "dora-token")
	resp := h.createDeployment(context.Background(), gatedRelease("production", "running"))
	expectDiagnostic(t, resp.Diagnostics, tfprotov6.DiagnosticSeverityError, "Unable to Wait for Deployment Approval",
		`Reading deployment 7 of project "acme/app" failed after the configured retries`, "503",
		"It has been marked canceled", "the next apply records a new deployment")
	expectGitLabStatus(t, fake, 7, gitlabapi.StatusCanceled)
}

// Item 14 of issue 18: a gated record never waits on, nor marks, a deployment GitLab answers with
// (here dora's seeded current success of production): it records its own.
func TestProtocolDeployment_gateNeverMarksAnExistingDeployment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, decision{token: "mae-token", status: "rejected", comment: "not today"})
	h := newProtocolHarnessFor(t, fake, "dora-token")
	resp := h.createDeployment(context.Background(), gatedRelease("production", "success"))
	expectDiagnostic(t, resp.Diagnostics, tfprotov6.DiagnosticSeverityError, "Deployment Rejected",
		`Deployment 7 of project "acme/app" was rejected by mae`, "It has been marked failed")
	expectGitLabStatus(t, fake, 1, gitlabapi.StatusSuccess)
	expectGitLabStatus(t, fake, 7, gitlabapi.StatusFailed)
}

// Items 6 and 14 of issue 18, for the record action: the same endings as the resource.
func TestRecordDeploymentAction_gatedRecordEndings(t *testing.T) {
	t.Parallel()
	t.Run("approved", func(t *testing.T) {
		t.Parallel()
		fake := startFake(t, approvalSeed)
		seen := approveAllSeeing(t, fake)
		progress, diags := newActionCaller(t, fake, "dora-token").invoke(recordActionType,
			recordArgs("production", actionArgs{"wait_for_approval": true, "timeouts": actionArgs{"invoke": "10s"}}))
		expectNoDiagnostics(t, diags)
		expectProgress(t, progress, `Recorded deployment #7 production running main@a91957a8 (id 7)`)
		expectProgress(t, progress, `Deployment 7 of project "acme/app" is now success.`)
		if status, _ := seen.Load(int64(7)); status != gitlabapi.StatusRunning {
			t.Errorf("approvers saw deployment 7 %v, want running until approved", status)
		}
		expectGitLabStatus(t, fake, 7, gitlabapi.StatusSuccess)
		expectGitLabStatus(t, fake, 1, gitlabapi.StatusSuccess)
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		fake, ctx := interruptOnGateRead(t)
		_, diags := newActionCaller(t, fake, "dora-token").invokeWith(ctx, recordActionType,
			recordArgs("production", actionArgs{"wait_for_approval": true, "status": "running", "timeouts": actionArgs{"invoke": "10s"}}))
		expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Deployment Approval Interrupted",
			"It has been marked canceled", "Invoking the action again records a new deployment.")
		expectGitLabStatus(t, fake, 7, gitlabapi.StatusCanceled)
	})
}

// A gated record asked to stay running would stay so for good: validation says so.
func TestRecordDeploymentAction_gatedRunningWarns(t *testing.T) {
	t.Parallel()
	c := newActionCaller(t, startFake(t, approvalSeed), "dora-token")
	expectDiagnostic(t, c.validate(recordActionType, recordArgs("production", actionArgs{"wait_for_approval": true, "status": "running"})),
		tfprotov6.DiagnosticSeverityWarning, "Gated Deployment Stays Running", "Leave \"status\" out", "[at", "status")
	expectNoDiagnostics(t, c.validate(recordActionType, recordArgs("production", actionArgs{"wait_for_approval": true})))
	expectNoDiagnostics(t, c.validate(recordActionType, recordArgs("production", actionArgs{"status": "running"})))
}

// Item 10 of issue 18: a base_url nothing answers at fails naming base_url, and the setting that
// waits longer for a GitLab that is restarting.
func TestProtocolDeployment_unreachableBaseURLNamed(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // a typo in the port: nothing listens
	h := newProtocolHarnessAt(t, startFake(t, approvalSeed), "http://"+addr, "dora-token", "1.15.0")
	resp := h.createDeployment(context.Background(), actionArgs{"project": "acme/app", "environment": "staging",
		"ref": "main", "sha": shaMain, "status": "success"})
	expectDiagnostic(t, resp.Diagnostics, tfprotov6.DiagnosticSeverityError, "Unable to Create Deployment",
		"could not reach GitLab", "connection refused", `The provider could not reach GitLab at "base_url"`,
		`"unreachable_timeout" (default 30s); raise it in the provider block to wait for a GitLab that is restarting`)
}
