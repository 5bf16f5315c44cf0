package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var _ action.ActionWithConfigure = (*stopEnvironmentAction)(nil)

// stopEnvironmentAction stops an environment found by name, for the review environments that CI
// creates and nothing in Terraform owns (DESIGN.md §B28).
type stopEnvironmentAction struct {
	client *gitlabapi.Client
}

type stopEnvironmentActionModel struct {
	Project     types.String `tfsdk:"project"`
	Environment types.String `tfsdk:"environment"`
	Force       types.Bool   `tfsdk:"force"`
}

// NewStopEnvironmentAction returns the gitlabdeploy_stop_environment action.
func NewStopEnvironmentAction() action.Action {
	return &stopEnvironmentAction{}
}

func (a *stopEnvironmentAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stop_environment"
}

func (a *stopEnvironmentAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Stops an environment of a project, found by its name, as the environment's **Stop** " +
			"button does: GitLab runs its `on_stop` job, if it has one, and the environment is `stopped` (or " +
			"`stopping` while that job runs). For environments that CI creates and nothing in Terraform owns, such " +
			"as review apps; an environment Terraform owns is better stopped by the official provider's " +
			"`gitlab_project_environment` with `stop_before_destroy`. Keeps nothing in the state. Needs Terraform " +
			"1.14 or later; the `after_destroy` trigger needs Terraform 1.16.",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "Numeric id or full path (for example `acme/app`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Name of the environment, for example `review/feature-login`.",
				Required:            true,
				Validators:          environmentNameValidators(),
			},
			"force": schema.BoolAttribute{
				MarkdownDescription: "Mark the environment stopped at once, without running its `on_stop` job, also when " +
					"it is already `stopping`. Default `false`.",
				Optional: true,
			},
		},
	}
}

func (a *stopEnvironmentAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		a.client = data.client
	}
}

func (a *stopEnvironmentAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m stopEnvironmentActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, name, force := m.Project.ValueString(), m.Environment.ValueString(), m.Force.ValueBool()
	subject := fmt.Sprintf("environment %q of project %q", name, project)

	env, err := a.client.FindEnvironment(ctx, project, name)
	if err != nil {
		addGitLabError(&resp.Diagnostics, "Unable to Find Environment", subject, err)
		return
	}
	if env == nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("environment"), "Environment Not Found",
			fmt.Sprintf("Project %q has no environment named %q, so there was nothing to stop. GitLab creates an "+
				"environment with its first deployment; check the name (it is case-sensitive) if one was expected.",
				project, name))
		return
	}
	subject = fmt.Sprintf("environment %q (id %d) of project %q", name, env.ID, project)
	switch {
	case env.State == gitlabapi.EnvironmentStopped:
		resp.SendProgress(action.InvokeProgressEvent{Message: capitalize(subject) + " is already stopped: nothing to do."})
		return
	case env.State == gitlabapi.EnvironmentStopping && !force:
		resp.SendProgress(action.InvokeProgressEvent{Message: capitalize(subject) + " is already stopping while its " +
			"on_stop job runs: nothing sent. Set force = true to mark it stopped at once."})
		return
	}

	stopped, err := a.client.StopEnvironment(ctx, project, env.ID, force)
	switch {
	case errors.Is(err, gitlabapi.ErrStopNotApplied):
		resp.Diagnostics.AddWarning("Environment Not Stopped",
			fmt.Sprintf("GitLab did not change the state of %s: it was stopped or began stopping since it was read.\n\n"+
				"Cause: %s", subject, err))
	case errors.Is(err, gitlabapi.ErrForbidden):
		addGitLabAttributeError(&resp.Diagnostics, path.Root("environment"), "Unable to Stop Environment", subject, err,
			"Stopping an environment needs the Developer role in the project and, on a protected environment, deploy "+
				"access to it (Settings > CI/CD > Protected environments).")
	case err != nil:
		addGitLabError(&resp.Diagnostics, "Unable to Stop Environment", subject, err)
	default:
		resp.SendProgress(action.InvokeProgressEvent{Message: stopProgress(subject, stopped)})
	}
}

// stopProgress tells what GitLab did with the environment.
func stopProgress(subject string, env *gitlab.Environment) string {
	if env.State == gitlabapi.EnvironmentStopping {
		return "Stopping " + subject + ": its on_stop job runs, and GitLab marks it stopped when the job ends."
	}
	return "Stopped " + subject + "."
}
