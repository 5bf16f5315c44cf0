package provider

import (
	"testing"

	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// lifecycle runs Terraform operations on one resource instance in process: each operation
// makes the provider calls the CLI makes, in its order, with the values, private state and
// identities the CLI passes along (proved against the real CLIs by cli_sequences_test.go), and
// keeps between operations what the CLI's state file keeps: the state as JSON, the private
// state and the identity.
//
//	l := h.lifecycle("gitlabdeploy_deployment")
//	res := l.apply(resourceArgs{"project": "acme/app", ...}) // plan, then apply what it planned
//	res = l.plan(cfg)                                  // terraform plan (with refresh)
//	res = l.refresh()                                  // terraform plan -refresh-only
//	res = l.destroy(cfg)                               // terraform destroy
//	res = l.importByID("acme/app:2", cfg)              // terraform plan with an import block
//	res = l.importByIdentity(ids, cfg)
//	l.createBeforeDestroy = true                       // lifecycle { create_before_destroy = true }
//
// An operation stops at the first call that answers an error, as the CLI does, and returns
// every diagnostic of every call. It never fails the test by itself for the provider's errors.
type lifecycle struct {
	h        *protocolHarness
	typeName string
	cli      cliUnderTest
	// createBeforeDestroy is the lifecycle argument: a replacement creates the new object first.
	createBeforeDestroy bool
	// object is what the state file holds for the instance; nil when it holds nothing.
	object *stateObject
	// afterPlan, when set, is called by an apply between its plan and its apply walk.
	afterPlan func(*lifecycleResult)
}

// stateObject is one instance's entry in a state file.
type stateObject struct {
	attributes []byte // the state's attributes, as JSON
	private    []byte
	identity   []byte // identity as JSON; nil for a CLI that keeps none
	// tainted marks an object whose create failed (DESIGN.md §B32): the next plan replaces it.
	tainted bool
}

// resourceArgs is a resource's configuration: attribute name to a Go string, bool, int or int64 (or
// a tftypes.Value); attributes left out are null.
type resourceArgs map[string]any

// lifecycleResult is what an operation did.
type lifecycleResult struct {
	// action is what the plan decided: "no-op", "create", "update", "replace", "delete" or, for
	// a refresh, "refresh"; "" when the operation failed before it planned.
	action string
	// planned is the planned new value of the last plan made (null for a destroy).
	planned tftypes.Value
	// diags are every call's diagnostics, in order.
	diags []*tfprotov6.Diagnostic
	// failed names the call that answered an error, "" when none did.
	failed string
}

func (r *lifecycleResult) errorText() string {
	var b strings.Builder
	for _, d := range r.diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			fmt.Fprintf(&b, "%s: %s\n", d.Summary, d.Detail)
		}
	}
	return b.String()
}

// lifecycle is a life-cycle runner for typeName with an empty state, under the CLI the harness
// was configured as.
func (h *protocolHarness) lifecycle(typeName string) *lifecycle {
	return &lifecycle{h: h, typeName: typeName, cli: h.cli}
}

// state is the instance's state as the state file holds it, null when it holds none.
func (l *lifecycle) state() tftypes.Value {
	typ := l.h.stateType(l.typeName)
	if l.object == nil {
		return tftypes.NewValue(typ, nil)
	}
	v, err := (&tfprotov6.DynamicValue{JSON: l.object.attributes}).Unmarshal(typ)
	if err != nil {
		l.h.t.Fatal(err)
	}
	return v
}

// identityValue is the identity the state file holds for the instance, null when none.
func (l *lifecycle) identityValue() tftypes.Value {
	typ := l.h.identityType(l.typeName)
	if l.object == nil || l.object.identity == nil {
		return tftypes.NewValue(typ, nil)
	}
	v, err := (&tfprotov6.DynamicValue{JSON: l.object.identity}).Unmarshal(typ)
	if err != nil {
		l.h.t.Fatal(err)
	}
	return v
}

