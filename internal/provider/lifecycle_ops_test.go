package provider

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// The life-cycle matrix (lifecycle_matrix_test.go) runs Terraform commands in process: these are
// the provider calls each command makes, in Terraform's order, for one resource instance. Each
// command starts a provider process of its own, as Terraform does, so nothing cached in one
// command (projects, claims, the current deployment of an environment) reaches the next.

// tfInstance is one resource instance as Terraform's state holds it between commands.
type tfInstance struct {
	state    *tfprotov6.DynamicValue // nil: no object
	identity *tfprotov6.ResourceIdentityData
	private  []byte
	// deposed is the object a create_before_destroy replacement failed to destroy: Terraform keeps
	// it in the state and destroys it at the next apply.
	deposed *tfInstance
}

func (i *tfInstance) exists() bool { return i != nil && i.state != nil }

// tfConfig is one resource block: its arguments (the others null), and its lifecycle settings,
// which Terraform never sends to the provider.
type tfConfig struct {
	args                map[string]tftypes.Value
	createBeforeDestroy bool
}

// requestRecord is one API request the fake received.
type requestRecord struct {
	method, path, body string
}

func (r requestRecord) write() bool { return r.method != http.MethodGet }

func (r requestRecord) String() string { return r.method + " " + r.path + " " + r.body }

// requestLog records every API request a fake receives, through its fault hook (which lets every
// request through).
type requestLog struct {
	mu   sync.Mutex
	reqs []requestRecord
}

func (l *requestLog) observe(r *http.Request) fakegitlab.Fault {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, requestRecord{method: r.Method, path: strings.TrimPrefix(r.URL.EscapedPath(), "/api/v4"), body: string(body)})
	return fakegitlab.FaultNone
}

// mark is the number of requests so far; since(mark) lists those received after it.
func (l *requestLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

func (l *requestLog) since(mark int) []requestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]requestRecord(nil), l.reqs[mark:]...)
}

// tfCommand is what one command did: its calls' diagnostics by phase, and the requests GitLab
// received.
type tfCommand struct {
	name string
	// planDiags are the diagnostics of the plan (refresh included); applyDiags of the apply.
	planDiags, applyDiags []*tfprotov6.Diagnostic
	// action is what the plan does to the instance: "no-op", "create", "update", "replace",
	// "delete", or "" when the plan failed.
	action string
	// planWrites and applyWrites are the write requests GitLab received in each phase.
	planWrites, applyWrites []requestRecord
}

