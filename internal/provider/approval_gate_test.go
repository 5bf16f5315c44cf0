package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

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
	d, _, err := apiClient(t, srv, "dora-token").CreateDeployment(context.Background(), "acme/app", gitlabapi.CreateDeploymentOptions{
		Environment: env, Ref: "main", SHA: shaMain, Status: gitlabapi.StatusRunning,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// withTimeout is a context ending after d, as the resource's timeouts block makes one.
func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// gatePolls tells a test when the gate polls: once armed, each read by dora's token (the gate's
// client) is signalled, so that decisions come while the gate holds, in the order the test
// gives, without sleeping.
type gatePolls struct {
	armed atomic.Bool
	once  sync.Once
	polls chan struct{}
}

func (p *gatePolls) arm() {
	p.once.Do(func() { p.polls = make(chan struct{}, 1) })
	p.armed.Store(true)
}

func (p *gatePolls) fault(r *http.Request) fakegitlab.Fault {
	if p.armed.Load() && r.Method == http.MethodGet && r.Header.Get("Private-Token") == "dora-token" {
		select {
		case p.polls <- struct{}{}:
		default:
		}
	}
	return fakegitlab.FaultNone
}

// next returns once the gate has polled after the call began.
func (p *gatePolls) next(t *testing.T) {
	select {
	case <-p.polls: // a poll from before the call
	default:
	}
	select {
	case <-p.polls:
	case <-time.After(10 * time.Second):
		t.Error("the gate did not poll within 10 s")
	}
}

func testGate(t *testing.T, srv *fakegitlab.Server) approvalGate {
	return approvalGate{client: apiClient(t, srv, "dora-token"), interval: 10 * time.Millisecond}
}

func TestApprovalGate_opensWhenEveryRuleIsSatisfied(t *testing.T) {
	t.Parallel()
	polls := &gatePolls{}
	srv := fakegitlab.NewTestServer(t, loadSeed(t, approvalSeed), fakegitlab.Options{Fault: polls.fault})
	d := recordAsDora(t, srv, "production")
	if d.PendingApprovalCount != 3 {
		t.Fatalf("pending_approval_count = %d, want 3", d.PendingApprovalCount)
	}
	polls.arm()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Two rules satisfied while the gate holds, then the last one after its next poll.
		polls.next(t)
		decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		decideAs(t, srv, "quinn-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		polls.next(t)
		decideAs(t, srv, "sam-token", d.ID, gitlabapi.ApprovalApproved, "", "security")
	}()

	got, diags := testGate(t, srv).hold(withTimeout(t, 10*time.Second), "acme/app", d, "")
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
	polls := &gatePolls{}
	srv := fakegitlab.NewTestServer(t, loadSeed(t, approvalSeed), fakegitlab.Options{Fault: polls.fault})
	d := recordAsDora(t, srv, "production")
	polls.arm()
	decided := make(chan struct{})
	go func() {
		defer close(decided)
		polls.next(t) // decided while the gate holds
		decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")
		decideAs(t, srv, "quinn-token", d.ID, gitlabapi.ApprovalRejected, "smoke tests are red", "")
	}()

	got, diags := testGate(t, srv).hold(withTimeout(t, 10*time.Second), "acme/app", d, "")
	<-decided // decideAs may report failures: the test must outlive it
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
	// One of the three approvals comes before the wait: 2 are still pending, however soon the
	// timeout ends it.
	decideAs(t, srv, "mae-token", d.ID, gitlabapi.ApprovalApproved, "", "")
	d, err := apiClient(t, srv, "dora-token").GetDeployment(context.Background(), "acme/app", d.ID)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	got, diags := testGate(t, srv).hold(withTimeout(t, 300*time.Millisecond), "acme/app", d, "")
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

	got, diags := testGate(t, srv).hold(withTimeout(t, 10*time.Second), "acme/app", d, "")
	if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), "GitLab holds it as failed") ||
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

	got, diags := testGate(t, srv).hold(withTimeout(t, time.Second), "acme/app", d, "")
	if diags.HasError() || got != d {
		t.Fatalf("hold = %v, %v", got, diags)
	}
	if n := srv.Stats().Total; n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}

// decision is one approver's decision, made through the API while an apply waits.
type decision struct {
	token, status, comment, representedAs string
}

func approval(token string) decision {
	return decision{token: token, status: gitlabapi.ApprovalApproved}
}

// decideWhenRecorded makes the decisions, in order, on every deployment of acme/app with an id
// above afterID as soon as it appears, until the test ends: the approvers at work while an
// apply waits.
func decideWhenRecorded(t *testing.T, srv *fakegitlab.Server, afterID int64, decisions ...decision) {
	t.Helper()
	watchRecorded(t, srv, afterID, func(d gitlabapi.Deployment) {
		for _, dec := range decisions {
			decideAs(t, srv, dec.token, d.ID, dec.status, dec.comment, dec.representedAs)
		}
	})
}