// configValue turns cfg into a configuration value of the resource's type.
func (l *lifecycle) configValue(cfg resourceArgs) tftypes.Value {
	l.h.t.Helper()
	typ, ok := l.h.stateType(l.typeName).(tftypes.Object)
	if !ok {
		l.h.t.Fatalf("%s: not an object type", l.typeName)
	}
	set := map[string]tftypes.Value{}
	for name, v := range cfg {
		attrType, ok := typ.AttributeTypes[name]
		if !ok {
			l.h.t.Fatalf("%s has no attribute %q", l.typeName, name)
		}
		switch v := v.(type) {
		case tftypes.Value:
			set[name] = v
		case int:
			set[name] = tftypes.NewValue(attrType, int64(v))
		default:
			set[name] = tftypes.NewValue(attrType, v)
		}
	}
	return objectWith(l.h.t, typ, set)
}

// The calls, each recording its diagnostics in res; false when the call answered an error.

func (l *lifecycle) validate(res *lifecycleResult, cfg tftypes.Value) bool {
	resp, err := l.h.calls.ValidateResourceConfig(l.h.ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: l.typeName, Config: l.dynamic(cfg),
	})
	l.check(err)
	return res.add("ValidateResourceConfig", resp.Diagnostics)
}

// upgrade decodes the state file's object as the CLI does, through UpgradeResourceState.
func (l *lifecycle) upgrade(res *lifecycleResult, obj *stateObject) (tftypes.Value, bool) {
	resp, err := l.h.calls.UpgradeResourceState(l.h.ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: l.typeName, Version: l.h.schemas.ResourceSchemas[l.typeName].Version,
		RawState: &tfprotov6.RawState{JSON: obj.attributes},
	})
	l.check(err)
	if !res.add("UpgradeResourceState", resp.Diagnostics) {
		return tftypes.Value{}, false
	}
	return l.value(resp.UpgradedState), true
}

// read refreshes obj; the object it answers is nil when the remote object is gone.
func (l *lifecycle) read(res *lifecycleResult, prior tftypes.Value, obj *stateObject) (*stateObject, bool) {
	resp, err := l.h.calls.ReadResource(l.h.ctx, &tfprotov6.ReadResourceRequest{
		TypeName: l.typeName, CurrentState: l.dynamic(prior), Private: obj.private, CurrentIdentity: l.identityData(obj.identity),
	})
	l.check(err)
	if !res.add("ReadResource", resp.Diagnostics) {
		return obj, false
	}
	newState := l.value(resp.NewState)
	if newState.IsNull() {
		return nil, true
	}
	refreshed := l.stateObjectOf(newState, resp.Private, obj.identity, resp.NewIdentity)
	refreshed.tainted = obj.tainted
	return refreshed, true
}

// change is one planned change: the provider's answer to PlanResourceChange.
type change struct {
	prior, planned tftypes.Value
	private        []byte
	identity       *tfprotov6.ResourceIdentityData
	requires       []*tftypes.AttributePath
}

func (l *lifecycle) planChange(res *lifecycleResult, prior tftypes.Value, priorPrivate []byte, priorIdentity []byte, cfg tftypes.Value) (*change, bool) {
	resp, err := l.h.calls.PlanResourceChange(l.h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: l.typeName, PriorState: l.dynamic(prior), ProposedNewState: l.dynamic(l.proposedNew(prior, cfg)),
		Config: l.dynamic(cfg), PriorPrivate: priorPrivate, PriorIdentity: l.identityData(priorIdentity),
	})
	l.check(err)
	if !res.add("PlanResourceChange", resp.Diagnostics) {
		return nil, false
	}
	c := &change{prior: prior, planned: l.value(resp.PlannedState), private: resp.PlannedPrivate, identity: resp.PlannedIdentity, requires: resp.RequiresReplace}
	res.planned = c.planned
	return c, true
}

