package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// recordDeployment asks GitLab to record a deployment and returns it, or nil with the reason in
// diags. Every create of the resource goes through it, so that a deployment GitLab already had is
// told of, and one another create of this process got is refused (DESIGN.md §B1).
func recordDeployment(ctx context.Context, client *gitlabapi.Client, project string, opts gitlabapi.CreateDeploymentOptions, diags *diag.Diagnostics) *gitlabapi.Deployment {
	d, outcome := createDeployment(ctx, client, project, opts, diags)
	if d == nil {
		return nil
	}
	switch outcome {
	case gitlabapi.ReturnedClaimed:
		diags.AddError(claimedSummary, fmt.Sprintf(
			"GitLab answered this create with deployment %d of project %q, which another resource of this apply "+
				"recorded or changed a moment before: both record ref %q at sha %s with status %q to environment %q, "+
				"and GitLab records such a deployment only once, answering a repeat with the environment's current "+
				"deployment (%s). %s\n\nGive this resource a different \"status\" or \"sha\", or keep only one "+
				"resource for this deployment.",
			d.ID, project, opts.Ref, opts.SHA, opts.Status, opts.Environment, deploymentOrigin(d), claimedHarm))
		return nil
	case gitlabapi.ReturnedExisting:
		detail := existingDeploymentDetail(project, d) + fmt.Sprintf("\n\n"+
			"Terraform now refers to deployment %d. If another configuration or a pipeline tracks it too, they "+
			"share its status. To record a deployment of its own, give it a different \"sha\" or \"status\".", d.ID)
		if d.CreatedByCI() {
			detail += " A CI job made this deployment, so GitLab refuses to change its status through the API: " +
				"leave \"status\" as it is, or drive the deployment from its pipeline."
		}
		diags.AddWarning("GitLab Returned an Existing Deployment", detail)
	}
	return d
}

// createDeployment sends the create of the deployment resource and the record action, and says
// what GitLab answered with; it returns nil with the reason in diags when GitLab refused or
// failed. A lost answer is settled by gitlabapi, never with a second deployment.
func createDeployment(ctx context.Context, client *gitlabapi.Client, project string, opts gitlabapi.CreateDeploymentOptions, diags *diag.Diagnostics) (*gitlabapi.Deployment, gitlabapi.CreateOutcome) {
	subject := fmt.Sprintf("a deployment of %q to environment %q in project %q", opts.Ref, opts.Environment, project)
	d, outcome, err := client.CreateDeployment(ctx, project, opts)
	switch {
	case errors.Is(err, gitlabapi.ErrRefNotFound):
		addGitLabAttributeError(diags, path.Root("ref"), "Deployment Ref Not Found", subject, err,
			fmt.Sprintf("Set \"ref\" to a branch or tag that exists in project %q.", project))
	case errors.Is(err, gitlabapi.ErrCommitNotFound):
		addGitLabAttributeError(diags, path.Root("sha"), "Deployment Commit Not Found", subject, err,
			fmt.Sprintf("Set \"sha\" to a commit that exists in project %q (push it first).", project))
	case errors.Is(err, gitlabapi.ErrInvalidEnvironment):
		addGitLabAttributeError(diags, path.Root("environment"), "Invalid Environment Name", subject, err,
			"Change \"environment\" to a name GitLab accepts.")
	case errors.Is(err, gitlabapi.ErrForbidden):
		addGitLabError(diags, "Unable to Create Deployment", subject, fmt.Errorf("%w. Creating a deployment needs the "+
			"Developer role; if environment %q is protected, the token's user also needs deploy access to it", err,
			opts.Environment))
	case err != nil:
		addGitLabError(diags, "Unable to Create Deployment", subject, err)
	}
	if err != nil {
		return nil, outcome
	}
	return d, outcome
}

// existingDeploymentDetail says that GitLab recorded nothing and answered a create with d, the
// deployment it already had.
func existingDeploymentDetail(project string, d *gitlabapi.Deployment) string {
	return fmt.Sprintf("GitLab recorded no new deployment: it answered with deployment %d (#%d of project %q), "+
		"the one currently deployed to environment %q with the same ref, sha and status, %s. GitLab answers a "+
		"create that repeats the environment's current deployment with that deployment.",
		d.ID, d.IID, project, d.Environment.Name, deploymentOrigin(d))
}

const (
	claimedSummary = "Deployment Already Recorded by Another Resource"
	claimedHarm    = "Two resources tracking one deployment would undo each other's status changes on every apply."
)

// claimForUpdate claims for a resource's status change the deployment it tracks, or adds an
// error and reports false when another resource of this apply recorded or changed it already,
// as when GitLab answered that one's create with this deployment.
func claimForUpdate(client *gitlabapi.Client, project string, id int64, diags *diag.Diagnostics) bool {
	if client.Claim(id) {
		return true
	}
	diags.AddError(claimedSummary, fmt.Sprintf(
		"Another resource of this apply recorded or changed %s a moment before, as when GitLab answered its "+
			"create with this resource's deployment, because both record the same ref, sha and status to one "+
			"environment. %s This resource leaves it as it is.\n\nGive one of the two a different \"status\" or "+
			"\"sha\", or keep only one resource for this deployment.", deploymentSubject(project, id), claimedHarm))
	return false
}

// deploymentOrigin says who made a deployment and when, and through which CI job.
func deploymentOrigin(d *gitlabapi.Deployment) string {
	who := d.User.Username
	if d.User.Name != "" && d.User.Name != who {
		who = fmt.Sprintf("%s (%s)", who, d.User.Name)
	}
	origin := fmt.Sprintf("created by %s at %s", who, d.CreatedAt.UTC().Format(time.RFC3339))
	if job := d.Deployable; job != nil {
		origin += fmt.Sprintf(" through CI job %q (job %d", job.Name, job.ID)
		if job.WebURL != "" {
			origin += ", " + job.WebURL
		}
		origin += ")"
	}
	return origin
}