func (c *tfCommand) failed() bool {
	return hasErrors(c.planDiags) || hasErrors(c.applyDiags)
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func writesOf(reqs []requestRecord) []requestRecord {
	var out []requestRecord
	for _, r := range reqs {
		if r.write() {
			out = append(out, r)
		}
	}
	return out
}

// tfRunner runs commands for one resource type against one fake.
type tfRunner struct {
	t        *testing.T
	fake     *fakegitlab.Server
	log      *requestLog
	token    string
	typeName string
	// calls, when set, records every call the commands make (TestLifecycleOps_matchesCLISequences).
	calls *callRecorder
}

// provider starts the provider process of one command: configured as Terraform 1.15 does,
// without the schema requests a harness answers from matrixSchemas.
func (r *tfRunner) provider() *protocolHarness {
	r.t.Helper()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(newWithOptions("test", testProviderOptions(nil))())()
	if err != nil {
		r.t.Fatal(err)
	}
	h := &protocolHarness{t: r.t, ctx: ctx, fake: r.fake, server: server}
	if r.calls != nil {
		r.calls.restart(server)
		h.server = r.calls
	}
	h.schemas, h.identities = matrixSchemas(r.t)
	providerType := h.schemas.Provider.ValueType()
	configure, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.15.0",
		Config: dynamic(r.t, providerType, objectWith(r.t, providerType, map[string]tftypes.Value{
			"base_url": tftypes.NewValue(tftypes.String, r.fake.URL()),
			"token":    tftypes.NewValue(tftypes.String, r.token),
		})),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	checkDiags(r.t, "ConfigureProvider", configure.Diagnostics)
	return h
}

var (
	matrixSchemasOnce     sync.Once
	matrixProviderSchema  *tfprotov6.GetProviderSchemaResponse
	matrixIdentitySchemas *tfprotov6.GetResourceIdentitySchemasResponse
)

// matrixSchemas are the provider's schemas, asked once for every command of every cell.
func matrixSchemas(t *testing.T) (*tfprotov6.GetProviderSchemaResponse, *tfprotov6.GetResourceIdentitySchemasResponse) {
	matrixSchemasOnce.Do(func() {
		ctx := context.Background()
		server, err := providerserver.NewProtocol6WithError(newWithOptions("test", testProviderOptions(nil))())()
		if err == nil {
			matrixProviderSchema, err = server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		}
		if err == nil {
			matrixIdentitySchemas, err = server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
		}
		if err != nil {
			panic(err)
		}
	})
	return matrixProviderSchema, matrixIdentitySchemas
}

// stateType is the state type of the runner's resource.
func (r *tfRunner) stateType() tftypes.Type {
	schemas, _ := matrixSchemas(r.t)
	return schemas.ResourceSchemas[r.typeName].ValueType()
}

// configValue is the configuration as Terraform sends it: every attribute, null unless set.
func (r *tfRunner) configValue(h *protocolHarness, c tfConfig) tftypes.Value {
	return objectWith(r.t, h.stateType(r.typeName), c.args)
}

func (r *tfRunner) dv(h *protocolHarness, v tftypes.Value) *tfprotov6.DynamicValue {
	return dynamic(r.t, h.stateType(r.typeName), v)
}

func (r *tfRunner) null(h *protocolHarness) *tfprotov6.DynamicValue {
	return r.dv(h, tftypes.NewValue(h.stateType(r.typeName), nil))
}

// proposedNew is Terraform's proposed new state: the configuration, with every computed attribute
// the configuration leaves null taken from the prior state (objchange.ProposedNew).
func (r *tfRunner) proposedNew(h *protocolHarness, prior *tfprotov6.DynamicValue, config tftypes.Value) tftypes.Value {
	var priorAttrs map[string]tftypes.Value
	if prior != nil {
		p := h.unmarshal(prior, h.stateType(r.typeName))
		if !p.IsNull() {
			_ = p.As(&priorAttrs)
		}
	}
	var cfg map[string]tftypes.Value
	_ = config.As(&cfg)
	schema := h.schemas.ResourceSchemas[r.typeName].Block
	out := map[string]tftypes.Value{}
	for name, v := range cfg {
		out[name] = v
	}
	for _, a := range schema.Attributes {
		if a.Computed && cfg[a.Name].IsNull() && priorAttrs != nil {
			out[a.Name] = priorAttrs[a.Name]
		}
	}
	return tftypes.NewValue(h.stateType(r.typeName), out)
}

// refresh is ReadResource of the instance; it returns the diagnostics.
func (r *tfRunner) refresh(h *protocolHarness, inst *tfInstance) []*tfprotov6.Diagnostic {
	if !inst.exists() {
		return nil
	}
	resp, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{
		TypeName: r.typeName, CurrentState: inst.state, CurrentIdentity: inst.identity, Private: inst.private,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	if hasErrors(resp.Diagnostics) {
		return resp.Diagnostics
	}
	if h.unmarshal(resp.NewState, h.stateType(r.typeName)).IsNull() {
		inst.state, inst.identity, inst.private = nil, nil, nil
		return resp.Diagnostics
	}
	inst.state, inst.private = resp.NewState, resp.Private
	if resp.NewIdentity != nil {
		inst.identity = resp.NewIdentity
	}
	return resp.Diagnostics
}

// planned is a plan of one instance.
type planned struct {
	action  string
	state   *tfprotov6.DynamicValue
	private []byte
}

// planChange is PlanResourceChange for the configuration against the instance, and for a
// replacement the second call Terraform makes for the new object.
func (r *tfRunner) planChange(h *protocolHarness, inst *tfInstance, c tfConfig) (planned, []*tfprotov6.Diagnostic) {
	config := r.configValue(h, c)
	var diags []*tfprotov6.Diagnostic
	validate, err := h.server.ValidateResourceConfig(h.ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: r.typeName, Config: r.dv(h, config)})
	if err != nil {
		r.t.Fatal(err)
	}
	diags = append(diags, validate.Diagnostics...)
	if hasErrors(diags) {
		return planned{}, diags
	}
	prior := inst.state
	if prior == nil {
		prior = r.null(h)
	}
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: r.typeName, PriorState: prior, ProposedNewState: r.dv(h, r.proposedNew(h, inst.state, config)),
		Config: r.dv(h, config), PriorPrivate: inst.private, PriorIdentity: inst.identity,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	diags = append(diags, resp.Diagnostics...)
	if hasErrors(diags) {
		return planned{}, diags
	}
	if !inst.exists() {
		return planned{action: "create", state: resp.PlannedState, private: resp.PlannedPrivate}, diags
	}
	priorValue, plannedValue := h.unmarshal(prior, h.stateType(r.typeName)), h.unmarshal(resp.PlannedState, h.stateType(r.typeName))
	if r.replaces(priorValue, plannedValue, resp.RequiresReplace) {
		// Terraform (not OpenTofu) hands the old object's identity to the new object's plan.
		again, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: r.typeName, PriorState: r.null(h), ProposedNewState: r.dv(h, r.proposedNew(h, nil, config)),
			Config: r.dv(h, config), PriorPrivate: resp.PlannedPrivate, PriorIdentity: inst.identity,
		})
		if err != nil {
			r.t.Fatal(err)
		}
		diags = append(diags, again.Diagnostics...)
		if hasErrors(again.Diagnostics) {
			return planned{}, diags
		}
		return planned{action: "replace", state: again.PlannedState, private: again.PlannedPrivate}, diags
	}
	if plannedValue.Equal(priorValue) {
		return planned{action: "no-op", state: resp.PlannedState, private: resp.PlannedPrivate}, diags
	}
	return planned{action: "update", state: resp.PlannedState, private: resp.PlannedPrivate}, diags
}