func (l *lifecycle) applyChange(res *lifecycleResult, c *change, cfg tftypes.Value) (*stateObject, bool) {
	// The CLI hands over the planned identity of an object it had, not of one it creates.
	var plannedIdentity *tfprotov6.ResourceIdentityData
	if l.cli.keepsIdentities() && !c.prior.IsNull() {
		plannedIdentity = c.identity
	}
	resp, err := l.h.calls.ApplyResourceChange(l.h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: l.typeName, PriorState: l.dynamic(c.prior), PlannedState: l.dynamic(c.planned),
		Config: l.dynamic(cfg), PlannedPrivate: c.private, PlannedIdentity: plannedIdentity,
	})
	l.check(err)
	newState := l.value(resp.NewState)
	ok := res.add("ApplyResourceChange", resp.Diagnostics)
	if ok && !newState.IsNull() {
		for _, name := range inconsistentAttrs(c.planned, newState) {
			res.addError("ApplyResourceChange", "Provider produced inconsistent result after apply",
				fmt.Sprintf("%s: the planned value of %s was known and the applied one differs", l.typeName, name))
			ok = false
		}
	}
	// Like the CLI, keep whatever state the provider answered, even with an error.
	if newState.IsNull() {
		return nil, ok
	}
	return l.stateObjectOf(newState, resp.Private, nil, resp.NewIdentity), ok
}

// plan is `terraform plan`: validate, refresh, plan, and a second plan from a null prior when
// the change needs a replacement. The state file is left as it was.
func (l *lifecycle) plan(cfg resourceArgs) *lifecycleResult {
	res := &lifecycleResult{}
	l.planned(res, l.configValue(cfg), false)
	return res
}

// planOutcome is a plan's changes: current for the instance, replacement for the new object of
// a replacement. refreshed is the object the refresh found (nil: none).
type planOutcome struct {
	refreshed   *stateObject
	current     *change
	replacement *change
}

func (l *lifecycle) planned(res *lifecycleResult, cfg tftypes.Value, forceReplace bool) *planOutcome {
	out := &planOutcome{}
	l.startValidateWalk()
	if !l.validate(res, cfg) {
		return nil
	}
	l.startWalk()
	if l.object != nil {
		prior, ok := l.upgrade(res, l.object)
		if !ok {
			return nil
		}
		if out.refreshed, ok = l.read(res, prior, l.object); !ok {
			return nil
		}
	}
	if !l.validate(res, cfg) {
		return nil
	}
	prior, priorPrivate, priorIdentity := l.nullValue(), []byte(nil), []byte(nil)
	if out.refreshed != nil {
		prior, priorPrivate, priorIdentity = l.valueOf(out.refreshed), out.refreshed.private, out.refreshed.identity
	}
	tainted := out.refreshed != nil && out.refreshed.tainted
	if tainted {
		// A tainted object is planned as a create, from a null prior, and the create becomes its
		// replacement.
		prior, priorPrivate, priorIdentity = l.nullValue(), nil, nil
	}
	c, ok := l.planChange(res, prior, priorPrivate, priorIdentity, cfg)
	if !ok {
		return nil
	}
	out.current = c
	switch {
	case tainted:
		res.action = "replace"
		c.prior = l.valueOf(out.refreshed)
		out.replacement = c
	case prior.IsNull():
		res.action = "create"
	case forceReplace || len(changedPaths(prior, c.planned, c.requires)) > 0:
		res.action = "replace"
		// The CLI plans the new object again from a null prior, handing over the private state
		// of the first plan; Terraform (not OpenTofu) the old object's identity too.
		var identity []byte
		if l.cli.family == "terraform" {
			identity = priorIdentity
		}
		if out.replacement, ok = l.planChange(res, l.nullValue(), c.private, identity, cfg); !ok {
			return nil
		}
	case prior.Equal(c.planned):
		res.action = "no-op"
	default:
		res.action = "update"
	}
	return out
}

