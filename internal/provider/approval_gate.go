package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// approvalHeartbeat is how often the gate logs that it is still waiting when nothing changed.
const approvalHeartbeat = time.Minute

// finalWriteTimeout bounds the status write that ends a gate. It runs on a context of its own,
// since the operation's may have ended (timeout, Ctrl-C) and GitLab must still learn the outcome.
const finalWriteTimeout = 30 * time.Second

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

// gateEnd is how a wait for approval ended.
type gateEnd int

const (
	gateApproved gateEnd = iota
	gateRejected
	gateTimedOut
	// gateInterrupted: Terraform asked the provider to stop (Ctrl-C), which cancels the context.
	gateInterrupted
	// gateReadFailed: reading the deployment still failed after the client's retries.
	gateReadFailed
)

// waitOutcome is what a wait for approval saw.
type waitOutcome struct {
	end       gateEnd
	last      *gitlabapi.Deployment // as GitLab last showed it
	rejection *gitlabapi.Approval   // set when rejected
	readErr   error                 // set when a read failed
	waited    time.Duration
}

// finalStatus is the status a gated deployment ends in: approvedStatus once approved ("" leaves
// it as it is), failed when rejected, and canceled whenever the wait ended otherwise, so that no
// gated deployment stays running for good (DESIGN.md §B20).
func (o waitOutcome) finalStatus(approvedStatus string) string {
	switch o.end {
	case gateApproved:
		return approvedStatus
	case gateRejected:
		return gitlabapi.StatusFailed
	}
	return gitlabapi.StatusCanceled
}