// replaces reports whether Terraform replaces: a path the provider names whose value changes.
func (r *tfRunner) replaces(prior, plannedValue tftypes.Value, paths []*tftypes.AttributePath) bool {
	for _, p := range paths {
		before, _, errBefore := tftypes.WalkAttributePath(prior, p)
		after, _, errAfter := tftypes.WalkAttributePath(plannedValue, p)
		if errBefore != nil || errAfter != nil {
			return true
		}
		b, _ := before.(tftypes.Value)
		a, _ := after.(tftypes.Value)
		if !a.Equal(b) {
			return true
		}
	}
	return false
}

// apply is ApplyResourceChange; the instance takes the new state Terraform would save.
func (r *tfRunner) apply(h *protocolHarness, inst *tfInstance, c *tfConfig, plan planned) []*tfprotov6.Diagnostic {
	prior, config := inst.state, r.null(h)
	if prior == nil {
		prior = r.null(h)
	}
	if c != nil {
		config = r.dv(h, r.configValue(h, *c))
	}
	state := plan.state
	if state == nil {
		state = r.null(h)
	}
	resp, err := h.server.ApplyResourceChange(h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: r.typeName, PriorState: prior, PlannedState: state, Config: config, PlannedPrivate: plan.private,
		PlannedIdentity: inst.identity,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	if resp.NewState == nil || h.unmarshal(resp.NewState, h.stateType(r.typeName)).IsNull() {
		// A delete that failed keeps the object; anything else answered with no object has none.
		if plan.state != nil || !hasErrors(resp.Diagnostics) {
			inst.state, inst.identity, inst.private = nil, nil, nil
		}
		return resp.Diagnostics
	}
	inst.state, inst.private = resp.NewState, resp.Private
	if resp.NewIdentity != nil {
		inst.identity = resp.NewIdentity
	}
	return resp.Diagnostics
}

// plan runs `terraform plan`: refresh, then plan. It changes nothing in the state.
func (r *tfRunner) plan(inst *tfInstance, c tfConfig) *tfCommand {
	cmd := &tfCommand{name: "plan"}
	mark := r.log.mark()
	h := r.provider()
	refreshed := *inst
	cmd.planDiags = r.refresh(h, &refreshed)
	if !hasErrors(cmd.planDiags) {
		p, diags := r.planChange(h, &refreshed, c)
		cmd.planDiags = append(cmd.planDiags, diags...)
		cmd.action = p.action
	}
	cmd.planWrites = writesOf(r.log.since(mark))
	return cmd
}

// applyConfig runs `terraform apply` (forceReplace: with -replace): refresh, plan, then the apply
// of each step of the plan, each planned again first as Terraform does.
func (r *tfRunner) applyConfig(inst *tfInstance, c tfConfig, forceReplace bool) *tfCommand {
	return r.applyPlanned(r.provider(), inst, c, forceReplace, true)
}

// applyPlanned is applyConfig in the plan walk of provider h, refreshing first when refresh.
func (r *tfRunner) applyPlanned(h *protocolHarness, inst *tfInstance, c tfConfig, forceReplace, refresh bool) *tfCommand {
	cmd := &tfCommand{name: "apply"}
	mark := r.log.mark()
	if refresh {
		cmd.planDiags = r.refresh(h, inst)
	}
	var p planned
	if !hasErrors(cmd.planDiags) {
		var diags []*tfprotov6.Diagnostic
		p, diags = r.planChange(h, inst, c)
		cmd.planDiags = append(cmd.planDiags, diags...)
		if forceReplace && inst.exists() && p.action != "" {
			fresh := tfInstance{identity: inst.identity} // Terraform hands the old object's identity on
			again, diags := r.planChange(h, &fresh, c)
			cmd.planDiags = append(cmd.planDiags, diags...)
			p = planned{action: "replace", state: again.state, private: again.private}
		}
	}
	cmd.action = p.action
	cmd.planWrites = writesOf(r.log.since(mark))
	if cmd.failed() {
		return cmd
	}
	mark = r.log.mark()
	defer func() { cmd.applyWrites = writesOf(r.log.since(mark)) }()
	h = r.provider() // Terraform starts a provider process per graph walk: the apply walk's own
	if inst.deposed != nil {
		// A deposed object from an earlier replacement is destroyed first.
		cmd.applyDiags = append(cmd.applyDiags, r.apply(h, inst.deposed, nil, planned{private: inst.deposed.private})...)
		if !inst.deposed.exists() {
			inst.deposed = nil
		}
	}
	switch p.action {
	case "create", "update":
		again, diags := r.planChange(h, inst, c)
		cmd.applyDiags = append(cmd.applyDiags, diags...)
		if !hasErrors(diags) {
			cmd.applyDiags = append(cmd.applyDiags, r.apply(h, inst, &c, again)...)
		}
	case "replace":
		cmd.applyDiags = append(cmd.applyDiags, r.replace(h, inst, c, p)...)
	}
	return cmd
}

// replace applies a replacement: the old object's delete receives the private state planned
// for the new one.
func (r *tfRunner) replace(h *protocolHarness, inst *tfInstance, c tfConfig, p planned) []*tfprotov6.Diagnostic {
	old := *inst
	destroyOld := func() []*tfprotov6.Diagnostic {
		// The destroy half of a replacement gets no planned identity.
		old.identity = nil
		return r.apply(h, &old, nil, planned{private: p.private})
	}
	create := func(target *tfInstance) []*tfprotov6.Diagnostic {
		again, diags := r.planChange(h, target, c)
		if hasErrors(diags) {
			return diags
		}
		return append(diags, r.apply(h, target, &c, again)...)
	}
	if !c.createBeforeDestroy {
		diags := destroyOld()
		if old.exists() {
			return diags // the delete failed: the old object stays
		}
		*inst = tfInstance{}
		return append(diags, create(inst)...)
	}
	fresh := tfInstance{}
	diags := create(&fresh)
	if hasErrors(diags) && !fresh.exists() {
		return diags // the old object stays current
	}
	// The old object, deposed, is planned for destruction again, and destroyed with the private
	// state of that plan.
	private, planDiags := r.planDestroy(h, &old)
	diags = append(diags, planDiags...)
	if hasErrors(planDiags) {
		*inst = fresh
		inst.deposed = &old
		return diags
	}
	diags = append(diags, r.apply(h, &old, nil, planned{private: private})...)
	*inst = fresh
	if old.exists() {
		inst.deposed = &old
	}
	return diags
}

// planDestroy is PlanResourceChange of the instance's destruction; it returns the planned private
// state the destroy's apply gets.
func (r *tfRunner) planDestroy(h *protocolHarness, inst *tfInstance) ([]byte, []*tfprotov6.Diagnostic) {
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: r.typeName, PriorState: inst.state, ProposedNewState: r.null(h), Config: r.null(h),
		PriorPrivate: inst.private, PriorIdentity: inst.identity,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.PlannedPrivate, resp.Diagnostics
}

// destroy runs `terraform destroy`: a normal plan with the configuration (refresh included),
// whose errors stop it, then the destroy plan and its apply.
func (r *tfRunner) destroy(inst *tfInstance, c tfConfig) *tfCommand {
	cmd := &tfCommand{name: "destroy"}
	mark := r.log.mark()
	h := r.provider()
	cmd.planDiags = r.refresh(h, inst)
	if !hasErrors(cmd.planDiags) && inst.exists() {
		_, diags := r.planChange(h, inst, c)
		cmd.planDiags = append(cmd.planDiags, diags...)
	}
	var destroyPrivate []byte
	if !hasErrors(cmd.planDiags) && inst.exists() {
		h = r.provider() // the destroy plan is a walk of its own
		var diags []*tfprotov6.Diagnostic
		destroyPrivate, diags = r.planDestroy(h, inst)
		cmd.planDiags = append(cmd.planDiags, diags...)
	}
	cmd.planWrites = writesOf(r.log.since(mark))
	if cmd.failed() {
		return cmd
	}
	cmd.action = "delete"
	mark = r.log.mark()
	h = r.provider() // and so is its apply
	if inst.exists() {
		cmd.applyDiags = r.apply(h, inst, nil, planned{private: destroyPrivate})
	}
	cmd.applyWrites = writesOf(r.log.since(mark))
	return cmd
}

// importThenApply runs `terraform apply` of a configuration with an import block (by id, or by
// identity when id is empty): import, the import's read, then plan and apply.
func (r *tfRunner) importThenApply(inst *tfInstance, id string, identity *tfprotov6.ResourceIdentityData, c tfConfig) *tfCommand {
	cmd := &tfCommand{name: "import"}
	mark := r.log.mark()
	h := r.provider()
	resp, err := h.server.ImportResourceState(h.ctx, &tfprotov6.ImportResourceStateRequest{TypeName: r.typeName, ID: id, Identity: identity})
	if err != nil {
		r.t.Fatal(err)
	}
	cmd.planDiags = resp.Diagnostics
	if hasErrors(cmd.planDiags) || len(resp.ImportedResources) != 1 {
		cmd.planWrites = writesOf(r.log.since(mark))
		return cmd
	}
	imported := resp.ImportedResources[0]
	inst.state, inst.identity, inst.private = imported.State, imported.Identity, imported.Private
	if identity == nil {
		inst.identity = nil // the read after an import by id gets no identity (DESIGN.md §B33)
	}
	cmd.planDiags = append(cmd.planDiags, r.refresh(h, inst)...)
	if !hasErrors(cmd.planDiags) && !inst.exists() {
		cmd.planDiags = append(cmd.planDiags, &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError,
			Summary: "Cannot import non-existent remote object"})
	}
	cmd.planWrites = writesOf(r.log.since(mark))
	if cmd.failed() {
		*inst = tfInstance{}
		return cmd
	}
	next := r.applyPlanned(h, inst, c, false, false)
	cmd.planDiags = append(cmd.planDiags, next.planDiags...)
	cmd.applyDiags, cmd.action = next.applyDiags, next.action
	cmd.planWrites = append(cmd.planWrites, next.planWrites...)
	cmd.applyWrites = next.applyWrites
	return cmd
}