// apply is `terraform apply -auto-approve` (with -replace of the instance when forceReplace):
// the plan, then the CLI's apply walk, which decodes the state again, plans again and applies
// what it planned, a replacement destroying first unless createBeforeDestroy.
func (l *lifecycle) apply(cfg resourceArgs) *lifecycleResult {
	return l.applyWith(cfg, false)
}

// applyReplacing is `terraform apply -replace=<the instance>`.
func (l *lifecycle) applyReplacing(cfg resourceArgs) *lifecycleResult {
	return l.applyWith(cfg, true)
}

func (l *lifecycle) applyWith(cfg resourceArgs, forceReplace bool) *lifecycleResult {
	res := &lifecycleResult{}
	value := l.configValue(cfg)
	out := l.planned(res, value, forceReplace)
	if out == nil {
		return res
	}
	// The refresh is kept whatever the apply does.
	l.object = out.refreshed
	if l.afterPlan != nil {
		l.afterPlan(res)
	}
	if res.action != "no-op" {
		l.startWalk()
	}
	switch res.action {
	case "no-op":
	case "create":
		l.create(res, value, nil)
	case "update":
		prior, ok := l.upgrade(res, l.object)
		if !ok || !l.validate(res, value) {
			return res
		}
		final, ok := l.planChange(res, prior, l.object.private, l.object.identity, value)
		if !ok || !l.consistentPlan(res, out.current.planned, final.planned) {
			return res
		}
		if obj, _ := l.applyChange(res, final, value); obj != nil {
			obj.identity = l.keptIdentity(obj.identity, l.object.identity)
			l.object = obj
		}
	case "replace":
		if l.createBeforeDestroy {
			old := l.object
			if !l.create(res, value, &out.replacement.planned) {
				return res
			}
			created := l.object
			l.object = old
			l.destroyObject(res)
			if l.object != nil {
				// The old object stays in the state as deposed; this harness keeps one object,
				// the new one, and fails the operation as the CLI does.
				res.addError("harness", "Deposed object kept", "the old object of a create_before_destroy replacement was not destroyed")
			}
			l.object = created
			return res
		}
		// The destroy half is the replacement's change reduced to a delete: it carries the
		// private state the replacement's plan answered, and no configuration.
		prior, ok := l.upgrade(res, l.object)
		if !ok {
			return res
		}
		destroy := &change{prior: prior, planned: l.nullValue(), private: out.replacement.private}
		obj, ok := l.applyChange(res, destroy, l.nullValue())
		l.object = obj
		if !ok {
			return res
		}
		l.create(res, value, &out.replacement.planned)
	}
	return res
}

// applyRemoved is `terraform apply -auto-approve` of a configuration without the resource: the
// CLI refreshes the instance and plans its destruction (Terraform 1.11 plans first, from the
// state as it was, then refreshes), then destroys it with the private state that plan answered.
func (l *lifecycle) applyRemoved() *lifecycleResult {
	res := &lifecycleResult{}
	l.startValidateWalk()
	l.startWalk()
	if l.object == nil {
		return res
	}
	prior, ok := l.upgrade(res, l.object)
	if !ok {
		return res
	}
	var c *change
	if l.cli.refreshesOrphansFirst() {
		refreshed, ok := l.read(res, prior, l.object)
		if !ok {
			return res
		}
		if l.object = refreshed; refreshed == nil {
			res.action = "no-op"
			return res
		}
		if c, ok = l.planChange(res, l.valueOf(refreshed), refreshed.private, refreshed.identity, l.nullValue()); !ok {
			return res
		}
	} else {
		if c, ok = l.planChange(res, prior, l.object.private, l.object.identity, l.nullValue()); !ok {
			return res
		}
		refreshed, ok := l.read(res, prior, l.object)
		if !ok {
			return res
		}
		if l.object = refreshed; refreshed == nil {
			res.action = "no-op"
			return res
		}
	}
	res.action = "delete"
	if l.afterPlan != nil {
		l.afterPlan(res)
	}
	l.startWalk()
	if c.prior, ok = l.upgrade(res, l.object); !ok {
		return res
	}
	obj, _ := l.applyChange(res, c, l.nullValue())
	l.object = obj
	return res
}

