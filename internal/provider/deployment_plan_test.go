package provider

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// recordedDeployment is deployment 6 of acme/app as the state holds it: recorded through the API
// with status, kept on destroy.
func recordedDeployment(status string) *deploymentResourceModel {
	return &deploymentResourceModel{
		Project: types.StringValue("acme/app"), Environment: types.StringValue("staging"),
		Ref: types.StringValue("main"), SHA: types.StringValue(shaMain), Tag: types.BoolValue(false),
		Status: types.StringValue(status), OnDestroy: types.StringValue(onDestroyKeep),
		DeploymentID: types.Int64Value(6), Deployable: types.ObjectNull(jobAttrTypes),
	}
}

// madeByCI is m as a CI job made it.
func madeByCI(m *deploymentResourceModel) *deploymentResourceModel {
	m.Deployable = jobValue(&gitlabapi.Job{ID: 40, Name: "deploy-staging", Stage: "deploy", Status: m.Status.ValueString()})
	return m
}

// with returns a copy of m changed by change.
func with(m *deploymentResourceModel, change func(*deploymentResourceModel)) *deploymentResourceModel {
	c := *m
	change(&c)
	return &c
}

// checkPlanned fails t unless a plan function replaced wantReplaced and found wantRefusals (each
// "summary:attribute"), the first with a detail holding wantDetail in order.
func checkPlanned(t *testing.T, replaced []string, refusals []refusal, wantReplaced, wantRefusals, wantDetail []string) {
	t.Helper()
	if !slices.Equal(replaced, wantReplaced) {
		t.Errorf("replaced %q, want %q", replaced, wantReplaced)
	}
	var got []string
	for _, r := range refusals {
		got = append(got, r.Summary+":"+r.Attribute)
	}
	if !slices.Equal(got, wantRefusals) {
		t.Fatalf("refusals %q, want %q", got, wantRefusals)
	}
	if len(wantDetail) > 0 && !errorMatching(wantDetail...).MatchString(refusals[0].Detail) {
		t.Errorf("detail %q does not hold %q", refusals[0].Detail, wantDetail)
	}
}