// watchRecorded calls seen once for every deployment of acme/app with an id above afterID, as
// listed when it first appears, until the test ends.
func watchRecorded(t *testing.T, srv *fakegitlab.Server, afterID int64, seen func(gitlabapi.Deployment)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	reader := apiClient(t, srv, "root-token")
	go func() {
		defer close(done)
		handled := map[int64]bool{}
		for ctx.Err() == nil {
			list, err := reader.ListDeployments(ctx, "acme/app", gitlabapi.ListDeploymentsOptions{OrderBy: "id", Sort: "desc", MaxResults: 20})
			if err != nil && ctx.Err() == nil {
				t.Errorf("listing deployments: %v", err)
				return
			}
			for _, d := range list {
				if d.ID <= afterID || handled[d.ID] {
					continue
				}
				handled[d.ID] = true
				seen(d)
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
}

// productionConfig is dora's release to production, holding the apply until it is approved;
// extra goes inside the resource block.
func productionConfig(fake *fakegitlab.Server, status, sha, extra string) string {
	return providerBlock(fake.URL(), "dora-token") + fmt.Sprintf(`
resource "gitlabdeploy_deployment" "test" {
  project           = "acme/app"
  environment       = "production"
  ref               = "main"
  sha               = %[1]q
  status            = %[2]q
  wait_for_approval = true
%[3]s}

# Runs only once production is approved: it sees no approval pending.
resource "terraform_data" "after_approval" {
  input = gitlabdeploy_deployment.test.pending_approval_count
}
`, sha, status, extra)
}

// productionArgs is dora's release to production for the in-process harness, holding the apply
// until it is approved (productionConfig without the resource that depends on it).
func productionArgs(status, sha string) resourceArgs {
	return resourceArgs{
		"project": "acme/app", "environment": "production", "ref": "main", "sha": sha, "status": status,
		"wait_for_approval": true,
	}
}

// The resource that depends on the gated deployment sees it approved: this stays under the CLI.
func TestAccDeploymentResource_waitForApproval(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, approval("mae-token"), approval("quinn-token"),
		decision{token: "sam-token", status: "approved", representedAs: "security"})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipUnlessCLISupports(cliFeatureTerraformData)},
		Steps: []resource.TestStep{
			{
				Config: productionConfig(fake, "running", shaMain, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectState("deployment_id", knownvalue.Int64Exact(7)),
					expectState("status", knownvalue.StringExact("running")),
					expectState("wait_for_approval", knownvalue.Bool(true)),
					expectState("pending_approval_count", knownvalue.Int64Exact(0)),
					expectState("approvals", knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("terraform_data.after_approval", tfjsonpath.New("output"), knownvalue.Int64Exact(0)),
				},
			},
			{
				// Approved already: the status change goes through at once.
				Config:           productionConfig(fake, "success", shaMain, ""),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					expectState("status", knownvalue.StringExact("success")),
					deploymentStatusIs{testClient(t, fake), 7, "success"},
				},
			},
		},
	})
}

