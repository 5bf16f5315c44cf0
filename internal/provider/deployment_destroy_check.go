package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// currentDeployments reads, at most once per environment and provider process, which deployment
// is currently deployed to an environment. The destroy plans of a configuration's deployments
// run in parallel and share the answer (DESIGN.md §B15).
type currentDeployments struct {
	client *gitlabapi.Client
	mu     sync.Mutex
	reads  map[environmentKey]*currentDeploymentRead
}

type environmentKey struct{ project, environment string }

type currentDeploymentRead struct {
	once sync.Once
	id   int64
	err  error
}

func newCurrentDeployments(client *gitlabapi.Client) *currentDeployments {
	return &currentDeployments{client: client, reads: map[environmentKey]*currentDeploymentRead{}}
}

// id returns the id of the deployment currently deployed to the environment, or 0 for none.
func (c *currentDeployments) id(ctx context.Context, project, environment string) (int64, error) {
	// Paths are case-insensitive in GitLab; environment names are not.
	key := environmentKey{strings.ToLower(project), environment}
	c.mu.Lock()
	read := c.reads[key]
	if read == nil {
		read = &currentDeploymentRead{}
		c.reads[key] = read
	}
	c.mu.Unlock()
	read.once.Do(func() { read.id, read.err = c.client.CurrentDeployment(ctx, project, environment) })
	return read.id, read.err
}

// destroyFacts learns, for the destroy plan of a deployment, whether GitLab will refuse to delete
// it as the currently deployed one. It reads only when on_destroy asks to delete a successful
// deployment, the only kind that can be currently deployed. When the read fails, the plan warns
// and the destroy goes on: the apply then says what GitLab answered.
func (r *deploymentResource) destroyFacts(ctx context.Context, prior *deploymentResourceModel, diags *diag.Diagnostics) deploymentPlanFacts {
	if r.current == nil || prior.OnDestroy.ValueString() == onDestroyKeep || prior.Status.ValueString() != gitlabapi.StatusSuccess {
		return deploymentPlanFacts{}
	}
	project, environment := prior.Project.ValueString(), prior.Environment.ValueString()
	current, err := r.current.id(ctx, project, environment)
	if err != nil {
		diags.AddWarning("Unable to Check Whether GitLab Will Delete the Deployment", fmt.Sprintf(
			"on_destroy = %q asks to delete %s, which GitLab refuses if it is the deployment currently deployed to "+
				"environment %q, but reading that environment's deployments failed: %v\n\nThe destroy goes on; if "+
				"GitLab refuses the delete, set on_destroy = %q, apply, and destroy again.", prior.OnDestroy.ValueString(),
			deploymentSubject(project, prior.DeploymentID.ValueInt64()), environment, err, onDestroyKeep))
		return deploymentPlanFacts{}
	}
	return deploymentPlanFacts{currentlyDeployed: current == prior.DeploymentID.ValueInt64()}
}
