package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// stateDecisionStatus is the status the decision's state holds, "" when the state holds none.
func stateDecisionStatus(t *testing.T, l *lifecycle) string {
	t.Helper()
	v := l.state()
	if v.IsNull() {
		return ""
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := attrs["status"].As(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

// A replacement of a decision forgets the old one (GitLab cannot withdraw decisions) and records
// the new one, which GitLab refuses once the deployment no longer waits for approvals. The
// decision GitLab still holds must not be lost from the state: the same decision is taken as
// already in place, and another one is kept as GitLab holds it, with the refusal (issue 18 item 3,
// the life-cycle matrix's cells).
func TestDeploymentApprovalResource_replacementOnceNotWaitingKeepsTheDecision(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	d := recordAsDora(t, fake, "production")
	l := newApprovalLifecycle(t, fake, "mae-token")
	approved := approvalArgs{deployment: d.ID, status: "approved"}.args()
	if res := l.apply(approved); res.failed != "" {
		t.Fatalf("first apply: %s", res.errorText())
	}
	decideAs(t, fake, "quinn-token", d.ID, "approved", "", "")
	decideAs(t, fake, "sam-token", d.ID, "approved", "", "security")

	// terraform apply -replace, same configuration: the decision is in place.
	res := l.applyReplacing(approved)
	if res.failed != "" {
		t.Fatalf("-replace of a decision GitLab holds as configured failed: %s", res.errorText())
	}
	expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityWarning, "Decision Already in Place",
		"no longer waits for approvals", "this resource now manages that decision")
	if got := stateDecisionStatus(t, l); got != "approved" {
		t.Errorf("state status = %q, want approved", got)
	}

	// A replacement that asks for another decision fails, and the state keeps GitLab's.
	rejected := approvalArgs{deployment: d.ID, status: "rejected"}.args()
	res = l.applyReplacing(rejected)
	if res.failed == "" {
		t.Fatal("a rejection of a deployment that no longer waits succeeded")
	}
	if !strings.Contains(res.errorText(), "This deployment is not waiting for approvals") {
		t.Errorf("the error is not GitLab's refusal:\n%s", res.errorText())
	}
	expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityError, "Decision Kept in the State",
		`mae's approved decision`, `set "status" back to "approved"`)
	if got := stateDecisionStatus(t, l); got != "approved" {
		t.Errorf("state status = %q, want approved: the state lost the decision GitLab holds", got)
	}

	// Following the advice works.
	if res := l.apply(approved); res.failed != "" {
		t.Errorf("after setting status back: %s", res.errorText())
	}
}

// An import by identity of a decision recorded with represented_as (its identity names the rule)
// into a configuration that sets represented_as to a part of the rule's name is a pure import:
// GitLab's approval summary names the rule, and the configured value selects it (issue 18 item 11).
func TestDeploymentApprovalResource_importByIdentityWithRepresentedAsIsPure(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	decideAs(t, fake, "sam-token", 1, "approved", "", "security")
	for _, representedAs := range []string{"security", "security-team"} {
		t.Run(representedAs, func(t *testing.T) {
			t.Parallel()
			l := newApprovalLifecycle(t, fake, "sam-token")
			args := approvalArgs{deployment: 1, status: "approved", representedAs: representedAs}.args()
			res := l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": 1, "user_id": 5, "rule_id": ruleSecurityTeam}, args)
			if res.failed != "" {
				t.Fatalf("import failed: %s", res.errorText())
			}
			if res.action != "no-op" {
				t.Errorf("the import's plan is %q, want a pure import (no-op)", res.action)
			}
		})
	}
	// A part of another rule's name is no pure import: it is told.
	l := newApprovalLifecycle(t, fake, "sam-token")
	res := l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": 1, "user_id": 5, "rule_id": ruleSecurityTeam},
		approvalArgs{deployment: 1, status: "approved", representedAs: "Maint"}.args())
	if res.action == "no-op" {
		t.Error("represented_as of another rule planned nothing")
	}
}
