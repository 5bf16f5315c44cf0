package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ action.ActionWithConfigure      = (*recordDeploymentAction)(nil)
	_ action.ActionWithValidateConfig = (*recordDeploymentAction)(nil)
)

// recordDeploymentAction records a deployment each time it runs, typically from the
// action_trigger of whatever Terraform deploys. It keeps nothing in the state, so nothing has
// to be destroyed later (DESIGN.md §B4).
type recordDeploymentAction struct {
	client *gitlabapi.Client
	gate   approvalGate
}

type recordDeploymentActionModel struct {
	Project         types.String   `tfsdk:"project"`
	Environment     types.String   `tfsdk:"environment"`
	Ref             types.String   `tfsdk:"ref"`
	SHA             types.String   `tfsdk:"sha"`
	Tag             types.Bool     `tfsdk:"tag"`
	Status          types.String   `tfsdk:"status"`
	WaitForApproval types.Bool     `tfsdk:"wait_for_approval"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// NewRecordDeploymentAction returns the gitlabdeploy_record_deployment action.
func NewRecordDeploymentAction() action.Action {
	return &recordDeploymentAction{}
}

func (a *recordDeploymentAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_record_deployment"
}

func (a *recordDeploymentAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Records a deployment of a project to an environment in GitLab each time it is invoked, " +
			"and keeps nothing in the state. Fire it from the `action_trigger` of the resource that deploys " +
			"(`after_create` and `after_update`) to record one deployment per change of that resource, and none on an " +
			"apply that changes nothing; or invoke it with `terraform apply -invoke=action." +
			"gitlabdeploy_record_deployment.<name>`. When the environment's current deployment already is a " +
			"success of the same ref and sha, GitLab records nothing, and the action says so. To manage a " +
			"deployment's status over time and delete it on destroy, use the `gitlabdeploy_deployment` resource " +
			"instead. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "Numeric id or full path (for example `acme/app`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Name of the environment; GitLab creates it on first use.",
				Required:            true,
				Validators:          environmentNameValidators(),
			},
			"ref": schema.StringAttribute{
				MarkdownDescription: "Branch or tag deployed.",
				Required:            true,
				Validators:          []validator.String{refValidator{}},
			},
			"sha": schema.StringAttribute{
				MarkdownDescription: "Commit SHA deployed (7 to 64 hexadecimal characters).",
				Required:            true,
				Validators:          shaValidators(),
			},
			"tag": schema.BoolAttribute{
				MarkdownDescription: "Whether `ref` is a tag. Default `false`.",
				Optional:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status recorded: " + enumMarkdown(gitlabapi.APIStatuses) + " (default `" +
					gitlabapi.StatusSuccess + "`); with `wait_for_approval`, the deployment is `running` until approved, " +
					"then moved to this status. The action moves it no further: fired before a change, it cannot " +
					"know how the change ends.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(gitlabapi.APIStatuses...)},
			},
			"wait_for_approval": schema.BoolAttribute{
				MarkdownDescription: "Record the deployment `running` and hold until every approval rule of its " +
					"environment is satisfied, then move it to `status`; a rejection marks it `failed`, a timeout or " +
					"interruption `canceled`, and fails the action. Default `false`; see [Waiting for approval](#waiting-for-approval).",
				Optional: true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx),
		},
	}
}

func (a *recordDeploymentAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		a.client = data.client
		a.gate = approvalGate{client: data.client, interval: data.approvalPollInterval, forAction: true}
	}
}

// ValidateConfig warns of a gated record asked to stay running: nothing would move it later.
func (a *recordDeploymentAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m recordDeploymentActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !m.WaitForApproval.ValueBool() || m.Status.ValueString() != gitlabapi.StatusRunning {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("status"), "Gated Deployment Stays Running",
		"With wait_for_approval, the action records the deployment as running until it is approved, then moves it "+
			"to \"status\". With status = \"running\" it stays running in GitLab for good: an action keeps nothing, so "+
			"nothing moves it later.\n\nLeave \"status\" out to have it moved to \"success\" once approved, or use the "+
			"gitlabdeploy_deployment resource to follow the change's outcome.")
}

func (a *recordDeploymentAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m recordDeploymentActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := m.Timeouts.Invoke(ctx, defaultDeploymentTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	progress := func(msg string) { resp.SendProgress(action.InvokeProgressEvent{Message: msg}) }

	project := m.Project.ValueString()
	opts := gitlabapi.CreateDeploymentOptions{
		Environment: m.Environment.ValueString(),
		Ref:         m.Ref.ValueString(),
		SHA:         m.SHA.ValueString(),
		Tag:         m.Tag.ValueBool(),
		Status:      m.Status.ValueString(),
	}
	if m.Status.IsNull() {
		opts.Status = gitlabapi.StatusSuccess
	}
	finalStatus, gated := opts.Status, m.WaitForApproval.ValueBool()
	if gated {
		// Shown as running until approved, then moved to its status (DESIGN.md §B20).
		opts.Status = gitlabapi.StatusRunning
	}
	d, outcome := createDeployment(ctx, a.client, project, opts, &resp.Diagnostics)
	if d == nil {
		return
	}
	if outcome != gitlabapi.Recorded {
		// An action tracks nothing, so a deployment an earlier create of this apply holds is no
		// conflict: either way nothing new was recorded. Only an ungated record gets here: GitLab
		// records every running create anew (DESIGN.md §B4).
		detail := existingDeploymentDetail(project, d) + " The action recorded nothing."
		resp.Diagnostics.AddWarning("Deployment Already Recorded", detail)
		progress(detail)
		return
	}
	progress(fmt.Sprintf("Recorded deployment %s (id %d) in project %q.", deploymentDisplayName(d), d.ID, project))
	if gated {
		gate := a.gate
		gate.progress = progress
		_, diags := gate.hold(ctx, project, d, finalStatus)
		resp.Diagnostics.Append(diags...)
	}
}
