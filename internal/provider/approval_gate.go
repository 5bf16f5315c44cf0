package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// approvalHeartbeat is how often the gate logs that it is still waiting when nothing changed.
const approvalHeartbeat = time.Minute

// markTimeout bounds marking a deployment failed or canceled once the gate has failed, which
// may happen after the operation's own time is up.
const markTimeout = time.Minute

// approvalGateFailedKey is the private state key set when an update's gate failed: the next
// status change records a new deployment instead.
const approvalGateFailedKey = "approval_gate_failed"

// approvalGate holds an apply until every approval rule of a deployment's environment is
// satisfied.
type approvalGate struct {
	client   *gitlabapi.Client
	interval time.Duration
	// forAction words the gate's diagnostics for an action, which keeps nothing in the state,
	// rather than for a resource.
	forAction bool
	// progress, when set, is told what the gate waits for, in words for the user; the gate logs
	// it at INFO level either way.
	progress func(string)
}

// errApprovalRejected and errApprovalTimedOut tell why a gate did not open.
var (
	errApprovalRejected = errors.New("deployment rejected")
	errApprovalTimedOut = errors.New("approval wait timed out")
)

// gateError is a gate that did not open: a rejection (Rejection set) or the time limit.
type gateError struct {
	kind      error
	Rejection *gitlabapi.Approval
	Pending   int64
	Waited    time.Duration
}

func (e *gateError) Error() string {
	if e.Rejection != nil {
		return fmt.Sprintf("rejected by %s", approverName(e.Rejection))
	}
	return fmt.Sprintf("%d approvals still pending after %s", e.Pending, e.Waited.Round(time.Second))
}

func (e *gateError) Unwrap() error { return e.kind }

// wait polls the deployment until it no longer waits for approvals, an approver rejects it or
// ctx's deadline (the resource's timeouts) passes. d is the deployment as last read, so a
// deployment that needs no approval costs no request. It returns the deployment as GitLab last
// showed it, and changes nothing in GitLab.
func (g approvalGate) wait(ctx context.Context, project string, d *gitlabapi.Deployment) (*gitlabapi.Deployment, error) {
	start := time.Now()
	deadline, hasDeadline := ctx.Deadline()
	stopped := func() error {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &gateError{kind: errApprovalTimedOut, Pending: d.PendingApprovalCount, Waited: time.Since(start)}
		}
		return ctx.Err()
	}
	logged, lastLog := int64(-1), start
	for {
		if r := rejection(d); r != nil {
			return d, &gateError{kind: errApprovalRejected, Rejection: r, Pending: d.PendingApprovalCount}
		}
		if d.PendingApprovalCount == 0 {
			if logged >= 0 {
				waited := time.Since(start).Round(time.Second)
				tflog.Info(ctx, "deployment approved; continuing", map[string]any{
					"deployment_id": d.ID, "waited": waited.String(),
				})
				g.report(fmt.Sprintf("%s is approved after %s; continuing.", capitalize(deploymentSubject(project, d.ID)), waited))
			}
			return d, nil
		}
		if now := time.Now(); d.PendingApprovalCount != logged || now.Sub(lastLog) >= approvalHeartbeat {
			fields := map[string]any{
				"deployment_id": d.ID, "environment": d.Environment.Name,
				"pending_approval_count": d.PendingApprovalCount, "approved_by": approvedBy(d),
			}
			if hasDeadline {
				fields["time_left"] = deadline.Sub(now).Round(time.Second).String()
			}
			tflog.Info(ctx, "waiting for deployment approvals", fields)
			g.report(waitingMessage(project, d, deadline, hasDeadline, now))
			logged, lastLog = d.PendingApprovalCount, now
		}
		timer := time.NewTimer(g.interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return d, stopped()
		case <-timer.C:
		}
		next, err := g.client.GetDeployment(ctx, project, d.ID)
		if err != nil {
			if ctx.Err() != nil {
				return d, stopped()
			}
			return d, err
		}
		d = next
	}
}

func (g approvalGate) report(msg string) {
	if g.progress != nil {
		g.progress(msg)
	}
}

// waitingMessage says what a deployment still waits for, who approved it so far and how long
// the gate waits yet.
func waitingMessage(project string, d *gitlabapi.Deployment, deadline time.Time, hasDeadline bool, now time.Time) string {
	msg := fmt.Sprintf("Waiting for approvals: %s to environment %q still needs %d approval(s)",
		deploymentSubject(project, d.ID), d.Environment.Name, d.PendingApprovalCount)
	if names := approvedBy(d); len(names) > 0 {
		msg += " (approved so far by " + strings.Join(names, ", ") + ")"
	}
	if hasDeadline {
		msg += fmt.Sprintf("; giving up in %s", deadline.Sub(now).Round(time.Second))
	}
	return msg + "."
}

