package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// deploymentReplacingArguments are the arguments of gitlabdeploy_deployment whose change records
// a new deployment whatever GitLab holds. Two more replace on facts the plan learns elsewhere
// (deploymentPlanFacts): project, when it names another project, and status, after a failed
// approval gate.
var deploymentReplacingArguments = []replacingArgument[deploymentResourceModel]{
	{
		name: "environment", effect: "records a new deployment",
		value: func(m *deploymentResourceModel) attr.Value { return m.Environment },
	},
	{
		name: "ref", effect: "records a new deployment",
		value: func(m *deploymentResourceModel) attr.Value { return m.Ref },
	},
	{
		name: "sha", effect: "to another commit records a new deployment; another spelling of the same commit does not",
		value: func(m *deploymentResourceModel) attr.Value { return m.SHA },
		replaces: func(prior, planned attr.Value) bool {
			before, _ := prior.(types.String)
			after, _ := planned.(types.String)
			return after.IsUnknown() || !sameCommit(before.ValueString(), after.ValueString())
		},
	},
	{
		name: "tag", effect: "records a new deployment, unless an import could not learn it",
		value: func(m *deploymentResourceModel) attr.Value { return m.Tag },
		// Null only after an import that could not learn it: the configuration's word is taken.
		replaces: func(prior, _ attr.Value) bool { return !prior.IsNull() },
	},
}

// deploymentPlanFacts is what planning a deployment needs beyond its prior state and plan.
type deploymentPlanFacts struct {
	// statusUnset: the configuration leaves status out.
	statusUnset bool
	// sameProject: a changed project is another spelling of the same project, as GitLab says.
	sameProject bool
	// projectUncompared is why GitLab could not tell whether a changed project is the same one.
	projectUncompared error
	// approvalGateFailed: the last status change's approval gate failed, so the next status
	// change records a new deployment, which goes through approval afresh.
	approvalGateFailed bool
	// currentlyDeployed: GitLab says this is the deployment currently deployed to its
	// environment, which it refuses to delete. Only the plans of a destroy or a replacement ask,
	// and only when on_destroy asks to delete a successful deployment.
	currentlyDeployed bool
}

// deploymentPlan is what a planned change does to a deployment in GitLab.
type deploymentPlan struct {
	// replaced names the arguments whose change records a new deployment; none: in place.
	replaced []string
	// movesStatus: the status changes in place (or may: it is unknown until apply).
	movesStatus bool
	// refusals are what GitLab would refuse in this change.
	refusals []refusal
	// cautions are what GitLab refuses unless the replacement creates before it destroys, which
	// the plan cannot see (DESIGN.md §B16): warned of, never refused at apply.
	cautions []refusal
}

// planDeployment decides what a planned change does and what GitLab would refuse in it. prior is
// nil for a create, planned nil for a destroy. It reads nothing but its arguments.
func planDeployment(prior, planned *deploymentResourceModel, facts deploymentPlanFacts) deploymentPlan {
	var p deploymentPlan
	switch {
	case prior == nil:
		p.refuse(missingStatus(facts))
	case planned == nil:
		p.refuse(destroyRefused(prior))
		p.refuse(currentDeploymentDeleteRefused(prior, facts))
	default:
		p.replaced = replacedArguments(deploymentReplacingArguments, prior, planned)
		statusChanges := !planned.Status.Equal(prior.Status)
		if !planned.Project.Equal(prior.Project) && !facts.sameProject && facts.projectUncompared == nil {
			p.replaced = append(p.replaced, "project")
		}
		if facts.approvalGateFailed && statusChanges && !planned.Status.IsUnknown() {
			p.replaced = append(p.replaced, "status")
		}
		if len(p.replaced) > 0 {
			// The old deployment is destroyed as its on_destroy says, and a new one recorded.
			// Terraform plans that create on its own too, but shows only the errors of that plan.
			p.refuse(replacementDestroyRefused(prior, p.replaced))
			p.refuse(missingStatus(facts))
			if r := replacementOfCurrentDeployment(prior, p.replaced, facts); r != nil {
				p.cautions = append(p.cautions, *r)
			}
			return p
		}
		p.movesStatus = statusChanges
		p.refuse(projectUncompared(prior, planned, facts))
		if ci := ciDeploymentChanged(prior, planned); ci != nil {
			p.refuse(ci)
		} else {
			p.refuse(transitionRefused(prior, planned))
		}
	}
	return p
}

