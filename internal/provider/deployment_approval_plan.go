package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// approvalReplacingArguments are the arguments of gitlabdeploy_deployment_approval whose change
// records a new decision whatever GitLab holds. One more replaces on a fact the plan learns from
// GitLab (approvalPlanFacts): project, when it names another project.
var approvalReplacingArguments = []replacingArgument[deploymentApprovalResourceModel]{
	{
		name: "deployment_id", effect: "records a new decision",
		value: func(m *deploymentApprovalResourceModel) attr.Value { return m.DeploymentID },
	},
	{
		name: "represented_as", effect: "records a new decision, unless the decision was imported without it",
		value: func(m *deploymentApprovalResourceModel) attr.Value { return m.RepresentedAs },
		// An imported decision has no represented_as yet: setting it only records which rule the
		// decision counts for (representedAsOtherRule checks that it does).
		replaces: func(prior, _ attr.Value) bool { return !prior.IsNull() },
	},
}

// approvalPlanFacts is what planning a decision needs beyond its prior state and plan.
type approvalPlanFacts struct {
	// sameProject: a changed project is another spelling of the same project, as GitLab says.
	sameProject bool
	// projectUncompared is why GitLab could not tell whether a changed project is the same one.
	projectUncompared error
}

// approvalPlan is what a planned change does to a decision in GitLab.
type approvalPlan struct {
	// replaced names the arguments whose change records a new decision; none: in place.
	replaced []string
	// changesDecision: the status changes in place, so the plan reads the deployment and the
	// provider's user, and checkDecisionChange decides on them.
	changesDecision bool
	// refusals are what GitLab would refuse in this change.
	refusals []refusal
}

// planDeploymentApproval decides what a change from prior to planned does, and what GitLab would
// refuse in it as far as the two tell. Creates and destroys are never refused at plan time: GitLab
// alone knows whether it takes a decision, and it cannot withdraw one.
func planDeploymentApproval(prior, planned *deploymentApprovalResourceModel, facts approvalPlanFacts) approvalPlan {
	var p approvalPlan
	if prior == nil || planned == nil {
		return p
	}
	if !planned.Project.Equal(prior.Project) && !facts.sameProject && facts.projectUncompared == nil {
		p.replaced = append(p.replaced, "project")
	}
	p.replaced = append(p.replaced, replacedArguments(approvalReplacingArguments, prior, planned)...)
	if len(p.replaced) > 0 {
		// The new decision is a create, on whatever deployment it names.
		return p
	}
	p.refuse(projectsUncompared(prior.Project, planned.Project, "decision", facts.projectUncompared))
	p.changesDecision = !planned.Status.IsUnknown() && !planned.Status.Equal(prior.Status)
	p.refuse(commentChangedAlone(prior, planned, p.changesDecision))
	p.refuse(representedAsOtherRule(prior, planned))
	return p
}

// checkDecisionChange adds what GitLab would refuse in a change of decision, from the deployment
// as GitLab holds it and the provider's user (nil when GitLab did not tell).
func (p *approvalPlan) checkDecisionChange(prior *deploymentApprovalResourceModel, d *gitlabapi.Deployment, user *gitlabapi.User) {
	if !p.changesDecision || len(p.refusals) > 0 || d == nil {
		return
	}
	if r := noLongerWaits(prior, d); r != nil {
		p.refuse(r)
		return
	}
	p.refuse(decisionOfAnotherUser(prior, user))
}

func (p *approvalPlan) refuse(r *refusal) {
	if r != nil {
		p.refusals = append(p.refusals, *r)
	}
}

// commentChangedAlone: GitLab keeps the first comment of a decision whose status does not change.
func commentChangedAlone(prior, planned *deploymentApprovalResourceModel, statusChanges bool) *refusal {
	if statusChanges || planned.Status.IsUnknown() || planned.Comment.IsUnknown() || planned.Comment.Equal(prior.Comment) {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Attribute: "comment", Summary: "Comment Cannot Change Alone", Detail: fmt.Sprintf(
		"%s's %s decision on %s was recorded with comment %s. GitLab keeps the first comment of a decision "+
			"whose status does not change, so comment %s cannot be recorded.\n\nSet \"comment\" back to %s. "+
			"To record a new comment, change \"status\" and apply, then change it back with the new comment "+
			"(while the deployment still waits for approvals).",
		prior.Username.ValueString(), prior.Status.ValueString(), subject, commentText(prior.Comment.ValueStringPointer()),
		commentText(planned.Comment.ValueStringPointer()), commentText(prior.Comment.ValueStringPointer()))}
}

// representedAsOtherRule: represented_as set on an imported decision must select the rule the
// decision counts for.
func representedAsOtherRule(prior, planned *deploymentApprovalResourceModel) *refusal {
	if !prior.RepresentedAs.IsNull() || planned.RepresentedAs.IsNull() || planned.RepresentedAs.IsUnknown() {
		return nil
	}
	name := prior.RuleName.ValueString()
	if strings.Contains(name, planned.RepresentedAs.ValueString()) {
		return nil
	}
	return &refusal{Attribute: "represented_as", Summary: "Decision Counts for Another Rule", Detail: fmt.Sprintf(
		"This decision counts for approval rule %s, whose name does not contain represented_as %q. Set "+
			"\"represented_as\" to a part of %q, leave it out, or replace the resource to record a decision "+
			"under another rule.", ruleText(prior.RuleID, prior.RuleName), planned.RepresentedAs.ValueString(), name)}
}

// noLongerWaits: once every approval rule is satisfied, GitLab refuses every further decision.
func noLongerWaits(prior *deploymentApprovalResourceModel, d *gitlabapi.Deployment) *refusal {
	if d.PendingApprovalCount > 0 {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Attribute: "status", Summary: "Deployment No Longer Waits for Approvals", Detail: fmt.Sprintf(
		"%s no longer waits for approvals: every approval rule of environment %q is satisfied (or the environment "+
			"no longer requires approvals), and GitLab refuses every further decision, by anyone. %s's decision "+
			"stays %s.\n\nSet \"status\" back to %q, or remove the resource (the decision stays recorded in GitLab).",
		capitalize(subject), d.Environment.Name, prior.Username.ValueString(), prior.Status.ValueString(), prior.Status.ValueString())}
}

// decisionOfAnotherUser: GitLab records a decision for the user who sends it.
func decisionOfAnotherUser(prior *deploymentApprovalResourceModel, user *gitlabapi.User) *refusal {
	if user == nil || user.ID == prior.UserID.ValueInt64() {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	owner := prior.Username.ValueString()
	return &refusal{Attribute: "status", Summary: "Decision Belongs to Another User", Detail: fmt.Sprintf(
		"This resource holds the decision of %s (id %d) on %s, but the provider's credentials act for %s (id %d), "+
			"and GitLab records a decision for the user who sends it.\n\nUse %s's token to change this decision, or "+
			"replace the resource (terraform apply -replace=<address>) to record %s's decision; %s's decision stays "+
			"recorded in GitLab.", owner, prior.UserID.ValueInt64(), subject, user.Username, user.ID,
		owner, user.Username, owner)}
}