// refreshOnly runs `terraform apply -refresh-only`.
func (r *tfRunner) refreshOnly(inst *tfInstance) *tfCommand {
	cmd := &tfCommand{name: "refresh", action: "no-op"}
	mark := r.log.mark()
	refreshed := *inst
	cmd.planDiags = r.refresh(r.provider(), &refreshed)
	if !hasErrors(cmd.planDiags) {
		*inst = refreshed
	}
	cmd.planWrites = writesOf(r.log.since(mark))
	return cmd
}

// TestLifecycleOps_matchesCLISequences holds the matrix's model of the commands to the recorded
// CLIs, as TestProtocolHarness_matchesCLISequences holds the life-cycle harness (DESIGN.md §B34):
// each recorded operation the model runs is run again through it, configured as Terraform 1.16
// (identities kept), and its reads, plans, applies and imports must carry what Terraform 1.16's
// did. The model leaves out the calls that decide nothing in the matrix's cells (validation,
// which it makes once per plan, and the decoding of the state file through UpgradeResourceState),
// so those are compared only by their place.
func TestLifecycleOps_matchesCLISequences(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	calls := newCallRecorder(nil)
	r := &tfRunner{t: t, fake: fake, log: &requestLog{}, token: tokenMaintainer, typeName: "gitlabdeploy_deployment", calls: calls}
	cfg := func(ref, sha, status string, createBeforeDestroy bool) tfConfig {
		args := map[string]tftypes.Value{}
		for name, v := range stagingArgs(ref, sha, status) {
			args[name] = tftypes.NewValue(tftypes.String, v)
		}
		return tfConfig{args: args, createBeforeDestroy: createBeforeDestroy}
	}
	var test, imported tfInstance
	ops := map[string]func() *tfCommand{
		"create": func() *tfCommand {
			return r.applyConfig(&test, cfg("release/1.x", shaRelease, "running", false), false)
		},
		"plan": func() *tfCommand { return r.plan(&test, cfg("release/1.x", shaRelease, "running", false)) },
		"update": func() *tfCommand {
			return r.applyConfig(&test, cfg("release/1.x", shaRelease, "success", false), false)
		},
		"refresh":       func() *tfCommand { kept := test; return r.refreshOnly(&kept) },
		"refresh-apply": func() *tfCommand { return r.refreshOnly(&test) },
		"replace":       func() *tfCommand { return r.applyConfig(&test, cfg("main", shaMain, "failed", false), false) },
		"replace-create-before-destroy": func() *tfCommand {
			return r.applyConfig(&test, cfg("release/1.x", shaRelease, "failed", true), false)
		},
		"replace-forced": func() *tfCommand { return r.applyConfig(&test, cfg("release/1.x", shaRelease, "failed", false), true) },
		"destroy":        func() *tfCommand { return r.destroy(&test, cfg("release/1.x", shaRelease, "failed", false)) },
		"recreate":       func() *tfCommand { return r.applyConfig(&test, cfg("release/1.x", shaRelease, "failed", false), false) },
		"import-id-apply": func() *tfCommand {
			return r.importThenApply(&imported, "acme/app:3", nil, cfg("main", shaOld, "failed", false))
		},
	}
	cli := cliUnderTest{family: "terraform", version: "1.16.0"}
	for _, step := range cliSequenceSteps {
		op, ok := ops[step.name]
		if !ok {
			continue // an operation the matrix does not run
		}
		calls.sequence()
		if cmd := op(); cmd.failed() {
			t.Fatalf("%s failed: %v %v", step.name, cmd.planDiags, cmd.applyDiags)
		}
		want := decidingCalls(readGolden(t, filepath.Join(cli.dir(), step.name+".json")))
		if diff := diffSequences(want, decidingCalls(calls.sequence())); diff != "" {
			t.Errorf("%s: the matrix's model calls the provider differently from %s %s: %s", step.name, cli.family, cli.version, diff)
		}
	}
}

// decidingCalls are the reads, plans, applies and imports of calls, without the marks of a new
// process (the model starts as many, but not at the same calls, as it skips validation walks).
func decidingCalls(calls []recordedCall) []recordedCall {
	var out []recordedCall
	for _, c := range calls {
		switch c.Method {
		case "ValidateResourceConfig", "UpgradeResourceState":
			continue
		}
		c.NewProcess = false
		out = append(out, c)
	}
	return out
}
