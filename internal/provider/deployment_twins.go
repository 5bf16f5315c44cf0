package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// trackedDeployments holds the deployments that the resource instances of one plan or apply (one
// configured provider: Terraform configures the provider afresh for each) track, so that two
// instances tracking one deployment are told (DESIGN.md §B19).
type trackedDeployments struct {
	mu  sync.Mutex
	ids map[int64]bool
	// created holds the deployments a create of this apply tracks: a new one, or one GitLab
	// answered the create with (DESIGN.md §B23).
	created map[int64]bool
}

// createTracks records that a create of this apply tracks deployment id.
func (t *trackedDeployments) createTracks(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.created == nil {
		t.created = map[int64]bool{}
	}
	t.created[id] = true
}

// trackedByCreate reports whether a create of this apply tracks deployment id: the destroy of an
// old object that tracks it too (the replacement of a deployment that GitLab answered with
// itself) must leave it alone.
func (t *trackedDeployments) trackedByCreate(id int64) bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.created[id]
}

// track records that a resource instance tracks deployment id, and reports whether another
// instance of this plan or apply tracks it already.
func (t *trackedDeployments) track(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ids == nil {
		t.ids = map[int64]bool{}
	}
	tracked := t.ids[id]
	t.ids[id] = true
	return tracked
}

// warnOfTwin warns, in the plan of a resource instance that keeps tracking a deployment, when
// another instance of the configuration tracks the same deployment, as after an import of a
// tracked deployment into a second resource: the two would undo each other's status changes on
// every apply. The provider sees each instance's calls, not their addresses.
func (r *deploymentResource) warnOfTwin(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.tracked == nil {
		return
	}
	var project types.String
	var id types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("deployment_id"), &id)...)
	if id.IsNull() || id.IsUnknown() || !r.tracked.track(id.ValueInt64()) {
		return
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.AddAttributeWarning(path.Root("deployment_id"), "Deployment Tracked by Two Resources", fmt.Sprintf(
		"%s is tracked by another resource of this configuration too, as after an import of a tracked deployment "+
			"into a second resource. Each apply moves its status to what one of them says and the next apply "+
			"moves it back to what the other says, and destroying either one acts on the deployment of both."+
			"\n\nKeep one resource for this deployment: remove the other from the state (a removed block, or "+
			"terraform state rm <address>) and from the configuration.",
		capitalize(deploymentSubject(project.ValueString(), id.ValueInt64()))))
}