// exampleConfig reads an example configuration as shipped. Its terraform.tf (required_providers)
// stays out: the test CLI's configuration gives its own (requiredProviders).
func exampleConfig(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "release-with-approval", dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The two configurations of examples/release-with-approval hold a release against the fake:
// the release's apply waits on production while two approvers apply theirs, then goes on.
// testdata/approval_release.json: production needs a Maintainer (mae) and a qa member (quinn);
// dora records the deployments. Both configurations take the fake's URL and the token from the
// provider's (injected) environment, as they would from GITLAB_BASE_URL and GITLAB_TOKEN.
func TestAccReleaseWithApproval_examples(t *testing.T) {
	t.Parallel()
	if os.Getenv("TF_ACC") == "" {
		// The release alone would skip, and the approvers would wait a minute for it.
		t.Skip("TF_ACC is not set: the release and its approvers run through Terraform")
	}
	fake := startFake(t, "approval_release.json")
	env := func(token string) []string {
		return []string{"GITLAB_BASE_URL=" + fake.URL(), "GITLAB_TOKEN=" + token}
	}
	release, approvers := exampleConfig(t, "release"), exampleConfig(t, "approvers")

	t.Run("release", func(t *testing.T) {
		t.Parallel()
		cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
		cli.writeConfig(release)
		cli.mustRun(env("dora-token"), []string{"apply", "-auto-approve", "-no-color", "-var", "sha=" + shaMain})
		state := cli.state()
		if got := state.attribute("gitlabdeploy_deployment.staging", "status"); got != "success" {
			t.Errorf("staging status = %v, want success", got)
		}
		if got := state.attribute("gitlabdeploy_deployment.production", "status"); got != "running" {
			t.Errorf("production status = %v, want running", got)
		}
		if got := state.attribute("gitlabdeploy_deployment.production", "pending_approval_count"); got != float64(0) {
			t.Errorf("production pending_approval_count = %v, want 0", got)
		}
		if got := fmt.Sprint(state.Outputs["production_approvals"].Value); got != "[mae quinn]" {
			t.Errorf("output production_approvals = %s, want [mae quinn]", got)
		}
		// As resource.Test would: the plan after each apply is empty, and the destroy at the end works.
		cli.mustRun(env("dora-token"), []string{"plan", "-detailed-exitcode", "-no-color", "-var", "sha=" + shaMain}, 0)

		apply := cli.mustRun(env("dora-token"), []string{"apply", "-auto-approve", "-json", "-var", "sha=" + shaMain, "-var", "production_status=success"})
		if got := plannedActions(t, apply)["gitlabdeploy_deployment.production"]; got != "update" {
			t.Errorf("the apply of production_status = success plans %q for production, want update", got)
		}
		if got := cli.state().attribute("gitlabdeploy_deployment.production", "status"); got != "success" {
			t.Errorf("production status = %v, want success", got)
		}
		success := []string{"-no-color", "-var", "sha=" + shaMain, "-var", "production_status=success"}
		cli.mustRun(env("dora-token"), append([]string{"plan", "-detailed-exitcode"}, success...), 0)
		cli.mustRun(env("dora-token"), append([]string{"destroy", "-auto-approve"}, success...))
	})

	t.Run("approvers", func(t *testing.T) {
		t.Parallel()
		mae := apiClient(t, fake, "mae-token")
		t.Cleanup(func() {
			if t.Failed() {
				// Let the release's apply end now rather than at its timeout.
				list, _ := mae.ListDeployments(context.Background(), "acme/app", gitlabapi.ListDeploymentsOptions{Environment: "production"})
				for _, d := range list {
					_, _ = mae.Decide(context.Background(), "acme/app", d.ID, gitlabapi.ApprovalOptions{Status: gitlabapi.ApprovalRejected}, 0)
				}
			}
		})
		id := waitForProductionDeployment(t, mae)
		for _, approver := range []struct {
			token   string
			pending float64
		}{{"mae-token", 1}, {"quinn-token", 0}} {
			cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
			cli.writeConfig(approvers)
			vars := []string{"-no-color", "-var", fmt.Sprintf("deployment_id=%d", id), "-var", "comment=Release notes reviewed."}
			cli.mustRun(env(approver.token), append([]string{"apply", "-auto-approve"}, vars...))
			if got := cli.state().Outputs["approvals_still_needed"].Value; got != approver.pending {
				t.Errorf("%s's apply: approvals_still_needed = %v, want %v", approver.token, got, approver.pending)
			}
			cli.mustRun(env(approver.token), append([]string{"plan", "-detailed-exitcode"}, vars...), 0)
			cli.mustRun(env(approver.token), append([]string{"destroy", "-auto-approve"}, vars...))
		}
	})
}

// waitForProductionDeployment returns the id of the first deployment to production, once the
// release has recorded it.
func waitForProductionDeployment(t *testing.T, client *gitlabapi.Client) int64 {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		list, err := client.ListDeployments(context.Background(), "acme/app", gitlabapi.ListDeploymentsOptions{Environment: "production"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			return list[0].ID
		}
	}
	t.Fatal("the release recorded no production deployment within a minute")
	return 0
}

// A GitLab older than 16.3 reports nothing pending for a deployment recorded through the API,
// though its environment has approval rules: the gate says so rather than pass in silence. A
// deployment whose rules are satisfied by decisions, or whose environment has no rules, passes
// without a word. None of them costs a request.
func TestApprovalGate_olderGitLabWarns(t *testing.T) {
	t.Parallel()
	srv := startFake(t, approvalSeed)
	rules := &gitlabapi.ApprovalSummary{Rules: []gitlabapi.ApprovalRule{{ID: 1, RequiredApprovals: 1}, {ID: 2, RequiredApprovals: 2}}}
	approved := []gitlabapi.Approval{{User: gitlabapi.User{Username: "mae"}, Status: gitlabapi.ApprovalApproved}}
	for _, tc := range []struct {
		name      string
		d         gitlabapi.Deployment
		wantWarns bool
	}{
		{"rules, nothing pending, no decision", gitlabapi.Deployment{ID: 7, ApprovalSummary: rules}, true},
		{"rules satisfied by decisions", gitlabapi.Deployment{ID: 7, ApprovalSummary: rules, Approvals: approved}, false},
		{"no rules", gitlabapi.Deployment{ID: 7, ApprovalSummary: &gitlabapi.ApprovalSummary{}}, false},
	} {
		tc.d.Environment.Name = "production"
		got, diags := testGate(t, srv).hold(withTimeout(t, time.Second), "acme/app", &tc.d, "")
		if diags.HasError() || got.ID != 7 {
			t.Fatalf("%s: hold = %v, %v", tc.name, got, diags)
		}
		warned := diags.WarningsCount() == 1 && strings.Contains(diags.Warnings()[0].Detail(),
			`Environment "production" has approval rules that require 3 approval(s), but GitLab reports none pending for `+
				`deployment 7 of project "acme/app", which has no decision yet, so wait_for_approval did not wait. `+
				`GitLab releases before 16.3`)
		if warned != tc.wantWarns || (!tc.wantWarns && diags.WarningsCount() != 0) {
			t.Errorf("%s: diagnostics %v; want a warning: %v", tc.name, diags, tc.wantWarns)
		}
	}
	if n := srv.Stats().Total; n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}

// A rejection while the create waits fails the apply; the failed deployment stays in the state,
// tainted, and the next plan replaces it.
func TestDeploymentResource_waitForApprovalRejected(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, approval("mae-token"),
		decision{token: "quinn-token", status: "rejected", comment: "smoke tests are red"})
	args := productionArgs("running", shaMain)
	runProtoSteps(t, newProtocolHarnessFor(t, fake, "dora-token").lifecycle(deploymentType), []protoStep{
		{
			args: args,
			expectError: errorMatching("Deployment Rejected", `Deployment 7 of project "acme/app" was rejected by quinn (Quinn Tester)`,
				`"smoke tests are red"`, "It has been marked failed", "the next apply records a new deployment"),
		},
		{
			preConfig: func() { wantGitLabStatus(t, fake, 7, "failed") },
			args:      args, planOnly: true, expectNonEmptyPlan: true, action: "replace",
		},
	}, nil)
}

