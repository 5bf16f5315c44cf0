package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var _ action.ActionWithConfigure = (*approveDeploymentAction)(nil)

// approveDeploymentAction records one decision on a deployment waiting for approvals: a one-off
// act, where the gitlabdeploy_deployment_approval resource is a lasting one.
type approveDeploymentAction struct {
	client *gitlabapi.Client
}

type approveDeploymentActionModel struct {
	Project       types.String `tfsdk:"project"`
	DeploymentID  types.Int64  `tfsdk:"deployment_id"`
	Status        types.String `tfsdk:"status"`
	Comment       types.String `tfsdk:"comment"`
	RepresentedAs types.String `tfsdk:"represented_as"`
}

var actionDecisionWaysOut = decisionWaysOut{
	noDecisionNeeded: "or stop invoking this action for it.",
	notWaiting:       "Nothing is left to decide on this deployment: stop invoking this action for it.",
}

// NewApproveDeploymentAction returns the gitlabdeploy_approve_deployment action.
func NewApproveDeploymentAction() action.Action {
	return &approveDeploymentAction{}
}

func (a *approveDeploymentAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_approve_deployment"
}

func (a *approveDeploymentAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Approves or rejects, as the provider's user, a deployment waiting on the approval rules of " +
			"a protected environment (GitLab Premium), with one write, and reports how many approvals the deployment " +
			"still needs, that it is rejected, or that the decision was already in place. An action keeps nothing in the state: invoke it with `terraform apply -invoke=action." +
			"gitlabdeploy_approve_deployment.<name>` or fire it from another resource's `action_trigger`. To keep a " +
			"decision under Terraform (change it in place, see it in the state), use the " +
			"`gitlabdeploy_deployment_approval` resource instead. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "Numeric id or full path (for example `acme/app`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"deployment_id": schema.Int64Attribute{
				MarkdownDescription: "GitLab's global id of the deployment (not its `iid`).",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "The decision: " + enumMarkdown(approvalStatuses) + " (default `" +
					gitlabapi.ApprovalApproved + "`). Another status than the user's earlier decision under the same " +
					"rule replaces it while the deployment still waits for approvals.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(approvalStatuses...)},
			},
			"comment": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Comment recorded with the decision, 1 to %d characters. GitLab keeps "+
					"the first comment of a decision whose status does not change: the action then warns and records "+
					"nothing.", maxCommentLength),
				Optional:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxCommentLength)},
			},
			"represented_as": schema.StringAttribute{
				MarkdownDescription: representedAsMarkdown,
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, maxNameLength)},
			},
		},
	}
}

func (a *approveDeploymentAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		a.client = data.client
	}
}

func (a *approveDeploymentAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m approveDeploymentActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := m.Project.ValueString(), m.DeploymentID.ValueInt64()
	if m.Status.IsNull() {
		m.Status = types.StringValue(gitlabapi.ApprovalApproved)
	}
	opts := approvalOptions(m.Status, m.Comment, m.RepresentedAs)
	dec, err := a.client.Decide(ctx, project, id, opts, 0)
	if err != nil {
		addDecisionError(&resp.Diagnostics, "Unable to Record Deployment Decision", project, id,
			m.RepresentedAs.ValueString(), actionDecisionWaysOut, err)
		return
	}
	if got := dec.Approval; keptComment(&got, opts.Status, opts.Comment) {
		resp.Diagnostics.AddAttributeWarning(path.Root("comment"), "Decision Already Recorded With Another Comment",
			keptCommentDetail(project, id, &got, opts.Comment)+" The action recorded nothing.\n\nTo record a new "+
				"comment, invoke the action with the other status, then again with this one and the new comment.")
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: decisionProgress(project, id, dec)})
}

// decisionProgress tells who decided what under which rule, and what the deployment still needs.
func decisionProgress(project string, id int64, dec *gitlabapi.Decision) string {
	msg := fmt.Sprintf("%s %s %s", dec.Approval.User.Username, dec.Approval.Status, deploymentSubject(project, id))
	if dec.AlreadyInPlace {
		msg = fmt.Sprintf("%s had already %s %s", dec.Approval.User.Username, dec.Approval.Status, deploymentSubject(project, id))
	}
	if dec.Rule != nil && dec.Rule.AccessLevelDescription != nil {
		msg += fmt.Sprintf(" for approval rule %q", *dec.Rule.AccessLevelDescription)
	}
	if dec.AlreadyInPlace {
		msg += fmt.Sprintf(" (on %s); GitLab changed nothing", dec.Approval.CreatedAt.UTC().Format(time.RFC3339))
	}
	if rejecters := rejectedBy(dec.Deployment); len(rejecters) > 0 {
		// GitLab's pending count leaves rejections out, but a rejection stands (DESIGN.md §A4).
		return msg + fmt.Sprintf("; it is rejected (by %s): no approval outweighs a rejection, so it waits for none "+
			"while a rejection stands.", strings.Join(rejecters, ", "))
	}
	if pending := dec.Deployment.PendingApprovalCount; pending > 0 {
		return msg + fmt.Sprintf("; it still waits for %d approval(s).", pending)
	}
	return msg + "; it no longer waits for approvals."
}