// create is the apply walk's create of a new object: validate, plan from a null prior (with no
// private state), apply. plannedBefore is what the plan planned for it, for the consistency
// check; nil for a plain create, whose plan the apply walk's plan repeats.
func (l *lifecycle) create(res *lifecycleResult, value tftypes.Value, plannedBefore *tftypes.Value) bool {
	if !l.validate(res, value) {
		return false
	}
	final, ok := l.planChange(res, l.nullValue(), nil, nil, value)
	if !ok {
		return false
	}
	if plannedBefore != nil && !l.consistentPlan(res, *plannedBefore, final.planned) {
		return false
	}
	obj, ok := l.applyChange(res, final, value)
	if obj != nil {
		// The CLI keeps the object of a create that failed, tainted.
		obj.tainted = !ok
		l.object = obj
	}
	return ok
}

// destroyObject is the destroy of the state's object at apply time: decode, a destroy plan with
// the object's private state, and its apply with the private state that plan answered.
func (l *lifecycle) destroyObject(res *lifecycleResult) bool {
	prior, ok := l.upgrade(res, l.object)
	if !ok {
		return false
	}
	c, ok := l.planChange(res, prior, l.object.private, l.object.identity, l.nullValue())
	if !ok {
		return false
	}
	obj, ok := l.applyChange(res, c, l.nullValue())
	l.object = obj
	return ok
}

// destroy is `terraform destroy -auto-approve`: a normal plan with refresh first (the
// pre-destroy refresh), then the destroy plan and its apply.
func (l *lifecycle) destroy(cfg resourceArgs) *lifecycleResult {
	res := &lifecycleResult{}
	out := l.planned(res, l.configValue(cfg), false)
	if out == nil {
		return res
	}
	l.object = out.refreshed
	res.action = "delete"
	if l.object == nil {
		return res
	}
	l.startWalk()
	prior, ok := l.upgrade(res, l.object)
	if !ok {
		return res
	}
	c, ok := l.planChange(res, prior, l.object.private, l.object.identity, l.nullValue())
	if !ok {
		return res
	}
	l.startWalk()
	prior, ok = l.upgrade(res, l.object)
	if !ok {
		return res
	}
	c.prior, c.planned = prior, l.nullValue()
	obj, _ := l.applyChange(res, c, l.nullValue())
	l.object = obj
	return res
}

// refresh is `terraform plan -refresh-only`: validate and read; the state file is left as it
// was. refreshApply is `terraform apply -refresh-only -auto-approve`, which keeps what it read.
func (l *lifecycle) refresh(cfg resourceArgs) *lifecycleResult {
	res, _ := l.refreshed(cfg)
	return res
}

func (l *lifecycle) refreshApply(cfg resourceArgs) *lifecycleResult {
	res, out := l.refreshed(cfg)
	if res.failed == "" {
		l.object = out
	}
	return res
}

func (l *lifecycle) refreshed(cfg resourceArgs) (*lifecycleResult, *stateObject) {
	res := &lifecycleResult{action: "refresh"}
	l.startValidateWalk()
	if !l.validate(res, l.configValue(cfg)) || l.object == nil {
		return res, l.object
	}
	l.startWalk()
	prior, ok := l.upgrade(res, l.object)
	if !ok {
		return res, l.object
	}
	obj, _ := l.read(res, prior, l.object)
	return res, obj
}

// importByID is `terraform plan` with an import block naming the instance by id: validate,
// import, read the imported object, plan against cfg. importApply keeps the imported object
// and applies the plan, as `terraform apply` with the import block does.
func (l *lifecycle) importByID(id string, cfg resourceArgs) *lifecycleResult {
	return l.imported(&tfprotov6.ImportResourceStateRequest{TypeName: l.typeName, ID: id}, cfg, false)
}

