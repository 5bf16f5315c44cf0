package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*deploymentApprovalResource)(nil)

// approvalIdentity is the identity of gitlabdeploy_deployment_approval: whose decision on which
// deployment, and, for a decision recorded with represented_as, for which rule.
type approvalIdentity struct {
	ProjectID    types.Int64 `tfsdk:"project_id"`
	DeploymentID types.Int64 `tfsdk:"deployment_id"`
	UserID       types.Int64 `tfsdk:"user_id"`
	RuleID       types.Int64 `tfsdk:"rule_id"`
}

func (r *deploymentApprovalResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	attributes := deploymentIdentityAttributes()
	attributes["user_id"] = identityschema.Int64Attribute{
		Description:       "Id of the user who decided.",
		RequiredForImport: true,
	}
	attributes["rule_id"] = identityschema.Int64Attribute{
		Description: "Id of the approval rule the decision counts for, set when it was recorded with " +
			"`represented_as`; null otherwise.",
		OptionalForImport: true,
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attributes}
}

// completeIdentity gives the identity of the decision its project_id, once. The rule is the one
// the resource id names: a state from a version without identities has it there too.
func (r *deploymentApprovalResource) completeIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, m *deploymentApprovalResourceModel, diags *diag.Diagnostics) {
	var ruleID int64 // 0: none
	if _, _, _, rule, err := parseApprovalImportID(m.ID.ValueString()); err == nil {
		ruleID = rule
	}
	r.projects.completeIdentity(ctx, identity, m.Project.ValueString(), map[string]int64{
		"deployment_id": m.DeploymentID.ValueInt64(), "user_id": m.UserID.ValueInt64(), "rule_id": ruleID,
	}, diags)
}

// importByIdentity starts the state of an `import` block with `identity = { project_id,
// deployment_id, user_id, rule_id }`; Read finds the decision and fills in the rest.
func (r *deploymentApprovalResource) importByIdentity(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var identity approvalIdentity
	resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids := map[string]types.Int64{
		"project_id": identity.ProjectID, "deployment_id": identity.DeploymentID, "user_id": identity.UserID,
	}
	if !identity.RuleID.IsNull() {
		ids["rule_id"] = identity.RuleID
	}
	checkIdentityIDs(&resp.Diagnostics, ids)
	if resp.Diagnostics.HasError() {
		return
	}
	project := r.projects.spelling(ctx, identity.ProjectID.ValueInt64())
	startImportedDecision(ctx, resp, project, identity.DeploymentID.ValueInt64(), identity.UserID.ValueInt64(), identity.RuleID.ValueInt64())
}

// startImportedDecision writes what an import knows of user userID's decision on deployment id
// of project, under rule ruleID when not 0. Read finds the decision and fills in the rest;
// without it, the import fails as not found.
func startImportedDecision(ctx context.Context, resp *resource.ImportStateResponse, project string, id, userID, ruleID int64) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), approvalResourceID(project, id, userID, ruleID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), project)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deployment_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_id"), userID)...)
	if ruleID != 0 {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule_id"), ruleID)...)
	}
}
