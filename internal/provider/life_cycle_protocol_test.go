package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// planChange plans typeName from prior to a configuration that sets config (every other argument
// null), as Terraform does: the proposed new state takes the configuration's values, and the
// prior ones for computed attributes the configuration leaves null.
func (h *protocolHarness) planChange(typeName string, prior *tfprotov6.DynamicValue, identity *tfprotov6.ResourceIdentityData,
	private []byte, config map[string]tftypes.Value) *tfprotov6.PlanResourceChangeResponse {
	h.t.Helper()
	typ := h.stateType(typeName)
	configValue := objectWith(h.t, typ, config)
	var priorAttrs map[string]tftypes.Value
	if err := h.unmarshal(prior, typ).As(&priorAttrs); err != nil {
		h.t.Fatal(err)
	}
	proposed := map[string]tftypes.Value{}
	for _, a := range h.schemas.ResourceSchemas[typeName].Block.Attributes {
		if v, set := config[a.Name]; set {
			proposed[a.Name] = v
		} else if a.Computed {
			proposed[a.Name] = priorAttrs[a.Name]
		}
	}
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: prior, PriorIdentity: identity, PriorPrivate: private,
		Config: dynamic(h.t, typ, configValue), ProposedNewState: dynamic(h.t, typ, objectWith(h.t, typ, proposed)),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// applyPlanned applies what planChange planned, with the same configuration.
func (h *protocolHarness) applyPlanned(typeName string, prior *tfprotov6.DynamicValue, plan *tfprotov6.PlanResourceChangeResponse,
	config map[string]tftypes.Value) *tfprotov6.ApplyResourceChangeResponse {
	h.t.Helper()
	typ := h.stateType(typeName)
	resp, err := h.server.ApplyResourceChange(h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: prior, PlannedState: plan.PlannedState, PlannedPrivate: plan.PlannedPrivate,
		PlannedIdentity: plan.PlannedIdentity, Config: dynamic(h.t, typ, objectWith(h.t, typ, config)),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// imported is a resource as an import and the refresh after it leave it.
type imported struct {
	state    *tfprotov6.DynamicValue
	identity *tfprotov6.ResourceIdentityData
	private  []byte
}

func (h *protocolHarness) importAndRead(typeName, id string) imported {
	h.t.Helper()
	res := h.importByID(typeName, id).ImportedResources[0]
	read := h.read(typeName, res.State, res.Identity, res.Private)
	return imported{state: read.NewState, identity: read.NewIdentity, private: read.Private}
}

func tfStr(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// The same project under another spelling, case, numeric id, or its new path after a rename or a
// transfer, is never a replacement, for the deployment resource or the approval resource, with
// or without the identity (which holds the project's id); another project still is.
func TestProtocolPlan_sameProjectAfterRenameIsNoReplacement(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer) // mae sees acme/app and acme/tools
	decideAs(t, h.fake, tokenDeveloper, 5, "approved", "", "")
	const deploymentType, approvalType = "gitlabdeploy_deployment", "gitlabdeploy_deployment_approval"
	deployment := h.importAndRead(deploymentType, "acme/app:2")
	decision := h.importAndRead(approvalType, "acme/app:5:3")
	if err := h.fake.MoveProject("acme/app", "platform/web"); err != nil {
		t.Fatal(err)
	}
	configs := map[string]func(project string) map[string]tftypes.Value{
		deploymentType: func(project string) map[string]tftypes.Value {
			return map[string]tftypes.Value{
				"project": tfStr(project), "environment": tfStr("staging"), "ref": tfStr("main"), "sha": tfStr(shaMain), "status": tfStr("success"),
			}
		},
		approvalType: func(project string) map[string]tftypes.Value {
			return map[string]tftypes.Value{
				"project": tfStr(project), "deployment_id": tftypes.NewValue(tftypes.Number, 5), "status": tfStr("approved"),
			}
		},
	}
	for _, tc := range []struct {
		project      string
		withIdentity bool
		replaced     bool
	}{
		{"1", true, false},
		{"ACME/APP", true, false},
		{"platform/web", true, false},
		{"Platform/Web", true, false},
		{"platform/web", false, false}, // the old path leads to the project through GitLab's redirect
		{"acme/tools", true, true},
		{"2", false, true},
	} {
		for typeName, r := range map[string]imported{deploymentType: deployment, approvalType: decision} {
			identity := r.identity
			if !tc.withIdentity {
				identity = nil
			}
			resp := h.planChange(typeName, r.state, identity, r.private, configs[typeName](tc.project))
			checkDiags(t, "PlanResourceChange", resp.Diagnostics)
			if replaced := len(resp.RequiresReplace) > 0; replaced != tc.replaced {
				t.Errorf("%s: project acme/app to %q (identity %t): replaced %t (%v), want %t; diagnostics: %s",
					typeName, tc.project, tc.withIdentity, replaced, resp.RequiresReplace, tc.replaced, diagText(resp.Diagnostics))
			}
			if !tc.replaced {
				planned := h.unmarshal(resp.PlannedState, h.stateType(typeName))
				if id := stringAttr(t, planned, "id"); !strings.HasPrefix(id, tc.project+":") {
					t.Errorf("%s: planned id %q does not name the project as configured, %q", typeName, id, tc.project)
				}
			}
		}
	}
}

// After an import by identity, which writes the project's path, a configuration that writes the
// numeric id plans and applies an in-place change of the spelling alone, which sends nothing to
// GitLab (DESIGN.md §B2), for the approval resource as for the deployment resource.
func TestProtocolPlan_approvalImportedByIdentityIntoNumericProject(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenDeveloper)
	decideAs(t, h.fake, tokenDeveloper, 5, "approved", "", "")
	const typeName = "gitlabdeploy_deployment_approval"
	res := h.importByIdentity(typeName, h.identity(typeName, map[string]int64{"project_id": 1, "deployment_id": 5, "user_id": 3})).ImportedResources[0]
	read := h.read(typeName, res.State, res.Identity, res.Private)
	config := map[string]tftypes.Value{"project": tfStr("1"), "deployment_id": tftypes.NewValue(tftypes.Number, 5), "status": tfStr("approved")}
	h.requests()
	plan := h.planChange(typeName, read.NewState, read.NewIdentity, read.Private, config)
	checkDiags(t, "PlanResourceChange", plan.Diagnostics)
	if len(plan.RequiresReplace) > 0 {
		t.Fatalf("project \"acme/app\" to \"1\" plans a replacement: %v", plan.RequiresReplace)
	}
	applied := h.applyPlanned(typeName, read.NewState, plan, config)
	checkDiags(t, "ApplyResourceChange", applied.Diagnostics)
	state := h.unmarshal(applied.NewState, h.stateType(typeName))
	if got := stringAttr(t, state, "id"); got != "1:5:3" {
		t.Errorf("id after the apply = %q, want 1:5:3", got)
	}
	if w := writeRequests(h.fake.Stats()); len(w) > 0 {
		t.Errorf("the change of spelling sent %v", w)
	}
}

// Another user's identical success recorded less than a second before is not taken for a new
// deployment: the record action says it recorded nothing, naming the deployment and its creator,
// rather than "Recorded deployment #6".
func TestRecordDeploymentAction_anotherUsersDeploymentOfTheSameSecondIsTold(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	c := newActionCaller(t, fake, tokenDeveloper)
	theirs, _, err := testClient(t, fake).CreateDeployment(context.Background(), "acme/app",
		gitlabapi.CreateDeploymentOptions{Environment: "web", Ref: "main", SHA: shaMain, Status: gitlabapi.StatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	progress, diags := c.invoke(recordActionType, recordArgs("web", nil))
	expectDiagnostic(t, diags, tfprotov6.DiagnosticSeverityWarning, "Deployment Already Recorded",
		fmt.Sprintf("it answered with deployment %d", theirs.ID), "created by root")
	expectProgress(t, progress, "The action recorded nothing")
}

// Two resource instances of one plan that track one deployment (as after an import of a tracked
// deployment into a second resource) are told, naming the deployment, so that their status
// changes stop undoing each other; one instance alone, planned again in the next run, is not.
func TestProtocolPlan_twoResourcesTrackingOneDeploymentAreTold(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	const typeName = "gitlabdeploy_deployment"
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	tracked := h.importAndRead(typeName, "acme/app:2")
	twin := h.importAndRead(typeName, "acme/app:2")
	other := h.importAndRead(typeName, "acme/app:3")
	config := func(status string) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"project": tfStr("acme/app"), "environment": tfStr("staging"), "ref": tfStr("main"), "sha": tfStr(shaMain), "status": tfStr(status),
		}
	}
	const summary = "Deployment Tracked by Two Resources"
	first := h.planChange(typeName, tracked.state, tracked.identity, tracked.private, config("success"))
	unrelated := h.planChange(typeName, other.state, other.identity, other.private, map[string]tftypes.Value{
		"project": tfStr("acme/app"), "environment": tfStr("staging"), "ref": tfStr("main"), "sha": tfStr(shaOld), "status": tfStr("failed"),
	})
	second := h.planChange(typeName, twin.state, twin.identity, twin.private, config("failed"))
	for name, resp := range map[string]*tfprotov6.PlanResourceChangeResponse{"the first": first, "another deployment's": unrelated} {
		checkDiags(t, "PlanResourceChange", resp.Diagnostics)
		if n := countDiags(resp.Diagnostics, tfprotov6.DiagnosticSeverityWarning, summary, ""); n != 0 {
			t.Errorf("%s plan warned of twins: %s", name, diagText(resp.Diagnostics))
		}
	}
	checkDiags(t, "PlanResourceChange", second.Diagnostics)
	if countDiags(second.Diagnostics, tfprotov6.DiagnosticSeverityWarning, summary,
		`Deployment 2 of project "acme/app" is tracked by another resource of this configuration too`) != 1 {
		t.Errorf("the second plan of deployment 2 did not warn of twins: %s", diagText(second.Diagnostics))
	}

	// The next run configures the provider afresh: one instance is no twin.
	next := newProtocolHarnessFor(t, fake, tokenMaintainer)
	again := next.planChange(typeName, tracked.state, tracked.identity, tracked.private, config("success"))
	if n := countDiags(again.Diagnostics, tfprotov6.DiagnosticSeverityWarning, summary, ""); n != 0 {
		t.Errorf("one instance in a new run was warned of twins: %s", diagText(again.Diagnostics))
	}
}

// With a CI job token, which GitLab does not show projects to, the same project under another
// spelling or its new path is told by the deployment, which only the same project holds; another
// project the token cannot reach is another project.
func TestProtocolPlan_sameProjectWithJobToken(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	const typeName = "gitlabdeploy_deployment"
	h := newProtocolHarnessFor(t, fake, jobTokenApp)
	deployment := h.importAndRead(typeName, "acme/app:2")
	if err := fake.MoveProject("acme/app", "platform/web"); err != nil {
		t.Fatal(err)
	}
	for project, replaced := range map[string]bool{"1": false, "platform/web": false, "acme/tools": true} {
		resp := h.planChange(typeName, deployment.state, deployment.identity, deployment.private, map[string]tftypes.Value{
			"project": tfStr(project), "environment": tfStr("staging"), "ref": tfStr("main"), "sha": tfStr(shaMain), "status": tfStr("success"),
		})
		if n := countDiags(resp.Diagnostics, tfprotov6.DiagnosticSeverityWarning, "Unable to Compare Projects", ""); n != 0 {
			t.Errorf("project acme/app to %q: %s", project, diagText(resp.Diagnostics))
		}
		if got := len(resp.RequiresReplace) > 0; got != replaced {
			t.Errorf("project acme/app to %q with a job token: replaced %t, want %t", project, got, replaced)
		}
	}
}