func (p *deploymentPlan) refuse(r *refusal) {
	if r != nil {
		p.refusals = append(p.refusals, *r)
	}
}

// missingStatus: GitLab records a deployment only with a status.
func missingStatus(facts deploymentPlanFacts) *refusal {
	if !facts.statusUnset {
		return nil
	}
	return &refusal{Attribute: "status", Summary: "Missing Deployment Status", Detail: "GitLab needs a status to " +
		"record a deployment. Set \"status\" to " + enumText(gitlabapi.APIStatuses) + ". (Leaving it out is only " +
		"for an imported deployment whose status GitLab's pipeline drives; changing its environment, ref, sha, " +
		"tag or project records a new deployment, which needs a status.)"}
}

// destroyRefused: GitLab refuses to delete a running deployment, and to cancel a CI-created one
// through the API. The currently-deployed rule needs the environment's other deployments: a
// destroy plan reads them (currentDeploymentDeleteRefused, DESIGN.md §B15).
func destroyRefused(prior *deploymentResourceModel) *refusal {
	if prior.Status.ValueString() != gitlabapi.StatusRunning {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	var detail string
	switch {
	case prior.OnDestroy.ValueString() == onDestroyDelete:
		detail = deleteRefusedDetail(subject, gitlabapi.ErrDeploymentRunning)
	case prior.OnDestroy.ValueString() == onDestroyCancelAndDelete && !prior.Deployable.IsNull():
		detail = fmt.Sprintf("%s is running and was created by GitLab CI: on_destroy = %q would cancel it first, "+
			"but GitLab refuses to change CI-created deployments through the API. Cancel its job in the pipeline, "+
			"or set on_destroy = %q (and apply) to leave it in GitLab.", capitalize(subject), onDestroyCancelAndDelete, onDestroyKeep)
	default:
		return nil
	}
	return &refusal{Summary: "Deployment Cannot Be Destroyed", Detail: detail}
}

// currentDeploymentDeleteRefused: GitLab refuses to delete the deployment currently deployed to
// its environment. Told at the destroy plan, before anything is destroyed (DESIGN.md §B15).
func currentDeploymentDeleteRefused(prior *deploymentResourceModel, facts deploymentPlanFacts) *refusal {
	if !facts.currentlyDeployed || prior.OnDestroy.ValueString() == onDestroyKeep {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Summary: "Deployment Cannot Be Destroyed", Detail: fmt.Sprintf("GitLab refuses to delete %s "+
		"because it is the deployment currently deployed to environment %q, its successful deployment that "+
		"finished last (\"Deployment currently deployed to environment\"), and on_destroy = %q asks to delete it. "+
		"The destroy would stop there, after other resources may already be gone; nothing has been destroyed.\n\n"+
		"Ways out: set on_destroy = %q and apply it before destroying, which leaves the deployment in GitLab as the "+
		"environment's history; or delete the environment, which deletes its deployments with it (for a review "+
		"or other short-lived environment, let the official GitLab provider's gitlab_project_environment own it, "+
		"with stop_before_destroy = true: see the guide on review environments).",
		subject, prior.Environment.ValueString(), prior.OnDestroy.ValueString(), onDestroyKeep)}
}

// replacementOfCurrentDeployment: GitLab refuses to delete the environment's current deployment,
// so a replacement that deletes it works only when the new deployment becomes the current one
// first, under lifecycle { create_before_destroy = true }. The plan cannot see that setting.
func replacementOfCurrentDeployment(prior *deploymentResourceModel, replaced []string, facts deploymentPlanFacts) *refusal {
	if !facts.currentlyDeployed || prior.OnDestroy.ValueString() == onDestroyKeep {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Summary: "Replacement Needs create_before_destroy", Detail: fmt.Sprintf("Changing %s records a "+
		"new deployment and deletes %s, as on_destroy = %q asks. GitLab refuses to delete it while it is the "+
		"deployment currently deployed to environment %q. Unless this resource has lifecycle { "+
		"create_before_destroy = true }, which the provider cannot see at plan, Terraform deletes first: the apply "+
		"then fails at this delete, sending nothing for it, after resources that depend on this one may have been "+
		"replaced.\n\n%s", strings.Join(replaced, ", "), subject, prior.OnDestroy.ValueString(),
		prior.Environment.ValueString(), currentDeploymentWaysOut)}
}

// currentDeploymentWaysOut is how a replacement gets past GitLab's refusal to delete the current
// deployment.
const currentDeploymentWaysOut = "Add lifecycle { create_before_destroy = true } to the resource: the new " +
	"deployment then becomes the environment's current one before the old one is deleted. Or set on_destroy = " +
	"\"keep\" and apply that alone first: the old deployment then stays in GitLab as the environment's history."

// replacementDestroyRefused: a replacement destroys the old deployment as its on_destroy says,
// which GitLab may refuse. Under on_destroy = "keep" nothing is sent to the old deployment, so
// nothing about it is refused, CI-created or not.
func replacementDestroyRefused(prior *deploymentResourceModel, replaced []string) *refusal {
	r := destroyRefused(prior)
	if r == nil {
		return nil
	}
	return &refusal{Summary: "Deployment Cannot Be Replaced", Detail: fmt.Sprintf("Changing %s records a new "+
		"deployment and destroys this one as its on_destroy says. %s", strings.Join(replaced, ", "), r.Detail)}
}

// projectUncompared: whether a changed project names the same one is unknown, so the change
// cannot be planned for sure.
func projectUncompared(prior, planned *deploymentResourceModel, facts deploymentPlanFacts) *refusal {
	return projectsUncompared(prior.Project, planned.Project, "deployment", facts.projectUncompared)
}

// projectsUncompared: GitLab did not say (err) whether project spellings x and y name the same
// project, which decides whether the resource's record (a deployment or a decision) stays.
func projectsUncompared(x, y types.String, record string, err error) *refusal {
	if err == nil {
		return nil
	}
	return &refusal{Attribute: "project", Summary: "Unable to Compare Projects", Detail: fmt.Sprintf(
		"\"project\" changed from %q to %q. The provider asks GitLab whether both name the same project (then the "+
			"%s stays) or not (then a new %s is recorded), but GitLab did not say: %v\n\n"+
			"Check the token's access, or change \"project\" back.", x.ValueString(), y.ValueString(), record, record, err)}
}

// ciDeploymentChanged: GitLab refuses every API update of a deployment a CI job created.
func ciDeploymentChanged(prior, planned *deploymentResourceModel) *refusal {
	if prior.Deployable.IsNull() || planned.Status.Equal(prior.Status) {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Attribute: "status", Summary: "Deployment Created by GitLab CI Cannot Be Changed",
		Detail: ciDeploymentDetail(subject, fmt.Sprintf("move it from %q to %s", prior.Status.ValueString(), planned.Status))}
}

// transitionRefused: GitLab's state machine refuses some status changes.
func transitionRefused(prior, planned *deploymentResourceModel) *refusal {
	if planned.Status.IsUnknown() || planned.Status.Equal(prior.Status) {
		return nil
	}
	from, to := prior.Status.ValueString(), planned.Status.ValueString()
	if _, ok := gitlabapi.TransitionAllowed(from, to); ok {
		return nil
	}
	subject := deploymentSubject(prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	return &refusal{Attribute: "status", Summary: "Status Change Refused by GitLab", Detail: transitionRefusedDetail(subject, from, to)}
}
