package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// currentDeployments reads, at most once per environment and provider process, which deployment
// is currently deployed to an environment. The destroy plans of a configuration's deployments
// run in parallel and share the answer (DESIGN.md §B15). Only GitLab's answer is kept: a read
// that failed otherwise (canceled, a 5xx after the retries) is made again by the next caller,
// and callers that waited for a read whose caller was canceled read for themselves.
type currentDeployments struct {
	client *gitlabapi.Client
	mu     sync.Mutex
	reads  map[environmentKey]*currentDeploymentRead
	// onWait, set by tests only, is called when a read starts waiting for another's.
	onWait func()
}

type environmentKey struct{ project, environment string }

type currentDeploymentRead struct {
	done         chan struct{} // closed once id, err and readerGaveUp are set
	id           int64
	err          error
	readerGaveUp bool
}

func newCurrentDeployments(client *gitlabapi.Client) *currentDeployments {
	return &currentDeployments{client: client, reads: map[environmentKey]*currentDeploymentRead{}}
}

// id returns the id of the deployment currently deployed to the environment, or 0 for none.
func (c *currentDeployments) id(ctx context.Context, project, environment string) (int64, error) {
	for {
		id, again, err := c.readOnce(ctx, project, environment)
		if !again {
			return id, err
		}
	}
}

// readOnce reads, or waits for the caller already reading; again is true when that caller gave
// up before GitLab answered.
func (c *currentDeployments) readOnce(ctx context.Context, project, environment string) (_ int64, again bool, _ error) {
	// Paths are case-insensitive in GitLab; environment names are not.
	key := environmentKey{strings.ToLower(project), environment}
	c.mu.Lock()
	read, found := c.reads[key]
	if !found {
		read = &currentDeploymentRead{done: make(chan struct{})}
		c.reads[key] = read
	}
	c.mu.Unlock()
	if found {
		if c.onWait != nil {
			c.onWait()
		}
		select {
		case <-read.done:
			return read.id, read.readerGaveUp, read.err
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
	id, err := c.client.CurrentDeployment(ctx, project, environment)
	c.mu.Lock()
	defer c.mu.Unlock()
	if status := gitlabapi.StatusCode(err); err != nil && status != http.StatusNotFound && status != http.StatusForbidden {
		delete(c.reads, key)
	}
	read.id, read.err = id, err
	read.readerGaveUp = errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	close(read.done)
	return id, false, err
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
