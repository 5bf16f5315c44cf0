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

// An import by identity that finds nothing names the identity's attributes that found nothing
// and the fix, not the import id's format nor Terraform's generic "Cannot import non-existent
// remote object" (issue 18 item 11).
func TestImportByIdentity_notFoundNamesTheIdentity(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	decideAs(t, fake, "mae-token", d.ID, "approved", "", "")
	expectIdentityAdvice := func(t *testing.T, res *lifecycleResult, parts ...string) {
		t.Helper()
		if res.failed == "" {
			t.Fatalf("the import of nothing succeeded")
		}
		text := res.errorText()
		for _, bad := range []string{"import id", "<project>:<deployment_id>", "Cannot import non-existent remote object"} {
			if strings.Contains(text, bad) {
				t.Errorf("the error speaks of %q:\n%s", bad, text)
			}
		}
		expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityError, parts...)
	}
	t.Run("deployment", func(t *testing.T) {
		t.Parallel()
		l := newProtocolHarnessFor(t, fake, tokenRoot).lifecycle("gitlabdeploy_deployment")
		res := l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": 999},
			resourceArgs{"project": "acme/app", "environment": "production", "ref": "main", "sha": shaMain, "status": "success"})
		expectIdentityAdvice(t, res, "deployment_id = 999", "project_id = 1", "identity", "global id")
	})
	t.Run("decision on a missing deployment", func(t *testing.T) {
		t.Parallel()
		l := newApprovalLifecycle(t, fake, "mae-token")
		res := l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": 999, "user_id": 3},
			approvalArgs{deployment: 999, status: "approved"}.args())
		expectIdentityAdvice(t, res, "deployment_id = 999", "project_id = 1", "identity")
	})
	t.Run("decision of a user who made none", func(t *testing.T) {
		t.Parallel()
		l := newApprovalLifecycle(t, fake, "mae-token")
		res := l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": d.ID, "user_id": 99},
			approvalArgs{deployment: d.ID, status: "approved"}.args())
		expectIdentityAdvice(t, res, "user_id = 99", fmt.Sprintf("deployment_id = %d", d.ID), "identity")
	})
}
