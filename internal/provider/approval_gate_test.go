package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// testdata/approval_rules.json: project acme/app, where dora (Developer) records deployments.
// production needs one approval from each rule: Maintainers (mae, sam), group qa (quinn) and
// group security-team (sam, with represented_as); canary needs one from Maintainers; sandbox
// is protected without rules; staging is unprotected. rita is a Reporter, gus a Guest.
// Seeded deployments, all by dora:
//
//	1 production success, API   2 production blocked, CI   3 staging success, API
//	4 sandbox    success, API   5 canary     success, API   6 production failed, API (v1.0.0)
const (
	approvalSeed = "approval_rules.json"
	userMae      = 3
	userSam      = 5
)

// apiClient acts in the fake as the user of token, the way another person or pipeline would.
func apiClient(t *testing.T, srv *fakegitlab.Server, token string) *gitlabapi.Client {
	t.Helper()
	c, err := gitlabapi.New(gitlabapi.Config{BaseURL: srv.URL(), Token: token, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// decideAs records a decision on deployment id of acme/app as the user of token; representedAs
// may be "".
func decideAs(t *testing.T, srv *fakegitlab.Server, token string, id int64, status, comment, representedAs string) {
	t.Helper()
	opts := gitlabapi.ApprovalOptions{Status: status}
	if comment != "" {
		opts.Comment = &comment
	}
	if representedAs != "" {
		opts.RepresentedAs = &representedAs
	}
	if _, err := apiClient(t, srv, token).Decide(context.Background(), "acme/app", id, opts, 0); err != nil {
		t.Errorf("deciding %s on deployment %d with %s: %v", status, id, token, err)
	}
}

// recordAsDora records a running deployment of main to env, as a release pipeline would.
func recordAsDora(t *testing.T, srv *fakegitlab.Server, env string) *gitlabapi.Deployment {
	t.Helper()
	d, err := apiClient(t, srv, "dora-token").CreateDeployment(context.Background(), "acme/app", gitlabapi.CreateDeploymentOptions{
		Environment: env, Ref: "main", SHA: shaMain, Status: gitlabapi.StatusRunning,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testGate(t *testing.T, srv *fakegitlab.Server) approvalGate {
	return approvalGate{client: apiClient(t, srv, "dora-token"), interval: 10 * time.Millisecond}
}

func TestApprovalGate_opensWhenEveryRuleIsSatisfied(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	d := recordAsDora(t, srv, "production")
	if d.PendingApprovalCount != 3 {
		t.Fatalf("pending_approval_count = %d, want 3", d.PendingApprovalCount)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(30 * time.Millisecond)
		decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		decideAs(t, srv, "quinn-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		time.Sleep(30 * time.Millisecond)
		decideAs(t, srv, "sam-token", d.ID, gitlabapi.ApprovalApproved, "", "security")
	}()

	got, diags := testGate(t, srv).hold(context.Background(), "acme/app", d, 10*time.Second)
	<-done
	if diags.HasError() {
		t.Fatalf("hold: %v", diags)
	}
	if got.PendingApprovalCount != 0 || got.Status != gitlabapi.StatusRunning || len(got.Approvals) != 3 {
		t.Errorf("deployment after the gate: status %s, pending %d, approvals %d", got.Status, got.PendingApprovalCount, len(got.Approvals))
	}
}

func TestApprovalGate_rejectionFailsTheDeployment(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	d := recordAsDora(t, srv, "production")
	go func() {
		time.Sleep(30 * time.Millisecond)
		decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		decideAs(t, srv, "quinn-token", d.ID, gitlabapi.ApprovalRejected, "smoke tests are red", "")
	}()

	got, diags := testGate(t, srv).hold(context.Background(), "acme/app", d, 10*time.Second)
	if !diags.HasError() {
		t.Fatal("hold succeeded; want the rejection")
	}
	text := diags.Errors()[0].Summary() + ": " + diags.Errors()[0].Detail()
	for _, want := range []string{"Deployment Rejected", "quinn (Quinn Tester)", `"smoke tests are red"`, "marked failed", "next apply records a new deployment"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostic %q does not mention %q", text, want)
		}
	}
	now, err := apiClient(t, srv, "mae-token").GetDeployment(context.Background(), "acme/app", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gitlabapi.StatusFailed || now.Status != gitlabapi.StatusFailed {
		t.Errorf("status returned %s, in GitLab %s; want failed", got.Status, now.Status)
	}
}

func TestApprovalGate_timeoutCancelsTheDeployment(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	d := recordAsDora(t, srv, "production")
	go decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")

	start := time.Now()
	got, diags := testGate(t, srv).hold(context.Background(), "acme/app", d, 300*time.Millisecond)
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("hold returned after %s; want about 300ms", elapsed)
	}
	if !diags.HasError() {
		t.Fatal("hold succeeded; want a timeout")
	}
	text := diags.Errors()[0].Summary() + ": " + diags.Errors()[0].Detail()
	for _, want := range []string{"Timed Out", "still waits for 2 approval(s)", "marked canceled", `"timeouts" block`} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostic %q does not mention %q", text, want)
		}
	}
	if got.Status != gitlabapi.StatusCanceled {
		t.Errorf("status = %s, want canceled", got.Status)
	}
}

// A rejection fails a CI-created deployment in GitLab itself; the API may not change it.
func TestApprovalGate_rejectedCIDeploymentIsFailedByGitLab(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	d, err := apiClient(t, srv, "dora-token").GetDeployment(context.Background(), "acme/app", 2)
	if err != nil {
		t.Fatal(err)
	}
	decideAs(t, srv, "quinn-token", 2, gitlabapi.ApprovalRejected, "", "")
	srv.ResetStats()

	got, diags := testGate(t, srv).hold(context.Background(), "acme/app", d, 10*time.Second)
	if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), "GitLab marked it failed") ||
		!strings.Contains(diags.Errors()[0].Detail(), "without a comment") {
		t.Fatalf("diagnostics = %v", diags)
	}
	if got.Status != gitlabapi.StatusFailed {
		t.Errorf("status = %s, want failed", got.Status)
	}
	if n := srv.Stats().ByRoute["PUT /api/v4/projects/:id/deployments/:deployment_id"]; n != 0 {
		t.Errorf("%d status updates sent; GitLab refuses them for CI deployments", n)
	}
}

// A deployment that needs no approval passes at once, without a request.
func TestApprovalGate_noApprovalNeeded(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	d := recordAsDora(t, srv, "staging")
	srv.ResetStats()

	got, diags := testGate(t, srv).hold(context.Background(), "acme/app", d, time.Second)
	if diags.HasError() || got != d {
		t.Fatalf("hold = %v, %v", got, diags)
	}
	if n := srv.Stats().Total; n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}
