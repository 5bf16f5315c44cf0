package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// Planning rules shared by the resources (DESIGN.md §B5): a plan that changes a resource in a way
// GitLab would refuse warns, and its apply refuses the change before any write; only a destroy
// plan fails on what GitLab would refuse, because terraform destroy first runs a normal plan with
// the configuration, which the provider cannot tell from any other plan.

// refusal is what GitLab would refuse in a planned change, and the way out.
type refusal struct {
	Attribute string `json:"attribute,omitempty"` // the top-level argument at fault, or "" for the whole resource
	Summary   string `json:"summary"`
	Detail    string `json:"detail"`
}

// plannedRefusalsKey holds, in the planned private state, the refusals the plan found, so that
// the apply of that plan refuses them before sending anything.
const plannedRefusalsKey = "planned_refusals"

// privateState is the framework's private state of a resource, as requests and responses hold it.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// stopManagingAdvice closes every plan-time refusal: the ways to stop managing the resource.
const stopManagingAdvice = "If Terraform should stop managing this resource, remove it from the state (a removed " +
	"block, or terraform state rm <address>); if another tool drives its status, add " +
	"lifecycle { ignore_changes = [status] }. None of this stands in the way of terraform destroy."

// warnOfRefusals adds a warning for each refusal and records them in the planned private state
// for the apply, or clears what an earlier plan recorded there.
func warnOfRefusals(ctx context.Context, refusals []refusal, diags *diag.Diagnostics, private privateState) {
	for _, r := range refusals {
		detail := r.Detail + "\n\nterraform apply will refuse this change before sending anything to GitLab. " +
			stopManagingAdvice
		if r.Attribute == "" {
			diags.AddWarning(r.Summary, detail)
		} else {
			diags.AddAttributeWarning(path.Root(r.Attribute), r.Summary, detail)
		}
	}
	var recorded []byte // none clears the key
	if len(refusals) > 0 {
		recorded, _ = json.Marshal(refusals) // strings only: it cannot fail
	}
	diags.Append(private.SetKey(ctx, plannedRefusalsKey, recorded)...)
}

// refuseAsPlanned fails an apply whose plan found refusals, with one error for each, and reports
// whether it did; the caller then sends nothing. It clears them from the private state that the
// resource keeps.
func refuseAsPlanned(ctx context.Context, planned privateState, diags *diag.Diagnostics) bool {
	recorded, d := planned.GetKey(ctx, plannedRefusalsKey)
	diags.Append(d...)
	if len(recorded) == 0 {
		return false
	}
	var refusals []refusal
	if err := json.Unmarshal(recorded, &refusals); err != nil {
		diags.AddError("Unable to Read the Plan's Refusals", err.Error())
		return true
	}
	refuseAtApply(refusals, diags)
	diags.Append(planned.SetKey(ctx, plannedRefusalsKey, nil)...)
	return true
}

// refuseAtApply adds refusals as the errors of an apply that sends nothing.
func refuseAtApply(refusals []refusal, diags *diag.Diagnostics) {
	for _, r := range refusals {
		r.Detail += "\n\nThe plan warned of this; nothing was sent to GitLab. " + stopManagingAdvice
		addRefusalErrors([]refusal{r}, diags)
	}
}

// failOnDestroyRefusals fails a destroy plan on GitLab's own refusal of the delete that on_destroy
// promises: the destroy could not keep its promise anyway. It clears what an earlier plan
// recorded for the apply.
func failOnDestroyRefusals(ctx context.Context, refusals []refusal, diags *diag.Diagnostics, private privateState) {
	addRefusalErrors(refusals, diags)
	diags.Append(private.SetKey(ctx, plannedRefusalsKey, nil)...)
}

// addRefusalErrors adds refusals as errors.
func addRefusalErrors(refusals []refusal, diags *diag.Diagnostics) {
	for _, r := range refusals {
		if r.Attribute == "" {
			diags.AddError(r.Summary, r.Detail)
		} else {
			diags.AddAttributeError(path.Root(r.Attribute), r.Summary, r.Detail)
		}
	}
}

// replacingArgument is an argument whose change replaces the resource (records a new deployment
// or decision). The resource's list of them is the one place that says what replaces: its
// schema's plan modifiers and its plan function both read it.
type replacingArgument[M any] struct {
	name string
	// value reads the argument from a model.
	value func(*M) attr.Value
	// replaces reports whether a change from prior to planned (which may be unknown) replaces;
	// nil means that any change does.
	replaces func(prior, planned attr.Value) bool
	// what the replacement does, for the docs of the plan modifier ("records a new deployment").
	effect string
}

// replacesFrom reports whether going from prior to planned replaces.
func (a replacingArgument[M]) replacesFrom(prior, planned attr.Value) bool {
	if planned.Equal(prior) {
		return false
	}
	return a.replaces == nil || a.replaces(prior, planned)
}

// replacedArguments lists, in the order of args, the arguments whose planned change replaces.
func replacedArguments[M any](args []replacingArgument[M], prior, planned *M) []string {
	var replaced []string
	for _, a := range args {
		if a.replacesFrom(a.value(prior), a.value(planned)) {
			replaced = append(replaced, a.name)
		}
	}
	return replaced
}

// replacing returns the argument of args named name, as a plan modifier for the schema.
func replacing[M any](args []replacingArgument[M], name string) replacingArgument[M] {
	for _, a := range args {
		if a.name == name {
			return a
		}
	}
	panic("no replacing argument " + name)
}

func (a replacingArgument[M]) Description(context.Context) string {
	return "Changing " + a.name + " " + a.effect + "."
}

func (a replacingArgument[M]) MarkdownDescription(context.Context) string {
	return "Changing `" + a.name + "` " + a.effect + "."
}

func (a replacingArgument[M]) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	resp.RequiresReplace = !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() && a.replacesFrom(req.StateValue, req.PlanValue)
}

func (a replacingArgument[M]) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	resp.RequiresReplace = !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() && a.replacesFrom(req.StateValue, req.PlanValue)
}

func (a replacingArgument[M]) PlanModifyInt64(_ context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	resp.RequiresReplace = !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() && a.replacesFrom(req.StateValue, req.PlanValue)
}

// requiresReplace turns argument names into the paths of a plan's RequiresReplace.
func requiresReplace(names []string) path.Paths {
	paths := make(path.Paths, len(names))
	for i, n := range names {
		paths[i] = path.Root(n)
	}
	return paths
}