// A create that waits past its timeout cancels the deployment; the next plan replaces it.
func TestDeploymentResource_waitForApprovalTimeout(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideWhenRecorded(t, fake, 6, approval("mae-token"))
	args := productionArgs("running", shaMain)
	timeouts := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"create": tftypes.String, "update": tftypes.String}}
	args["timeouts"] = tftypes.NewValue(timeouts, map[string]tftypes.Value{
		"create": tftypes.NewValue(tftypes.String, "1s"), "update": tftypes.NewValue(tftypes.String, nil),
	})
	runProtoSteps(t, newProtocolHarnessFor(t, fake, "dora-token").lifecycle(deploymentType), []protoStep{
		{
			args: args,
			expectError: errorMatching("Deployment Approval Timed Out", `Deployment 7 of project "acme/app" still waits for 2 approval(s)`,
				"It has been marked canceled", `raise the timeout in the resource's "timeouts" block`),
		},
		{
			preConfig: func() { wantGitLabStatus(t, fake, 7, "canceled") },
			args:      args, planOnly: true, expectNonEmptyPlan: true, action: "replace",
		},
	}, nil)
}

// A status change waits before it is sent; when the gate fails, the next change records a new
// deployment, which goes through approval afresh.
func TestDeploymentResource_waitForApprovalBeforeStatusChange(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	// main's sha v1: GitLab would answer a success of main's head with the seeded deployment 1.
	running := productionArgs("running", shaV1)
	running["wait_for_approval"] = false
	success := productionArgs("success", shaV1)
	runProtoSteps(t, newProtocolHarnessFor(t, fake, "dora-token").lifecycle(deploymentType), []protoStep{
		{
			args: running,
			state: map[string]knownvalue.Check{
				"deployment_id":          knownvalue.Int64Exact(7),
				"pending_approval_count": knownvalue.Int64Exact(3),
			},
		},
		{
			preConfig: func() { decideAs(t, fake, "quinn-token", 7, "rejected", "", "") },
			args:      success,
			expectError: errorMatching("Deployment Rejected", "rejected by quinn (Quinn Tester) without a comment",
				"It has been marked failed"),
		},
		{
			preConfig: func() {
				wantGitLabStatus(t, fake, 7, "failed")
				decideWhenRecorded(t, fake, 7, approval("mae-token"), approval("quinn-token"),
					decision{token: "sam-token", status: "approved", representedAs: "security"})
			},
			args: success, action: "replace",
			state: map[string]knownvalue.Check{
				"deployment_id":          knownvalue.Int64Exact(8),
				"status":                 knownvalue.StringExact("success"),
				"pending_approval_count": knownvalue.Int64Exact(0),
			},
		},
	}, nil)
}
