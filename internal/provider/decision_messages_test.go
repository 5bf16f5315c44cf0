package provider

import (
	"fmt"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"strings"
	"testing"
)

// expectNoProgressContaining fails when a progress message contains text.
func expectNoProgressContaining(t *testing.T, progress []string, text string) {
	t.Helper()
	for _, p := range progress {
		if strings.Contains(p, text) {
			t.Errorf("progress message %q says %q", p, text)
		}
	}
}

// After a rejection the deployment is rejected: GitLab counts approvals only in its pending
// count, but a rejection stands against every approval (DESIGN.md §A4). The action says so,
// for the rejection and for an approval given while a rejection stands, instead of "it still
// waits for N approval(s)" (issue 18 item 11).
func TestApproveDeploymentAction_rejectionToldAsRejection(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")

	progress, diags := newActionCaller(t, fake, "mae-token").invoke(approveActionType, actionArgs{
		"project": "acme/app", "deployment_id": d.ID, "status": "rejected",
	})
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, fmt.Sprintf(`mae rejected deployment %d of project "acme/app"`, d.ID),
		"it is rejected (by mae)", "no approval outweighs a rejection")
	expectNoProgressContaining(t, progress, "still waits")

	progress, diags = newActionCaller(t, fake, "quinn-token").invoke(approveActionType, actionArgs{
		"project": "acme/app", "deployment_id": d.ID,
	})
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, "quinn approved", "it is rejected (by mae)")
	expectNoProgressContaining(t, progress, "still waits")
}

// A decision repeated with the same status is answered by GitLab with the decision already
// recorded, unchanged (Deployments::ApprovalService#upsert_approval returns it as it is). The
// action says that the decision was already in place, not that the user approved now (issue 18
// item 11).
func TestApproveDeploymentAction_repeatToldAsAlreadyInPlace(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	mae := newActionCaller(t, fake, "mae-token")
	args := actionArgs{"project": "acme/app", "deployment_id": d.ID, "comment": "ship it"}

	progress, diags := mae.invoke(approveActionType, args)
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, fmt.Sprintf(`mae approved deployment %d of project "acme/app"`, d.ID))

	progress, diags = mae.invoke(approveActionType, args)
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, fmt.Sprintf(`mae had already approved deployment %d of project "acme/app"`, d.ID),
		"GitLab changed nothing", "it still waits for 2 approval(s)")
	expectNoProgressContaining(t, progress, "mae approved")
}

// The resource's create of a decision the user has already made, with the same status, warns
// that the decision was already in place and that the resource now manages it (issue 18 item 11).
func TestDeploymentApprovalResource_createOfExistingDecisionToldAsAlreadyInPlace(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	decideAs(t, fake, "mae-token", d.ID, "approved", "", "")
	l := newApprovalLifecycle(t, fake, "mae-token")
	res := l.apply(approvalArgs{deployment: d.ID, status: "approved"}.args())
	if res.failed != "" {
		t.Fatalf("apply failed: %s", res.errorText())
	}
	expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityWarning, "Decision Already in Place",
		fmt.Sprintf(`mae had already approved deployment %d of project "acme/app"`, d.ID), "GitLab changed nothing",
		"this resource now manages that decision")

	// A fresh decision says nothing of the kind.
	fresh := recordAsDora(t, fake, "production")
	res = newApprovalLifecycle(t, fake, "mae-token").apply(approvalArgs{deployment: fresh.ID, status: "approved"}.args())
	if hasWarning(res.diags, "Already in Place") || res.failed != "" {
		t.Errorf("a fresh decision: %s", diagnosticsText(res.diags))
	}
}
