package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// testdata/approvals.json: project acme/app; dora (2) records deployments; mae (3) is a
// Maintainer; sam (5) is a Maintainer and in group security-team. production's rules are
// Maintainers and security-team, one approval each; canary's rule is Maintainers alone.
// Deployments (all by dora, through the API): 1 production, 2 canary, 3 production.
const approvalRoute = "POST /api/v4/projects/:id/deployments/:deployment_id/approval"

func startApprovalFake(t *testing.T, fault func(*http.Request) fakegitlab.Fault) *fakegitlab.Server {
	t.Helper()
	data, err := os.ReadFile("testdata/approvals.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := fakegitlab.ParseSeed(data)
	if err != nil {
		t.Fatal(err)
	}
	return fakegitlab.NewTestServer(t, seed, fakegitlab.Options{Fault: fault})
}

// fakeClient is a client of srv acting with token, or with jobToken when token is empty.
func fakeClient(t *testing.T, srv *fakegitlab.Server, token, jobToken string) *Client {
	t.Helper()
	return newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Token, cfg.JobToken = token, jobToken })
}

// failFirstApproval answers the first approval request with fault, the others normally.
func failFirstApproval(fault fakegitlab.Fault) func(*http.Request) fakegitlab.Fault {
	var n atomic.Int32
	return func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/approval") && n.Add(1) == 1 {
			return fault
		}
		return fakegitlab.FaultNone
	}
}

func ptr(s string) *string { return &s }

func TestDecide_recordsDecisionWithRuleAndPendingCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startApprovalFake(t, nil)
	mae := fakeClient(t, srv, "mae-token", "")

	dec, err := mae.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, Comment: ptr("ship it")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Approval.User.Username != "mae" || dec.Approval.Status != ApprovalApproved || derefOr(dec.Approval.Comment) != "ship it" {
		t.Errorf("approval = %+v", dec.Approval)
	}
	if dec.Rule == nil || derefOr(dec.Rule.AccessLevelDescription) != "Maintainers" {
		t.Errorf("rule = %+v, want the Maintainers rule", dec.Rule)
	}
	if dec.Deployment.PendingApprovalCount != 1 {
		t.Errorf("pending_approval_count = %d, want 1 (security-team still pending)", dec.Deployment.PendingApprovalCount)
	}
	stats := srv.Stats()
	// One read before (to tell a decision already in place), one after.
	if stats.ByRoute[approvalRoute] != 1 || stats.ByRoute["GET /api/v4/projects/:id/deployments/:deployment_id"] != 2 || stats.Total != 3 {
		t.Errorf("requests = %v; want one approval and two reads", stats.ByRoute)
	}
	if dec.AlreadyInPlace {
		t.Error("a fresh decision is said to be already in place")
	}
	again, err := mae.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, Comment: ptr("ship it")}, 0)
	if err != nil || !again.AlreadyInPlace || !again.Approval.CreatedAt.Equal(dec.Approval.CreatedAt) {
		t.Errorf("the same decision again = %+v, %v; want it already in place, as first recorded", again, err)
	}
}

// GitLab's summary lists under a rule its decisions on every deployment: sam's decision on
// deployment 3 under Maintainers must not make his decision on deployment 1 count for it.
func TestDecide_ruleIgnoresOtherDeploymentsDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startApprovalFake(t, nil)
	sam := fakeClient(t, srv, "sam-token", "")

	if _, err := sam.Decide(ctx, "acme/app", 3, ApprovalOptions{Status: ApprovalApproved}, 0); err != nil {
		t.Fatal(err)
	}
	dec, err := sam.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, RepresentedAs: ptr("security")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Rule == nil || derefOr(dec.Rule.AccessLevelDescription) != "security-team" {
		t.Fatalf("rule = %+v, want security-team", dec.Rule)
	}
	a, r := UserDecision(dec.Deployment, 5, 0)
	if a == nil || r == nil || r.ID != dec.Rule.ID {
		t.Errorf("UserDecision = %+v, %+v; want the security-team decision", a, r)
	}
	// The user's only decision is theirs whatever rule the state remembers (rules can be
	// replaced in GitLab).
	if a, _ := UserDecision(dec.Deployment, 5, 999); a == nil {
		t.Error("UserDecision for an unknown rule found nothing; want the user's only decision")
	}
}

func TestUserDecision_picksTheRuleAmongSeveral(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startApprovalFake(t, nil)
	sam := fakeClient(t, srv, "sam-token", "")

	first, err := sam.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, Comment: ptr("as maintainer")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sam.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalRejected, Comment: ptr("as security"), RepresentedAs: ptr("security")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := second.Deployment
	for _, tc := range []struct {
		rule        int64
		wantComment string
	}{{first.Rule.ID, "as maintainer"}, {second.Rule.ID, "as security"}, {0, "as maintainer"}} {
		a, _ := UserDecision(d, 5, tc.rule)
		if a == nil || derefOr(a.Comment) != tc.wantComment {
			t.Errorf("UserDecision(rule %d) = %+v; want comment %q", tc.rule, a, tc.wantComment)
		}
	}
	if a, _ := UserDecision(d, 5, 999); a != nil {
		t.Errorf("UserDecision(rule 999) = %+v; want none", a)
	}
	if a, _ := UserDecision(d, 3, 0); a != nil {
		t.Errorf("UserDecision(mae) = %+v; mae made no decision", a)
	}
}