// wait polls the deployment until it no longer waits for approvals, an approver rejects it, a
// read fails after the client's retries or ctx ends (the timeouts block, or a stop request).
// d is the deployment as last read, so a deployment that needs no approval costs no request.
// It changes nothing in GitLab.
func (g approvalGate) wait(ctx context.Context, project string, d *gitlabapi.Deployment) waitOutcome {
	start := time.Now()
	deadline, hasDeadline := ctx.Deadline()
	ended := func(end gateEnd) waitOutcome { return waitOutcome{end: end, last: d, waited: time.Since(start)} }
	stopped := func() waitOutcome {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ended(gateTimedOut)
		}
		return ended(gateInterrupted)
	}
	logged, lastLog := int64(-1), start
	for {
		if r := rejection(d); r != nil {
			out := ended(gateRejected)
			out.rejection = r
			return out
		}
		if d.PendingApprovalCount == 0 {
			if logged >= 0 {
				waited := time.Since(start).Round(time.Second)
				tflog.Info(ctx, "deployment approved; continuing", map[string]any{
					"deployment_id": d.ID, "waited": waited.String(),
				})
				g.report(fmt.Sprintf("%s is approved after %s; continuing.", capitalize(deploymentSubject(project, d.ID)), waited))
			}
			return ended(gateApproved)
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
			return stopped()
		case <-timer.C:
		}
		next, err := g.client.GetDeployment(ctx, project, d.ID)
		if err != nil {
			if ctx.Err() != nil {
				return stopped()
			}
			out := ended(gateReadFailed)
			out.readErr = err
			return out
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

// finalWrite is the status write that ended a gate.
type finalWrite struct {
	status string // the status asked for; "" when none was
	// unsent says why nothing was sent: "already" (GitLab holds it), "ci" (a CI job's deployment)
	// or "refused" (GitLab's state machine does not allow it).
	unsent string
	err    error // the write failed
}

// hold runs the gate for a deployment, then writes the status the outcome calls for
// (finalStatus): approvedStatus once approved, failed on a rejection, canceled on a timeout,
// an interruption or a read that kept failing. It returns the deployment as GitLab has it at
// the end, also on failure, for the caller to keep in state.
func (g approvalGate) hold(ctx context.Context, project string, d *gitlabapi.Deployment, approvedStatus string) (*gitlabapi.Deployment, diag.Diagnostics) {
	out := g.wait(ctx, project, d)
	d, write := g.writeFinalStatus(ctx, project, out.last, out.finalStatus(approvedStatus))
	if out.end == gateApproved && write.status != "" && write.unsent == "" && write.err == nil {
		g.report(fmt.Sprintf("%s is now %s.", capitalize(deploymentSubject(project, d.ID)), write.status))
	}
	return d, g.diagnostics(project, out, write)
}

// writeFinalStatus moves d to status, on a context of its own (finalWriteTimeout).
func (g approvalGate) writeFinalStatus(ctx context.Context, project string, d *gitlabapi.Deployment, status string) (*gitlabapi.Deployment, finalWrite) {
	w := finalWrite{status: status}
	switch {
	case status == "":
	case d.Status == status:
		w.unsent = "already"
	case d.CreatedByCI():
		w.unsent = "ci"
	default:
		if _, ok := gitlabapi.TransitionAllowed(d.Status, status); !ok {
			w.unsent = "refused"
			break
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
		defer cancel()
		moved, err := g.client.UpdateDeploymentStatus(ctx, project, d.ID, status)
		if err != nil {
			w.err = err
			break
		}
		d = moved
	}
	return d, w
}

// diagnostics words how a gate ended and what became of the deployment.
func (g approvalGate) diagnostics(project string, out waitOutcome, write finalWrite) diag.Diagnostics {
	var diags diag.Diagnostics
	d := out.last
	subject := deploymentSubject(project, d.ID)
	if out.end == gateApproved {
		if required := requiredApprovals(d); required > 0 && len(d.Approvals) == 0 {
			diags.AddWarning("GitLab Holds No Approvals for This Deployment", fmt.Sprintf(
				"Environment %q has approval rules that require %d approval(s), but GitLab reports none pending for "+
					"%s, which has no decision yet, so wait_for_approval did not wait. GitLab releases before %s "+
					"hold for approval only the blocked deployments of CI jobs, not deployments recorded through the "+
					"API, and refuse every decision on those (\"This deployment is not waiting for approvals.\").\n\n"+
					"Upgrade GitLab to %s or later, or gate the deployment in a CI job that deploys to the protected "+
					"environment.", d.Environment.Name, required, subject, gitlabApprovesAPIDeployments, gitlabApprovesAPIDeployments))
		}
		if write.err != nil {
			addGitLabError(&diags, "Unable to Update Deployment Status", subject, fmt.Errorf(
				"it was approved, but moving it to %q failed; it stays %q in GitLab: %w", write.status, d.Status, write.err))
		}
		return diags
	}

	owner := "resource"
	if g.forAction {
		owner = "action"
	}
	var summary, detail, advice string
	switch out.end {
	case gateRejected:
		summary = "Deployment Rejected"
		detail = fmt.Sprintf("%s was rejected by %s", capitalize(subject), approverName(out.rejection))
		if c := derefString(out.rejection.Comment); c != "" {
			detail += fmt.Sprintf(", who commented: %q.", c)
		} else {
			detail += " without a comment."
		}
	case gateTimedOut:
		summary = "Deployment Approval Timed Out"
		detail = fmt.Sprintf("%s still waits for %d approval(s) after %s, the limit set by the %s's "+
			"\"timeouts\" block.", capitalize(subject), d.PendingApprovalCount, out.waited.Round(time.Second), owner)
	case gateInterrupted:
		summary = "Deployment Approval Interrupted"
		detail = fmt.Sprintf("Terraform asked the provider to stop (as on Ctrl-C) while %s still waited for %d "+
			"approval(s), after %s.", subject, d.PendingApprovalCount, out.waited.Round(time.Second))
	case gateReadFailed:
		summary = "Unable to Wait for Deployment Approval"
		detail = fmt.Sprintf("Reading %s failed after the configured retries, while it waited for %d approval(s) "+
			"(after %s): %v.", subject, d.PendingApprovalCount, out.waited.Round(time.Second), out.readErr)
		advice = adviceFor(out.readErr)
	}
	switch {
	case write.unsent == "already":
		detail += fmt.Sprintf(" GitLab holds it as %s.", write.status)
	case write.unsent == "ci":
		detail += fmt.Sprintf(" It was created by a GitLab CI job, which GitLab does not let the API change; it stays %s.", d.Status)
	case write.unsent == "refused":
		detail += fmt.Sprintf(" It stays %s.", d.Status)
	case write.err != nil:
		detail += fmt.Sprintf(" Marking it %s failed too (%v); it stays %s in GitLab.", write.status, write.err, d.Status)
	default:
		detail += fmt.Sprintf(" It has been marked %s.", write.status)
	}
	if advice != "" {
		detail += "\n\n" + advice
	}
	if g.forAction {
		detail += "\n\nInvoking the action again records a new deployment."
	} else {
		detail += "\n\nThe state keeps the deployment as GitLab has it; the next apply records a new deployment."
	}
	if out.end == gateTimedOut {
		limit := "timeout"
		if g.forAction {
			limit = "\"invoke\" timeout"
		}
		detail += fmt.Sprintf(" To wait longer, raise the %s in the %s's \"timeouts\" block.", limit, owner)
	}
	diags.AddError(summary, detail)
	return diags
}

// holdBeforeStatusChange is hold for a deployment that exists, before its status is changed: it
// reads the deployment first, and writes no status once approved.
func (g approvalGate) holdBeforeStatusChange(ctx context.Context, project string, id int64) (*gitlabapi.Deployment, diag.Diagnostics) {
	d, err := g.client.GetDeployment(ctx, project, id)
	if err != nil {
		var diags diag.Diagnostics
		addGitLabError(&diags, "Unable to Wait for Deployment Approval", deploymentSubject(project, id), err)
		return nil, diags
	}
	return g.hold(ctx, project, d, "")
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

// rejectedBy names the users whose rejection of d stands.
func rejectedBy(d *gitlabapi.Deployment) []string {
	var names []string
	for _, a := range d.Approvals {
		if a.Status == gitlabapi.ApprovalRejected && !slices.Contains(names, a.User.Username) {
			names = append(names, a.User.Username)
		}
	}
	return names
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