func TestPlanDeployment(t *testing.T) {
	t.Parallel()
	success := recordedDeployment("success")
	running := recordedDeployment("running")
	runningDelete := with(running, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyDelete) })
	runningCI := madeByCI(recordedDeployment("running"))
	sha := func(v string) func(*deploymentResourceModel) {
		return func(m *deploymentResourceModel) { m.SHA = types.StringValue(v) }
	}
	status := func(v string) func(*deploymentResourceModel) {
		return func(m *deploymentResourceModel) { m.Status = types.StringValue(v) }
	}
	project := func(v string) func(*deploymentResourceModel) {
		return func(m *deploymentResourceModel) { m.Project = types.StringValue(v) }
	}
	tests := []struct {
		name           string
		prior, planned *deploymentResourceModel
		facts          deploymentPlanFacts
		replaced       []string
		movesStatus    bool
		refusals       []string // summary:attribute
		detail         []string // in the first refusal's detail, in order
		cautions       []string // the summaries of the plan's warnings that are no refusals
		cautionDetail  []string // in the first caution's detail, in order
	}{
		{name: "create", planned: success},
		{
			name: "create without status", planned: with(success, status("")), facts: deploymentPlanFacts{statusUnset: true},
			refusals: []string{"Missing Deployment Status:status"}, detail: []string{`Set "status" to "running"`},
		},
		{name: "destroy kept", prior: running},
		{name: "destroy deleted, finished", prior: with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyDelete) })},
		{
			name: "destroy deleted, running", prior: runningDelete,
			refusals: []string{"Deployment Cannot Be Destroyed:"}, detail: []string{"because it is running", "cancel_and_delete"},
		},
		{
			name: "destroy deleted, currently deployed", facts: deploymentPlanFacts{currentlyDeployed: true},
			prior:    with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyDelete) }),
			refusals: []string{"Deployment Cannot Be Destroyed:"},
			detail:   []string{"currently deployed to environment", `set on_destroy = "keep"`, "delete the environment", "stop_before_destroy = true"},
		},
		{
			name: "destroy canceled and deleted, currently deployed", facts: deploymentPlanFacts{currentlyDeployed: true},
			prior:    with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyCancelAndDelete) }),
			refusals: []string{"Deployment Cannot Be Destroyed:"}, detail: []string{`on_destroy = "cancel_and_delete" asks to delete it`},
		},
		{name: "destroy kept, currently deployed", prior: success, facts: deploymentPlanFacts{currentlyDeployed: true}},
		{name: "destroy canceled and deleted, running", prior: with(running, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyCancelAndDelete) })},
		{
			name: "destroy canceled and deleted, running, made by CI", prior: with(runningCI, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyCancelAndDelete) }),
			refusals: []string{"Deployment Cannot Be Destroyed:"}, detail: []string{"created by GitLab CI", `on_destroy = "keep"`},
		},
		{name: "status moves", prior: running, planned: with(running, status("success")), movesStatus: true},
		{
			name: "status unknown until apply", prior: running,
			planned:     with(running, func(m *deploymentResourceModel) { m.Status = types.StringUnknown() }),
			movesStatus: true,
		},
		{
			name: "status back to running", prior: success, planned: with(success, status("running")), movesStatus: true,
			refusals: []string{"Status Change Refused by GitLab:status"}, detail: []string{`from "success" to "running"`, `Set "status" to "success"`},
		},
		{
			name: "status of a CI deployment", prior: runningCI, planned: with(runningCI, status("success")), movesStatus: true,
			refusals: []string{"Deployment Created by GitLab CI Cannot Be Changed:status"}, detail: []string{`move it from "running" to "success"`},
		},
		{
			name: "status of a CI deployment, unknown until apply", prior: runningCI, movesStatus: true,
			planned:  with(runningCI, func(m *deploymentResourceModel) { m.Status = types.StringUnknown() }),
			refusals: []string{"Deployment Created by GitLab CI Cannot Be Changed:status"},
		},
		{name: "only on_destroy", prior: running, planned: runningDelete},
		{name: "sha spelled shorter", prior: success, planned: with(success, sha(shaMain[:10]))},
		{name: "sha of another commit", prior: success, planned: with(success, sha(shaOld)), replaced: []string{"sha"}},
		{name: "sha unknown until apply", prior: success, planned: with(success, func(m *deploymentResourceModel) { m.SHA = types.StringUnknown() }), replaced: []string{"sha"}},
		{
			name: "environment, ref and sha", prior: success, replaced: []string{"environment", "ref", "sha"},
			planned: with(success, func(m *deploymentResourceModel) {
				m.Environment, m.Ref, m.SHA = types.StringValue("qa"), types.StringValue("release/1.x"), types.StringValue(shaRelease)
			}),
		},
		{name: "tag set", prior: success, planned: with(success, func(m *deploymentResourceModel) { m.Tag = types.BoolValue(true) }), replaced: []string{"tag"}},
		{
			name: "tag set after an import that could not learn it", prior: with(success, func(m *deploymentResourceModel) { m.Tag = types.BoolNull() }),
			planned: with(success, func(m *deploymentResourceModel) { m.Tag = types.BoolValue(true) }),
		},
		{
			name: "replaced, and the status back to running", prior: success, replaced: []string{"sha"},
			planned: with(success, func(m *deploymentResourceModel) {
				m.SHA, m.Status = types.StringValue(shaOld), types.StringValue("running")
			}),
		},
		{
			name: "CI deployment replaced, kept", prior: runningCI, replaced: []string{"sha"},
			planned: with(runningCI, func(m *deploymentResourceModel) {
				m.SHA, m.Status = types.StringValue(shaOld), types.StringValue("success")
			}),
		},
		{
			name: "CI deployment replaced, deleted", prior: madeByCI(recordedDeployment("failed")), replaced: []string{"ref"},
			planned: with(madeByCI(recordedDeployment("failed")), func(m *deploymentResourceModel) {
				m.Ref, m.OnDestroy = types.StringValue("release/1.x"), types.StringValue(onDestroyDelete)
			}),
		},
		{
			name: "replaced, running, deleted", prior: runningDelete, planned: with(runningDelete, sha(shaOld)), replaced: []string{"sha"},
			refusals: []string{"Deployment Cannot Be Replaced:"}, detail: []string{"Changing sha records a new deployment", "because it is running"},
		},
		{
			name: "CI deployment replaced, running, canceled and deleted", replaced: []string{"sha"},
			prior: with(runningCI, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyCancelAndDelete) }),
			planned: with(runningCI, func(m *deploymentResourceModel) {
				m.SHA, m.OnDestroy = types.StringValue(shaOld), types.StringValue(onDestroyCancelAndDelete)
			}),
			refusals: []string{"Deployment Cannot Be Replaced:"}, detail: []string{"created by GitLab CI"},
		},
		{name: "project spelled otherwise", prior: success, planned: with(success, project("1")), facts: deploymentPlanFacts{sameProject: true}},
		{name: "another project", prior: success, planned: with(success, project("acme/tools")), replaced: []string{"project"}},
		{
			name: "project not compared", prior: success, planned: with(success, project("1")),
			facts:    deploymentPlanFacts{projectUncompared: errors.New("403 Forbidden")},
			refusals: []string{"Unable to Compare Projects:project"}, detail: []string{`from "acme/app" to "1"`, "403 Forbidden"},
		},
		{
			name: "status after a failed approval gate", prior: success, planned: with(success, status("running")),
			facts: deploymentPlanFacts{approvalGateFailed: true}, replaced: []string{"status"},
		},
		{name: "nothing after a failed approval gate", prior: success, planned: success, facts: deploymentPlanFacts{approvalGateFailed: true}},
		// A replacement of the environment's current deployment that on_destroy deletes: GitLab
		// refuses the delete unless the new one became current first (create_before_destroy, which
		// the plan cannot see), so the plan warns and refuses nothing (DESIGN.md §B16).
		{
			name: "replaced, currently deployed, deleted", replaced: []string{"sha"},
			prior: with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyDelete) }),
			planned: with(success, func(m *deploymentResourceModel) {
				m.SHA, m.OnDestroy = types.StringValue(shaOld), types.StringValue(onDestroyDelete)
			}),
			facts:    deploymentPlanFacts{currentlyDeployed: true},
			cautions: []string{"Replacement Needs create_before_destroy"},
			cautionDetail: []string{"Changing sha records a new deployment and deletes deployment 6", "create_before_destroy = true",
				`set on_destroy = "keep" and apply that alone first`},
		},
		{
			name: "replaced, currently deployed, canceled and deleted", replaced: []string{"sha"},
			prior: with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyCancelAndDelete) }),
			planned: with(success, func(m *deploymentResourceModel) {
				m.SHA, m.OnDestroy = types.StringValue(shaOld), types.StringValue(onDestroyCancelAndDelete)
			}),
			facts:    deploymentPlanFacts{currentlyDeployed: true},
			cautions: []string{"Replacement Needs create_before_destroy"}, cautionDetail: []string{`on_destroy = "cancel_and_delete"`},
		},
		{
			// Kept in GitLab: nothing is deleted, so nothing is refused.
			name: "replaced, currently deployed, kept", replaced: []string{"sha"}, prior: success,
			planned: with(success, sha(shaOld)), facts: deploymentPlanFacts{currentlyDeployed: true},
		},
		{
			// Another deployment is the current one: the delete goes through.
			name: "replaced, not currently deployed, deleted", replaced: []string{"sha"},
			prior: with(success, func(m *deploymentResourceModel) { m.OnDestroy = types.StringValue(onDestroyDelete) }),
			planned: with(success, func(m *deploymentResourceModel) {
				m.SHA, m.OnDestroy = types.StringValue(shaOld), types.StringValue(onDestroyDelete)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := planDeployment(tt.prior, tt.planned, tt.facts)
			if p.movesStatus != tt.movesStatus {
				t.Errorf("movesStatus %t, want %t", p.movesStatus, tt.movesStatus)
			}
			checkPlanned(t, p.replaced, p.refusals, tt.replaced, tt.refusals, tt.detail)
			var cautions []string
			for _, c := range p.cautions {
				cautions = append(cautions, c.Summary)
			}
			if !slices.Equal(cautions, tt.cautions) {
				t.Fatalf("cautions %q, want %q", cautions, tt.cautions)
			}
			if len(tt.cautionDetail) > 0 && !errorMatching(tt.cautionDetail...).MatchString(p.cautions[0].Detail) {
				t.Errorf("caution %q does not hold %q", p.cautions[0].Detail, tt.cautionDetail)
			}
		})
	}
}