// The lost approval satisfied canary's only rule: sending it again would be refused as "not
// waiting", so Decide must find it instead.
func TestDecide_lostAnswerFoundWithoutResending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    fakegitlab.Fault
		token    string
		jobToken string
		userID   int64
	}{
		{"502, user known", fakegitlab.FaultLoseAnswer502, "mae-token", "", 3},
		{"connection closed, user known", fakegitlab.FaultLoseAnswerClose, "mae-token", "", 3},
		{"502, user learnt from GET /user", fakegitlab.FaultLoseAnswer502, "mae-token", "", 0},
		{"502, job token", fakegitlab.FaultLoseAnswer502, "", "mae-job-token", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startApprovalFake(t, failFirstApproval(tc.fault))
			c := fakeClient(t, srv, tc.token, tc.jobToken)

			dec, err := c.Decide(context.Background(), "acme/app", 2, ApprovalOptions{Status: ApprovalApproved, Comment: ptr("go")}, tc.userID)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Approval.User.ID != 3 || derefOr(dec.Approval.Comment) != "go" || dec.Deployment.PendingApprovalCount != 0 {
				t.Errorf("decision = %+v, pending %d", dec.Approval, dec.Deployment.PendingApprovalCount)
			}
			if n := srv.Stats().ByRoute[approvalRoute]; n != 1 {
				t.Errorf("approval requests = %d, want 1 (no resend)", n)
			}
		})
	}
}

// With a job token the provider cannot ask which decisions are its own, but the only decision
// as asked recorded since the request was sent is this one.
func TestDecide_lostAnswerReadBackWithJobToken(t *testing.T) {
	t.Parallel()
	srv := startApprovalFake(t, failFirstApproval(fakegitlab.FaultLoseAnswerClose))
	c := fakeClient(t, srv, "", "mae-job-token")

	dec, err := c.Decide(context.Background(), "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, Comment: ptr("lgtm")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Approval.User.ID != 3 || len(dec.Deployment.Approvals) != 1 || dec.Deployment.PendingApprovalCount != 1 {
		t.Errorf("decision = %+v, deployment approvals %+v", dec.Approval, dec.Deployment.Approvals)
	}
	if n := srv.Stats().ByRoute[approvalRoute]; n != 1 {
		t.Errorf("approval requests = %d, want 1", n)
	}
}

// When nothing is found and the deployment still waits, sending again is safe: GitLab returns a
// decision sent twice unchanged.
func TestDecide_lostAnswerResentWhileWaiting(t *testing.T) {
	t.Parallel()
	srv := startApprovalFake(t, failFirstApproval(fakegitlab.Fault503))
	c := fakeClient(t, srv, "", "mae-job-token")

	dec, err := c.Decide(context.Background(), "acme/app", 1, ApprovalOptions{Status: ApprovalApproved}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Approval.User.ID != 3 || len(dec.Deployment.Approvals) != 1 {
		t.Errorf("decision = %+v, deployment approvals %+v", dec.Approval, dec.Deployment.Approvals)
	}
	if n := srv.Stats().ByRoute[approvalRoute]; n != 2 {
		t.Errorf("approval requests = %d, want 2", n)
	}
}

// With a job token, when the lost decision ended the wait and another approver made an identical
// decision just before, the provider cannot tell which is its own: it says so rather than guess.
func TestDecide_lostAnswerAmbiguousWithJobToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startApprovalFake(t, func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodPost && r.Header.Get("Job-Token") != "" {
			return fakegitlab.FaultLoseAnswer502
		}
		return fakegitlab.FaultNone
	})
	if _, err := fakeClient(t, srv, "sam-token", "").Decide(ctx, "acme/app", 1,
		ApprovalOptions{Status: ApprovalApproved, RepresentedAs: ptr("security")}, 0); err != nil {
		t.Fatal(err)
	}

	_, err := fakeClient(t, srv, "", "mae-job-token").Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved}, 0)
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "check the deployment's approvals") {
		t.Errorf("err = %v; want an unknown outcome telling to check the approvals", err)
	}
	if n := srv.Stats().ByRoute[approvalRoute]; n != 2 {
		t.Errorf("approval requests = %d, want 2 (sam's, and mae's once)", n)
	}
}

// A 500 that changed nothing: the decision is not on the deployment, so it is sent again.
func TestDecide_failedRequestSentAgain(t *testing.T) {
	t.Parallel()
	srv := startApprovalFake(t, failFirstApproval(fakegitlab.Fault500))
	c := fakeClient(t, srv, "mae-token", "")

	dec, err := c.Decide(context.Background(), "acme/app", 2, ApprovalOptions{Status: ApprovalApproved}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Approval.User.ID != 3 || dec.Deployment.PendingApprovalCount != 0 {
		t.Errorf("decision = %+v", dec.Approval)
	}
	if n := srv.Stats().ByRoute[approvalRoute]; n != 2 {
		t.Errorf("approval requests = %d, want 2", n)
	}
}

// GitLab's refusals come back typed, whatever the path.
func TestDecide_refusalsAreTyped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startApprovalFake(t, nil)
	dora := fakeClient(t, srv, "dora-token", "")
	mae := fakeClient(t, srv, "mae-token", "")

	if _, err := dora.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved}, 0); !errors.Is(err, ErrSelfApproval) {
		t.Errorf("self-approval: err = %v", err)
	}
	if _, err := mae.Decide(ctx, "acme/app", 1, ApprovalOptions{Status: ApprovalApproved, RepresentedAs: ptr("security")}, 0); !errors.Is(err, ErrNoMatchingRule) {
		t.Errorf("represented_as: err = %v", err)
	}
	if _, err := mae.Decide(ctx, "acme/app", 2, ApprovalOptions{Status: ApprovalApproved}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := mae.Decide(ctx, "acme/app", 2, ApprovalOptions{Status: ApprovalRejected}, 0); !errors.Is(err, ErrNotWaitingForApproval) {
		t.Errorf("not waiting: err = %v", err)
	}
}

func derefOr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