// hold runs the gate for a deployment until ctx's deadline. When an approver rejects
// the deployment it is marked failed, when time runs out canceled, so that GitLab's environment
// history shows it did not go ahead. It returns the deployment as GitLab has it at the end,
// also on failure, for the caller to keep in state.
func (g approvalGate) hold(ctx context.Context, project string, d *gitlabapi.Deployment) (*gitlabapi.Deployment, diag.Diagnostics) {
	var diags diag.Diagnostics
	subject := deploymentSubject(project, d.ID)
	d, err := g.wait(ctx, project, d)
	var ge *gateError
	switch {
	case err == nil:
		if required := requiredApprovals(d); required > 0 && len(d.Approvals) == 0 {
			diags.AddWarning("GitLab Holds No Approvals for This Deployment", fmt.Sprintf(
				"Environment %q has approval rules that require %d approval(s), but GitLab reports none pending for "+
					"%s, which has no decision yet, so wait_for_approval did not wait. GitLab releases before %s "+
					"hold for approval only the blocked deployments of CI jobs, not deployments recorded through the "+
					"API, and refuse every decision on those (\"This deployment is not waiting for approvals.\").\n\n"+
					"Upgrade GitLab to %s or later, or gate the deployment in a CI job that deploys to the protected "+
					"environment.", d.Environment.Name, required, subject, gitlabApprovesAPIDeployments, gitlabApprovesAPIDeployments))
		}
		return d, diags
	case !errors.As(err, &ge):
		addGitLabError(&diags, "Unable to Wait for Deployment Approval", subject, err)
		return d, diags
	}
	// The operation's time may be up: marking gets its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()

	owner, limit := "resource", "timeout"
	if g.forAction {
		owner, limit = "action", "\"invoke\" timeout"
	}
	mark, summary := gitlabapi.StatusCanceled, "Deployment Approval Timed Out"
	detail := fmt.Sprintf("%s still waits for %d approval(s) after %s, the limit set by the %s's "+
		"\"timeouts\" block.", capitalize(subject), ge.Pending, ge.Waited.Round(time.Second), owner)
	if ge.Rejection != nil {
		mark, summary = gitlabapi.StatusFailed, "Deployment Rejected"
		detail = fmt.Sprintf("%s was rejected by %s", capitalize(subject), approverName(ge.Rejection))
		if c := derefString(ge.Rejection.Comment); c != "" {
			detail += fmt.Sprintf(", who commented: %q.", c)
		} else {
			detail += " without a comment."
		}
	}

	switch {
	case d.Status == mark:
		detail += fmt.Sprintf(" GitLab holds it as %s.", mark)
	case d.CreatedByCI():
		detail += fmt.Sprintf(" It was created by a GitLab CI job, which GitLab does not let the API change; it stays %s.", d.Status)
	default:
		if _, ok := gitlabapi.TransitionAllowed(d.Status, mark); !ok {
			detail += fmt.Sprintf(" It stays %s.", d.Status)
			break
		}
		marked, markErr := g.client.UpdateDeploymentStatus(ctx, project, d.ID, mark)
		if markErr != nil {
			detail += fmt.Sprintf(" Marking it %s failed too (%v); it stays %s in GitLab.", mark, markErr, d.Status)
			break
		}
		d = marked
		detail += fmt.Sprintf(" It has been marked %s.", mark)
	}
	if g.forAction {
		detail += "\n\nInvoking the action again records a new deployment."
	} else {
		detail += "\n\nThe state keeps the deployment as GitLab has it; the next apply records a new deployment."
	}
	if ge.Rejection == nil {
		detail += fmt.Sprintf(" To wait longer, raise the %s in the %s's \"timeouts\" block.", limit, owner)
	}
	diags.AddError(summary, detail)
	return d, diags
}

// holdBeforeStatusChange reads the deployment and holds the apply until it is approved, before
// its status is changed. It returns the deployment as GitLab has it and, when the gate did not
// open, the reason.
func (g approvalGate) holdBeforeStatusChange(ctx context.Context, project string, id int64) (*gitlabapi.Deployment, diag.Diagnostics) {
	d, err := g.client.GetDeployment(ctx, project, id)
	if err != nil {
		var diags diag.Diagnostics
		addGitLabError(&diags, "Unable to Wait for Deployment Approval", deploymentSubject(project, id), err)
		return nil, diags
	}
	return g.hold(ctx, project, d)
}

// gitlabApprovesAPIDeployments is the first GitLab release whose pending approvals do not depend
// on the deployment's blocked status, so that deployments recorded through the API wait for
// approval (DESIGN.md §B13).
const gitlabApprovesAPIDeployments = "16.3"

// requiredApprovals sums the approvals the rules of a deployment's environment require.
func requiredApprovals(d *gitlabapi.Deployment) int64 {
	if d.ApprovalSummary == nil {
		return 0
	}
	var sum int64
	for _, r := range d.ApprovalSummary.Rules {
		sum += r.RequiredApprovals
	}
	return sum
}

// rejection returns the first rejection of the deployment, or nil.
func rejection(d *gitlabapi.Deployment) *gitlabapi.Approval {
	for i := range d.Approvals {
		if d.Approvals[i].Status == gitlabapi.ApprovalRejected {
			return &d.Approvals[i]
		}
	}
	return nil
}

func approvedBy(d *gitlabapi.Deployment) []string {
	names := []string{}
	for _, a := range d.Approvals {
		if a.Status == gitlabapi.ApprovalApproved {
			names = append(names, a.User.Username)
		}
	}
	return names
}

func approverName(a *gitlabapi.Approval) string {
	if a.User.Name == "" {
		return a.User.Username
	}
	return fmt.Sprintf("%s (%s)", a.User.Username, a.User.Name)
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
