package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// projectIDs gives the resources' identities the numeric id of projects that configurations
// name by path. The client asks GitLab about each project at most once per provider process,
// and an identity that holds the id never asks again (DESIGN.md §B2).
type projectIDs struct {
	client *gitlabapi.Client
	// cliKeepsIdentities is false under a CLI that keeps no identities (Terraform or OpenTofu
	// before 1.12): no project is looked up for them then.
	cliKeepsIdentities bool

	mu     sync.Mutex
	warned map[string]bool
}

func newProjectIDs(client *gitlabapi.Client, cliVersion string) *projectIDs {
	return &projectIDs{client: client, cliKeepsIdentities: keepsIdentities(cliVersion), warned: map[string]bool{}}
}

// keepsIdentities reports whether a CLI of that version (Terraform's or OpenTofu's, as it sends
// it when configuring the provider) keeps resource identities: 1.12 and later, or unknown.
func keepsIdentities(cliVersion string) bool {
	v, err := version.NewVersion(cliVersion)
	return err != nil || !v.Core().LessThan(version.Must(version.NewVersion("1.12.0")))
}

// id is the numeric id of project, or null: with a warning the first time for each project when
// GitLab does not tell it, silently under a CLI that would not keep it.
func (p *projectIDs) id(ctx context.Context, project string, diags *diag.Diagnostics) types.Int64 {
	if !p.cliKeepsIdentities && !isDigits(project) {
		return types.Int64Null()
	}
	id, err := p.client.ProjectID(ctx, project)
	if err == nil {
		return types.Int64Value(id)
	}
	p.mu.Lock()
	first := !p.warned[strings.ToLower(project)]
	p.warned[strings.ToLower(project)] = true
	p.mu.Unlock()
	if first {
		diags.AddWarning("Unable to Learn the Project's Numeric ID", fmt.Sprintf(
			"The provider keeps GitLab's numeric id of project %q in the identity of its resources, for import "+
				"by identity and terraform query, but reading the project failed: %v\n\nThe resources of this "+
				"project get no project_id in their identity for now; nothing else changes. GitLab does not show "+
				"projects to a CI job token: write \"project\" as the numeric id (CI_PROJECT_ID in the job's own "+
				"project), which needs no lookup.", project, err))
	}
	return types.Int64Null()
}

// spelling is what an import by identity writes into "project": the project's full path as
// GitLab names it, as configurations usually write it, or the numeric id when GitLab does not
// tell the path.
func (p *projectIDs) spelling(ctx context.Context, id int64) string {
	project := strconv.FormatInt(id, 10)
	found, err := p.client.Project(ctx, project)
	if err != nil {
		tflog.Debug(ctx, "could not read the project's path; the imported project is its numeric id", map[string]any{
			"project_id": id, "error": err.Error(),
		})
		return project
	}
	return found.PathWithNamespace
}

// completeIdentity gives identity a project_id unless it holds one already, as it does after
// the first refresh or apply: a refresh then costs nothing more. An empty identity (a state from
// a version without identities, or a new resource) also gets the other ids; 0 leaves one null.
func (p *projectIDs) completeIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, project string,
	others map[string]int64, diags *diag.Diagnostics) {
	if identity == nil || identityHoldsProjectID(identity.Raw) {
		return
	}
	empty := identity.Raw.IsFullyNull()
	diags.Append(identity.SetAttribute(ctx, path.Root("project_id"), p.id(ctx, project, diags))...)
	if !empty {
		return
	}
	for name, id := range others {
		v := types.Int64Null()
		if id != 0 {
			v = types.Int64Value(id)
		}
		diags.Append(identity.SetAttribute(ctx, path.Root(name), v)...)
	}
}

func identityHoldsProjectID(raw tftypes.Value) bool {
	if raw.IsNull() || !raw.IsKnown() {
		return false
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		return false
	}
	id, ok := attrs["project_id"]
	return ok && id.IsKnown() && !id.IsNull()
}

// identityFillsProjectIDLater lets an identity whose project_id is null (the provider could not
// learn it, as with a CI job token) get it on a later refresh; nothing else in an identity ever
// changes.
const identityFillsProjectIDLater = true

// sameProject reports whether "project", changed from prior to planned, still names the same
// project (DESIGN.md §B17). priorID is the identity's project id, when known: unlike a path, it
// survives renames. An error says why GitLab could not tell.
func (p *projectIDs) sameProject(ctx context.Context, prior, planned types.String, priorID types.Int64, deploymentID int64) (bool, error) {
	if prior.IsUnknown() || planned.IsUnknown() {
		return false, nil
	}
	x, y := prior.ValueString(), planned.ValueString()
	if strings.EqualFold(x, y) {
		return true, nil
	}
	if p == nil || p.client == nil {
		return false, nil
	}
	same, err := p.sameProjectID(ctx, x, y, priorID)
	if err == nil || deploymentID == 0 {
		return same, err
	}
	_, readErr := p.client.GetDeployment(ctx, y, deploymentID)
	switch {
	case readErr == nil:
		return true, nil
	case errors.Is(readErr, gitlabapi.ErrRecordNotFound), errors.Is(readErr, gitlabapi.ErrProjectNotFound),
		errors.Is(readErr, gitlabapi.ErrJobTokenScope), errors.Is(readErr, gitlabapi.ErrForbidden):
		// The credentials read the prior project; the same project would show them the deployment.
		return false, nil
	}
	return false, err
}

// sameProjectID compares the numeric ids of two project spellings, the prior one's taken from
// priorID when known.
func (p *projectIDs) sameProjectID(ctx context.Context, x, y string, priorID types.Int64) (bool, error) {
	plannedID, err := p.client.ProjectID(ctx, y)
	if err != nil {
		return false, fmt.Errorf("reading project %q failed: %w", y, err)
	}
	if !priorID.IsNull() && !priorID.IsUnknown() {
		return priorID.ValueInt64() == plannedID, nil
	}
	priorProjectID, err := p.client.ProjectID(ctx, x)
	if err != nil {
		return false, fmt.Errorf("reading project %q failed: %w", x, err)
	}
	return priorProjectID == plannedID, nil
}

// identityProjectID is the project_id an identity holds, or null (no identity, as under a CLI
// before 1.12, or one the provider could not complete).
func identityProjectID(ctx context.Context, identity *tfsdk.ResourceIdentity) types.Int64 {
	if identity == nil || !identityHoldsProjectID(identity.Raw) {
		return types.Int64Null()
	}
	var id types.Int64
	if diags := identity.GetAttribute(ctx, path.Root("project_id"), &id); diags.HasError() {
		return types.Int64Null()
	}
	return id
}