// Every argument of deploymentReplacingArguments replaces through the schema's plan modifiers
// too, with the same rule.
func TestDeploymentReplacingArguments_inSchema(t *testing.T) {
	t.Parallel()
	var resp resource.SchemaResponse
	NewDeploymentResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	for _, a := range deploymentReplacingArguments {
		if !hasReplacingModifier(resp.Schema.Attributes[a.name], a.name) {
			t.Errorf("the schema of %s has no plan modifier from deploymentReplacingArguments", a.name)
		}
	}
}

// hasReplacingModifier reports whether attribute a has the replacing-argument plan modifier named name.
func hasReplacingModifier(a schema.Attribute, name string) bool {
	var modifiers []any
	switch a := a.(type) {
	case schema.StringAttribute:
		for _, m := range a.PlanModifiers {
			modifiers = append(modifiers, m)
		}
	case schema.BoolAttribute:
		for _, m := range a.PlanModifiers {
			modifiers = append(modifiers, m)
		}
	case schema.Int64Attribute:
		for _, m := range a.PlanModifiers {
			modifiers = append(modifiers, m)
		}
	}
	for _, m := range modifiers {
		switch m := m.(type) {
		case replacingArgument[deploymentResourceModel]:
			return m.name == name
		case replacingArgument[deploymentApprovalResourceModel]:
			return m.name == name
		}
	}
	return false
}
