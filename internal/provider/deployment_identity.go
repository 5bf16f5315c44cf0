package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*deploymentResource)(nil)

// deploymentIdentity is the identity of gitlabdeploy_deployment: GitLab's numeric ids, which
// survive renames and transfers of the project.
type deploymentIdentity struct {
	ProjectID    types.Int64 `tfsdk:"project_id"`
	DeploymentID types.Int64 `tfsdk:"deployment_id"`
}

func (r *deploymentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: deploymentIdentityAttributes()}
}

// deploymentIdentityAttributes are the identity attributes that name a deployment; the approval
// resource's identity starts with them too.
func deploymentIdentityAttributes() map[string]identityschema.Attribute {
	return map[string]identityschema.Attribute{
		"project_id": identityschema.Int64Attribute{
			Description: "Numeric id of the project (not its path). Null when the provider could not " +
				"learn it, as with a CI job token and a project given by path.",
			RequiredForImport: true,
		},
		"deployment_id": identityschema.Int64Attribute{
			Description:       "GitLab's global id of the deployment (not its iid).",
			RequiredForImport: true,
		},
	}
}

// completeIdentity gives the identity of deployment id of project its project_id, once.
func (r *deploymentResource) completeIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, project string, id int64, diags *diag.Diagnostics) {
	r.projects.completeIdentity(ctx, identity, project, map[string]int64{"deployment_id": id}, diags)
}

// importByIdentity starts the state of an `import` block with `identity = { project_id,
// deployment_id }`; Read fills in the rest, as for an import by id.
func (r *deploymentResource) importByIdentity(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var identity deploymentIdentity
	resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkIdentityIDs(&resp.Diagnostics, map[string]types.Int64{
		"project_id": identity.ProjectID, "deployment_id": identity.DeploymentID,
	})
	if resp.Diagnostics.HasError() {
		return
	}
	project := r.projects.spelling(ctx, identity.ProjectID.ValueInt64())
	startImportedDeployment(ctx, resp, project, identity.DeploymentID.ValueInt64())
}

// importedIdentityProjectID is the project_id of the identity a read after an import was given:
// set after an import by identity only (the read after an import by id gets none), so that a read
// that finds nothing names the identity's attributes rather than an import id the user never
// wrote. 0 when there is none.
func importedIdentityProjectID(ctx context.Context, identity *tfsdk.ResourceIdentity) int64 {
	if identity == nil || !identityHoldsProjectID(identity.Raw) {
		return 0
	}
	var id types.Int64
	if diags := identity.GetAttribute(ctx, path.Root("project_id"), &id); diags.HasError() {
		return 0
	}
	return id.ValueInt64()
}

// startImportedDeployment writes what an import knows of deployment id of project. Read fills in
// the rest; tag stays null so that Read learns it from the repository.
func startImportedDeployment(ctx context.Context, resp *resource.ImportStateResponse, project string, id int64) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), deploymentResourceID(project, id))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), project)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deployment_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_destroy"), onDestroyKeep)...)
}

// checkIdentityIDs refuses an identity to import whose required ids are missing or not positive.
func checkIdentityIDs(diags *diag.Diagnostics, ids map[string]types.Int64) {
	for _, name := range []string{"project_id", "deployment_id", "user_id", "rule_id"} {
		v, ok := ids[name]
		if !ok || (!v.IsNull() && !v.IsUnknown() && v.ValueInt64() > 0) {
			continue
		}
		diags.AddError("Invalid Import Identity", fmt.Sprintf(
			"The import block's identity needs %s, a positive whole number, but it is %s. Set %s to GitLab's "+
				"numeric id (for a deployment its global id, not its iid).", name, v, name))
	}
}