func (l *lifecycle) importByIdentity(ids map[string]int64, cfg resourceArgs) *lifecycleResult {
	return l.imported(&tfprotov6.ImportResourceStateRequest{TypeName: l.typeName, Identity: l.h.identity(l.typeName, ids)}, cfg, false)
}

// importCommand is `terraform import <address> <id>`: import and read, kept in the state,
// with neither a validation nor a plan.
func (l *lifecycle) importCommand(id string, cfg resourceArgs) *lifecycleResult {
	res := &lifecycleResult{action: "import"}
	l.configValue(cfg) // the command reads the configuration but asks the provider nothing of it
	l.startWalk()
	imported := l.importOne(res, &tfprotov6.ImportResourceStateRequest{TypeName: l.typeName, ID: id})
	if imported == nil {
		return res
	}
	obj, ok := l.read(res, l.value(imported.State), l.stateObjectOf(l.value(imported.State), imported.Private, nil, nil))
	switch {
	case !ok:
	case obj == nil:
		res.addError("ReadResource", "Cannot import non-existent remote object", "the read after the import found nothing")
	default:
		l.object = obj
	}
	return res
}

// importOne sends req and returns the one object it imported, or nil with the errors in res.
func (l *lifecycle) importOne(res *lifecycleResult, req *tfprotov6.ImportResourceStateRequest) *tfprotov6.ImportedResource {
	resp, err := l.h.calls.ImportResourceState(l.h.ctx, req)
	l.check(err)
	if !res.add("ImportResourceState", resp.Diagnostics) {
		return nil
	}
	if len(resp.ImportedResources) != 1 {
		res.addError("ImportResourceState", "Unexpected Import Result", fmt.Sprintf("%d objects imported, want 1", len(resp.ImportedResources)))
		return nil
	}
	return resp.ImportedResources[0]
}

func (l *lifecycle) importApplyByID(id string, cfg resourceArgs) *lifecycleResult {
	return l.imported(&tfprotov6.ImportResourceStateRequest{TypeName: l.typeName, ID: id}, cfg, true)
}

func (l *lifecycle) imported(req *tfprotov6.ImportResourceStateRequest, cfg resourceArgs, apply bool) *lifecycleResult {
	res := &lifecycleResult{}
	value := l.configValue(cfg)
	l.startValidateWalk()
	if !l.validate(res, value) {
		return res
	}
	l.startWalk()
	imported := l.importOne(res, req)
	if imported == nil {
		return res
	}
	// The read that follows an import by id gets no identity, even when the import answered one;
	// after an import by identity, it gets the imported identity.
	var identity *tfprotov6.ResourceIdentityData
	if req.Identity != nil {
		identity = imported.Identity
	}
	importedObj := l.stateObjectOf(l.value(imported.State), imported.Private, nil, identity)
	obj, ok := l.read(res, l.value(imported.State), importedObj)
	if !ok {
		return res
	}
	if obj == nil {
		res.addError("ReadResource", "Cannot import non-existent remote object", "the read after the import found nothing")
		return res
	}
	saved := l.object
	l.object = obj
	if !l.validate(res, value) {
		l.object = saved
		return res
	}
	c, ok := l.planChange(res, l.valueOf(obj), obj.private, obj.identity, value)
	if !ok {
		l.object = saved
		return res
	}
	res.action = "no-op"
	if !l.valueOf(obj).Equal(c.planned) {
		res.action = "update"
	}
	if !apply {
		l.object = saved
		return res
	}
	if res.action == "update" {
		l.startWalk()
		if applied, _ := l.applyChange(res, c, value); applied != nil {
			l.object = applied
		}
	}
	return res
}

