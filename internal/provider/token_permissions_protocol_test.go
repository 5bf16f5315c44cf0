package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Tests of what the provider says when GitLab refuses a request for a permission the token lacks
// (DESIGN.md §A9, §A10, §B25), and of GitLab 19's merge-request linking for environments in
// folders (§A11), at the protocol level.

const (
	gitlab19Seed = "gitlab19.json"
	// In gitlab19.json, jobTokenApp is the job token of acme/reader, which acme/app's allowlist
	// admits with read_deployments only.
	tokenFineGrainedRead   = "mae-fg-read"
	tokenFineGrainedDeploy = "mae-fg-deploy"
	tokenFineGrainedNone   = "mae-fg-none"
)

// A fine-grained token without Deployment: Create: the error echoes the permission, the operation
// and the fix, and nothing is recorded. Following the advice (a token that holds it) records.
func TestRecordDeploymentAction_fineGrainedTokenLacksPermission(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	_, diags := newActionCaller(t, fake, tokenFineGrainedRead).invoke(recordActionType, recordArgs("web", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Create Deployment",
		"GitLab answered 403: insufficient_granular_scope",
		`The fine-grained personal access token lacks "Deployment: Create", which recording a deployment `+
			`(POST /projects/acme%2Fapp/deployments) needs.`,
		"cannot be changed after it is created: create a token that also holds \"Deployment: Create\"")
	if text := diagnosticsText(diags); strings.Contains(text, "Developer role") {
		t.Errorf("the error gives role advice for a missing token permission:\n%s", text)
	}
	if n := len(deploymentsIn(t, fake, "web")); n != 0 {
		t.Fatalf("%d deployments to web after the refusal, want 0", n)
	}

	progress, diags := newActionCaller(t, fake, tokenFineGrainedDeploy).invoke(recordActionType, recordArgs("web", nil))
	expectNoDiagnostics(t, diags)
	expectProgress(t, progress, "Recorded deployment")
	if n := len(deploymentsIn(t, fake, "web")); n != 1 {
		t.Errorf("%d deployments to web after the create with the permission, want 1", n)
	}
}

// A job token whose allowlist entry holds read_deployments only: the create names both policies it
// needs and where to add them. Following the advice (the entry gets them) records.
func TestRecordDeploymentAction_jobTokenLacksPolicies(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	_, diags := newActionCaller(t, fake, jobTokenApp).invoke(recordActionType, recordArgs("web", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, "Unable to Create Deployment",
		`The CI/CD job token lacks "admin_deployments" and "admin_environments", which recording a deployment `+
			`(POST /projects/acme%2Fapp/deployments) needs`,
		"open Settings > CI/CD > Job token permissions and add \"admin_deployments\" and \"admin_environments\" "+
			"to the allowlist entry of the job's project")
	if n := len(deploymentsIn(t, fake, "web")); n != 0 {
		t.Fatalf("%d deployments to web after the refusal, want 0", n)
	}

	if _, err := fake.AddSeed(&fakegitlab.Seed{Projects: []fakegitlab.SeedProject{{
		ID: 1, PathWithNamespace: "acme/app",
		JobTokenAllowlist: []fakegitlab.SeedAllowlistEntry{{Path: "acme/reader", FineGrained: true,
			JobTokenPolicies: []string{"read_deployments", "admin_deployments", "admin_environments"}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	_, diags = newActionCaller(t, fake, jobTokenApp).invoke(recordActionType, recordArgs("web", nil))
	expectNoDiagnostics(t, diags)
	if n := len(deploymentsIn(t, fake, "web")); n != 1 {
		t.Errorf("%d deployments to web after the entry got the policies, want 1", n)
	}
}

// Approving names Deployment: Approve, which the token lacks, not a role.
func TestApproveDeploymentAction_fineGrainedTokenLacksPermission(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	_, diags := newActionCaller(t, fake, tokenFineGrainedDeploy).invoke(approveActionType,
		actionArgs{"project": "acme/app", "deployment_id": 1})
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, `lacks "Deployment: Approve", which approving or `+
		`rejecting a deployment (POST /projects/acme%2Fapp/deployments/1/approval) needs`)
}

// The data sources' reads name Deployment: Read; a job token's read passes with read_deployments.
func TestDeploymentDataSource_missingReadPermission(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	diags := readMergeRequests(t, newProtocolHarnessFor(t, fake, tokenFineGrainedNone), 1)
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityError, `lacks "Deployment: Read", which reading a `+
		`deployment (GET /projects/acme%2Fapp/deployments/1) needs`)
	expectNoDiagnostics(t, readMergeRequests(t, newProtocolHarnessFor(t, fake, tokenFineGrainedRead), 1))
	expectNoDiagnostics(t, readMergeRequests(t, newProtocolHarnessFor(t, fake, jobTokenApp), 1))
}

// GitLab 19 links merge requests to deployments of environments in folders whose tier, guessed
// from the name, is production or staging, and to no other folder environment (§A11).
func TestDeploymentMergeRequests_folderEnvironments(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	record := newActionCaller(t, fake, tokenMaintainer)
	for _, tc := range []struct {
		env  string
		want int
	}{
		{"production/eu", 2}, {"eu/staging", 2}, {"review/login", 0}, {"preview/prod", 0}, {"qa/prod", 0},
	} {
		_, diags := record.invoke(recordActionType, recordArgs(tc.env, actionArgs{"status": "success"}))
		expectNoDiagnostics(t, diags)
		ds := deploymentsIn(t, fake, tc.env)
		if len(ds) != 1 {
			t.Fatalf("%d deployments to %s, want 1", len(ds), tc.env)
		}
		h := newProtocolHarnessFor(t, fake, tokenMaintainer)
		resp, diags := readMergeRequestsState(t, h, ds[0].ID)
		expectNoDiagnostics(t, diags)
		var got []tftypes.Value
		if err := resp.As(&got); err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("deployment to %q: %d merge requests, want %d", tc.env, len(got), tc.want)
		}
	}
}

func readMergeRequests(t *testing.T, h *protocolHarness, id int64) []*tfprotov6.Diagnostic {
	t.Helper()
	_, diags := readMergeRequestsState(t, h, id)
	return diags
}

// readMergeRequestsState reads gitlabdeploy_deployment_merge_requests for deployment id of acme/app
// and returns its merge_requests.
func readMergeRequestsState(t *testing.T, h *protocolHarness, id int64) (tftypes.Value, []*tfprotov6.Diagnostic) {
	t.Helper()
	const typeName = "gitlabdeploy_deployment_merge_requests"
	typ := h.schemas.DataSourceSchemas[typeName].ValueType()
	config := dynamic(t, typ, objectWith(t, typ, map[string]tftypes.Value{
		"project":       tftypes.NewValue(tftypes.String, "acme/app"),
		"deployment_id": tftypes.NewValue(tftypes.Number, id),
	}))
	resp, err := h.server.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if resp.State == nil {
		return tftypes.Value{}, resp.Diagnostics
	}
	state := h.unmarshal(resp.State, typ)
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs["merge_requests"], resp.Diagnostics
}
