package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// currentDeployments reads, at most once per environment and provider process, which deployment
// is currently deployed to an environment. The destroy plans of a configuration's deployments
// run in parallel and share the answer (DESIGN.md §B15).
type currentDeployments struct {
	client *gitlabapi.Client
	reads  gitlabapi.SharedAnswers[environmentKey, int64]
}

type environmentKey struct{ project, environment string }

func newCurrentDeployments(client *gitlabapi.Client) *currentDeployments {
	return &currentDeployments{client: client}
}

// id returns the id of the deployment currently deployed to the environment, or 0 for none.
func (c *currentDeployments) id(ctx context.Context, project, environment string) (int64, error) {
	// Paths are case-insensitive in GitLab; environment names are not.
	key := environmentKey{strings.ToLower(project), environment}
	return c.reads.Get(ctx, key, func(ctx context.Context) (int64, error) {
		return c.client.CurrentDeployment(ctx, project, environment)
	}, nil)
}

// destroyFacts learns, for the destroy plan of a deployment, whether GitLab will refuse to delete
// it as the currently deployed one.
func (r *deploymentResource) destroyFacts(ctx context.Context, prior *deploymentResourceModel, diags *diag.Diagnostics) deploymentPlanFacts {
	return deploymentPlanFacts{currentlyDeployed: r.currentlyDeployed(ctx, prior, diags)}
}

// currentlyDeployed tells, for the plan of a destroy or a replacement, whether GitLab will refuse
// to delete the deployment as the one currently deployed to its environment (DESIGN.md §B15).
// When the read fails, the plan warns and goes on: the apply then says what GitLab answered.
func (r *deploymentResource) currentlyDeployed(ctx context.Context, prior *deploymentResourceModel, diags *diag.Diagnostics) bool {
	if r.current == nil || prior.OnDestroy.ValueString() == onDestroyKeep || prior.Status.ValueString() != gitlabapi.StatusSuccess {
		return false
	}
	project, environment := prior.Project.ValueString(), prior.Environment.ValueString()
	current, err := r.current.id(ctx, project, environment)
	if err != nil {
		diags.AddWarning("Unable to Check Whether GitLab Will Delete the Deployment", fmt.Sprintf(
			"on_destroy = %q asks to delete %s, which GitLab refuses if it is the deployment currently deployed to "+
				"environment %q, but reading that environment's deployments failed: %v\n\nThe destroy goes on; if "+
				"GitLab refuses the delete, set on_destroy = %q, apply, and destroy again.", prior.OnDestroy.ValueString(),
			deploymentSubject(project, prior.DeploymentID.ValueInt64()), environment, err, onDestroyKeep))
		return false
	}
	return current == prior.DeploymentID.ValueInt64()
}

// deleteOfCurrentRefused refuses, sending nothing, the delete of the deployment currently deployed
// to its environment. The plan of a replacement could only warn: whether the new deployment was
// recorded first (create_before_destroy) shows only now. When the read fails, GitLab's answer to
// the delete decides.
func (r *deploymentResource) deleteOfCurrentRefused(ctx context.Context, state *deploymentResourceModel, diags *diag.Diagnostics) bool {
	if state.OnDestroy.ValueString() == onDestroyKeep || state.Status.ValueString() != gitlabapi.StatusSuccess {
		return false
	}
	project, environment := state.Project.ValueString(), state.Environment.ValueString()
	current, err := r.client.CurrentDeployment(ctx, project, environment)
	if err != nil || current != state.DeploymentID.ValueInt64() {
		return false
	}
	diags.AddError("Unable to Delete Deployment", fmt.Sprintf("GitLab refuses to delete %s because it is the "+
		"deployment currently deployed to environment %q, its successful deployment that finished last "+
		"(\"Deployment currently deployed to environment\"), and on_destroy = %q asks to delete it. Nothing was "+
		"sent to GitLab.\n\nIn a replacement: %s To destroy it: set on_destroy = %q and apply it first, or "+
		"delete the environment, which deletes its deployments with it. "+deposedWaysOut,
		deploymentSubject(project, state.DeploymentID.ValueInt64()), environment, state.OnDestroy.ValueString(),
		currentDeploymentWaysOut, onDestroyKeep))
	return true
}