// startValidateWalk and startWalk start a provider process, as the CLI does for each of its
// graph walks: validation with an unconfigured provider, then each plan or apply walk with a
// configured one. What the provider keeps in memory lasts one walk.
func (l *lifecycle) startValidateWalk() { l.h.calls.restart(l.h.startProvider(false)) }

func (l *lifecycle) startWalk() { l.h.calls.restart(l.h.startProvider(true)) }

// Values.

func (l *lifecycle) nullValue() tftypes.Value {
	return tftypes.NewValue(l.h.stateType(l.typeName), nil)
}

func (l *lifecycle) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	return dynamic(l.h.t, l.h.stateType(l.typeName), v)
}

func (l *lifecycle) value(v *tfprotov6.DynamicValue) tftypes.Value {
	if v == nil {
		return l.nullValue()
	}
	return l.h.unmarshal(v, l.h.stateType(l.typeName))
}

func (l *lifecycle) valueOf(obj *stateObject) tftypes.Value {
	v, err := (&tfprotov6.DynamicValue{JSON: obj.attributes}).Unmarshal(l.h.stateType(l.typeName))
	if err != nil {
		l.h.t.Fatal(err)
	}
	return v
}

func (l *lifecycle) identityData(identity []byte) *tfprotov6.ResourceIdentityData {
	if identity == nil || !l.cli.keepsIdentities() {
		return nil
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: &tfprotov6.DynamicValue{JSON: identity}}
}

// stateObjectOf is what the state file writes for a state value: its attributes as JSON, and
// the identity the provider answered when the CLI keeps identities (else kept).
func (l *lifecycle) stateObjectOf(state tftypes.Value, private, keptIdentity []byte, identity *tfprotov6.ResourceIdentityData) *stateObject {
	l.h.t.Helper()
	attrs, err := json.Marshal(jsonValue(l.h.t, state))
	if err != nil {
		l.h.t.Fatal(err)
	}
	obj := &stateObject{attributes: attrs, private: private, identity: keptIdentity}
	if l.cli.keepsIdentities() && identity != nil && identity.IdentityData != nil {
		v := l.h.unmarshal(identity.IdentityData, l.h.identityType(l.typeName))
		if obj.identity, err = json.Marshal(jsonValue(l.h.t, v)); err != nil {
			l.h.t.Fatal(err)
		}
	}
	return obj
}

func (l *lifecycle) keptIdentity(answered, before []byte) []byte {
	if answered != nil {
		return answered
	}
	return before
}

func (l *lifecycle) check(err error) {
	l.h.t.Helper()
	if err != nil {
		l.h.t.Fatal(err)
	}
}

// consistentPlan is the CLI's check that the apply walk's plan keeps every value the first plan
// knew.
func (l *lifecycle) consistentPlan(res *lifecycleResult, first, final tftypes.Value) bool {
	ok := true
	for _, name := range inconsistentAttrs(first, final) {
		res.addError("PlanResourceChange", "Provider produced inconsistent final plan",
			fmt.Sprintf("%s: %s was planned known and the final plan changes it", l.typeName, name))
		ok = false
	}
	return ok
}

// add records a call's diagnostics; false when one is an error.
func (r *lifecycleResult) add(call string, diags []*tfprotov6.Diagnostic) bool {
	r.diags = append(r.diags, diags...)
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			r.failed = call
			return false
		}
	}
	return true
}

func (r *lifecycleResult) addError(call, summary, detail string) {
	r.add(call, []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}})
}

// proposedNew is the CLI's proposed new state for these schemas, whose nested attributes are all
// computed: the configuration, with the prior value of each computed attribute (top-level or
// nested) the configuration leaves null. Blocks are taken from the configuration.
func (l *lifecycle) proposedNew(prior, cfg tftypes.Value) tftypes.Value {
	if cfg.IsNull() {
		return cfg
	}
	computed := map[string]bool{}
	for _, a := range l.h.schemas.ResourceSchemas[l.typeName].Block.Attributes {
		computed[a.Name] = a.Computed
	}
	priorAttrs, cfgAttrs := attrsOfValue(prior), attrsOfValue(cfg)
	out := make(map[string]tftypes.Value, len(cfgAttrs))
	for name, v := range cfgAttrs {
		out[name] = v
		if p, ok := priorAttrs[name]; ok && v.IsNull() && computed[name] {
			out[name] = p
		}
	}
	return tftypes.NewValue(cfg.Type(), out)
}

