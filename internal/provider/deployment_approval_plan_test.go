package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// recordedDecision is dev's approval of deployment 5 as the state holds it, counting for the
// rule named "Dev Developer".
func recordedDecision() *deploymentApprovalResourceModel {
	return &deploymentApprovalResourceModel{
		Project: types.StringValue("acme/app"), DeploymentID: types.Int64Value(5),
		Status: types.StringValue(gitlabapi.ApprovalApproved), Comment: types.StringValue("ship it"),
		RepresentedAs: types.StringNull(), UserID: types.Int64Value(3), Username: types.StringValue("dev"),
		RuleID: types.Int64Value(2), RuleName: types.StringValue("Dev Developer"),
	}
}

func changedDecision(change func(*deploymentApprovalResourceModel)) *deploymentApprovalResourceModel {
	m := recordedDecision()
	change(m)
	return m
}

func TestPlanDeploymentApproval(t *testing.T) {
	t.Parallel()
	rejected := func(m *deploymentApprovalResourceModel) { m.Status = types.StringValue(gitlabapi.ApprovalRejected) }
	waiting := &gitlabapi.Deployment{ID: 5, PendingApprovalCount: 1}
	approved := &gitlabapi.Deployment{ID: 5, PendingApprovalCount: 0}
	approved.Environment.Name = "production"
	dev, mae := &gitlabapi.User{ID: 3, Username: "dev"}, &gitlabapi.User{ID: 2, Username: "mae"}
	tests := []struct {
		name            string
		prior, planned  *deploymentApprovalResourceModel
		deployment      *gitlabapi.Deployment // as GitLab holds it at plan time
		user            *gitlabapi.User       // the provider's user
		facts           approvalPlanFacts
		replaced        []string
		changesDecision bool
		refusals        []string // summary:attribute
		detail          []string // in the first refusal's detail, in order
	}{
		{name: "create", planned: recordedDecision()},
		{name: "destroy", prior: recordedDecision()},
		{name: "nothing", prior: recordedDecision(), planned: recordedDecision(), deployment: approved},
		{name: "decision changes", prior: recordedDecision(), planned: changedDecision(rejected), deployment: waiting, user: dev, changesDecision: true},
		{
			name: "decision and comment change", prior: recordedDecision(), deployment: waiting, user: dev, changesDecision: true,
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { rejected(m); m.Comment = types.StringValue("not yet") }),
		},
		{
			name: "decision changes, the deployment no longer waits", prior: recordedDecision(), planned: changedDecision(rejected),
			deployment: approved, user: dev, changesDecision: true,
			refusals: []string{"Deployment No Longer Waits for Approvals:status"}, detail: []string{`environment "production"`, `Set "status" back to "approved"`},
		},
		{
			name: "decision changes, by another user", prior: recordedDecision(), planned: changedDecision(rejected),
			deployment: waiting, user: mae, changesDecision: true,
			refusals: []string{"Decision Belongs to Another User:status"}, detail: []string{"decision of dev (id 3)", "act for mae (id 2)"},
		},
		{name: "decision changes, GitLab did not answer", prior: recordedDecision(), planned: changedDecision(rejected), changesDecision: true},
		{
			name: "comment alone", prior: recordedDecision(), planned: changedDecision(func(m *deploymentApprovalResourceModel) { m.Comment = types.StringNull() }),
			refusals: []string{"Comment Cannot Change Alone:comment"}, detail: []string{`comment "ship it"`, "comment none cannot be recorded"},
		},
		{
			name: "deployment and decision change", prior: recordedDecision(), deployment: approved, replaced: []string{"deployment_id"},
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { rejected(m); m.DeploymentID = types.Int64Value(7) }),
		},
		{
			name: "deployment unknown until apply", prior: recordedDecision(), replaced: []string{"deployment_id"},
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { m.DeploymentID = types.Int64Unknown() }),
		},
		{
			name: "project spelled otherwise", prior: recordedDecision(), facts: approvalPlanFacts{sameProject: true},
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { m.Project = types.StringValue("1") }),
		},
		{
			name: "project spelled otherwise and comment change", prior: recordedDecision(), facts: approvalPlanFacts{sameProject: true},
			planned: changedDecision(func(m *deploymentApprovalResourceModel) {
				m.Project, m.Comment = types.StringValue("1"), types.StringNull()
			}),
			refusals: []string{"Comment Cannot Change Alone:comment"},
		},
		{
			name: "another project and comment change", prior: recordedDecision(), replaced: []string{"project"},
			planned: changedDecision(func(m *deploymentApprovalResourceModel) {
				m.Project, m.Comment = types.StringValue("acme/tools"), types.StringNull()
			}),
		},
		{
			name: "project GitLab could not compare", prior: recordedDecision(),
			facts:    approvalPlanFacts{projectUncompared: errors.New("401 Unauthorized")},
			planned:  changedDecision(func(m *deploymentApprovalResourceModel) { m.Project = types.StringValue("1") }),
			refusals: []string{"Unable to Compare Projects:project"}, detail: []string{`from "acme/app" to "1"`, "then the decision stays", "401 Unauthorized"},
		},
		{
			name: "represented_as set on an imported decision", prior: recordedDecision(),
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { m.RepresentedAs = types.StringValue("Dev") }),
		},
		{
			name: "represented_as naming another rule on an imported decision", prior: recordedDecision(),
			planned:  changedDecision(func(m *deploymentApprovalResourceModel) { m.RepresentedAs = types.StringValue("Maintainers") }),
			refusals: []string{"Decision Counts for Another Rule:represented_as"}, detail: []string{`rule 2 ("Dev Developer")`},
		},
		{
			name: "represented_as changes", replaced: []string{"represented_as"},
			prior:   changedDecision(func(m *deploymentApprovalResourceModel) { m.RepresentedAs = types.StringValue("Dev") }),
			planned: changedDecision(func(m *deploymentApprovalResourceModel) { m.RepresentedAs = types.StringValue("Maintainers") }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := planDeploymentApproval(tt.prior, tt.planned, tt.facts)
			p.checkDecisionChange(tt.prior, tt.deployment, tt.user)
			if p.changesDecision != tt.changesDecision {
				t.Errorf("changesDecision %t, want %t", p.changesDecision, tt.changesDecision)
			}
			checkPlanned(t, p.replaced, p.refusals, tt.replaced, tt.refusals, tt.detail)
		})
	}
}

// Every argument of approvalReplacingArguments replaces through the schema's plan modifiers too.
func TestApprovalReplacingArguments_inSchema(t *testing.T) {
	t.Parallel()
	var resp resource.SchemaResponse
	NewDeploymentApprovalResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	for _, a := range approvalReplacingArguments {
		if !hasReplacingModifier(resp.Schema.Attributes[a.name], a.name) {
			t.Errorf("the schema of %s has no plan modifier from approvalReplacingArguments", a.name)
		}
	}
}
