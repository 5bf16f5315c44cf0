package provider

import (
	"context"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// terraform apply -replace of the environment's current success deployment, under
// on_destroy = "delete" and create_before_destroy, with the same ref and sha: GitLab answers the
// create with that very deployment (DESIGN.md §A2, §B1), so the replacement tracks it. The delete
// of the old object must then leave it alone, not fail on GitLab's refusal to delete the current
// deployment nor delete what the new object tracks (issue 18 item 3's matrix cells, case b).
func TestDeploymentResource_replaceAnsweredWithItselfKeepsIt(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	l := newProtocolHarnessFor(t, fake, tokenMaintainer).lifecycle("gitlabdeploy_deployment")
	args := stagingArgs("main", shaMain, "success")
	args["on_destroy"] = onDestroyDelete
	if res := l.apply(args); res.failed != "" {
		t.Fatalf("first apply: %s", res.errorText())
	}
	id := stateDeploymentID(t, l)
	l.createBeforeDestroy = true
	res := l.applyReplacing(args)
	if res.failed != "" {
		t.Fatalf("the replacement failed: %s", res.errorText())
	}
	expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityWarning, "GitLab Returned an Existing Deployment")
	expectDiagnostic(t, res.diags, tfprotov6.DiagnosticSeverityWarning, "Deployment Still Tracked",
		"nothing was deleted")
	if got := stateDeploymentID(t, l); got != id {
		t.Errorf("the state tracks deployment %d, want %d", got, id)
	}
	if _, err := testClient(t, fake).GetDeployment(context.Background(), "acme/app", id); err != nil {
		t.Errorf("deployment %d is gone from GitLab: %v", id, err)
	}
}

// stateDeploymentID is the deployment_id the instance's state holds.
func stateDeploymentID(t *testing.T, l *lifecycle) int64 {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := l.state().As(&attrs); err != nil {
		t.Fatal(err)
	}
	var f big.Float
	if err := attrs["deployment_id"].As(&f); err != nil {
		t.Fatal(err)
	}
	n, _ := f.Int64()
	return n
}