// changedPaths are the paths among requires whose values differ between prior and planned.
func changedPaths(prior, planned tftypes.Value, requires []*tftypes.AttributePath) []string {
	var out []string
	for _, p := range requires {
		before, _, errBefore := tftypes.WalkAttributePath(prior, p)
		after, _, errAfter := tftypes.WalkAttributePath(planned, p)
		b, okB := before.(tftypes.Value)
		a, okA := after.(tftypes.Value)
		if errBefore != nil || errAfter != nil || !okB || !okA || !a.IsFullyKnown() || !a.Equal(b) {
			out = append(out, p.String())
		}
	}
	return out
}

// inconsistentAttrs names the top-level attributes known in planned whose value in actual
// differs.
func inconsistentAttrs(planned, actual tftypes.Value) []string {
	p, a := attrsOfValue(planned), attrsOfValue(actual)
	var out []string
	for name, pv := range p {
		if pv.IsFullyKnown() && !pv.Equal(a[name]) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// int64Attr is a number attribute of an object value, 0 when null.
func int64Attr(v tftypes.Value, name string) int64 {
	a, ok := attrsOfValue(v)[name]
	if !ok || a.IsNull() || !a.IsKnown() {
		return 0
	}
	var n big.Float
	if err := a.As(&n); err != nil {
		return 0
	}
	i, _ := n.Int64()
	return i
}

// TestLifecycle_keepsWhatTheStateFileKeeps: the harness's state between operations is GitLab's
// deployment, with its identity under a CLI that keeps identities and none under one that does
// not; a destroy with on_destroy = "delete" empties it and deletes the deployment.
func TestLifecycle_keepsWhatTheStateFileKeeps(t *testing.T) {
	t.Parallel()
	for _, cli := range []cliUnderTest{{family: "terraform", version: "1.11.4"}, {family: "terraform", version: "1.15.0"}} {
		t.Run(cli.version, func(t *testing.T) {
			t.Parallel()
			h := newProtocolHarnessAs(t, startFake(t, "basic.json"), tokenMaintainer, cli)
			l := h.lifecycle("gitlabdeploy_deployment")
			args := stagingArgs("release/1.x", shaRelease, "failed")
			args["on_destroy"] = "delete"
			if res := l.apply(args); res.failed != "" || res.action != "create" {
				t.Fatalf("create: action %q, failed at %q:\n%s", res.action, res.failed, res.errorText())
			}
			id := int64Attr(l.state(), "deployment_id")
			if d := gitlabDeployment(t, h.fake, id); d == nil || d.Status != "failed" {
				t.Fatalf("GitLab's deployment %d = %+v, want a failed one", id, d)
			}
			identity := l.identityValue()
			if cli.keepsIdentities() != !identity.IsNull() {
				t.Errorf("identity in the state = %v under %s", identity, cli.version)
			}
			if cli.keepsIdentities() && int64Attr(identity, "deployment_id") != id {
				t.Errorf("identity %v, want deployment_id %d", identity, id)
			}
			if res := l.plan(args); res.action != "no-op" {
				t.Errorf("plan after apply: %q, want no-op", res.action)
			}
			if res := l.destroy(args); res.failed != "" || !l.state().IsNull() {
				t.Fatalf("destroy failed at %q, state %s:\n%s", res.failed, nullness(l.state()), res.errorText())
			}
			if d := gitlabDeployment(t, h.fake, id); d != nil {
				t.Errorf("deployment %d still in GitLab after a destroy with on_destroy = delete", id)
			}
		})
	}
}
