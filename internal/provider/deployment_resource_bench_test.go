package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// The deployment resource's protocol calls, in process, as Terraform makes them for one resource
// of a plan: what the provider costs per resource without Terraform around it. make bench runs
// these beside its terraform plan figures; run them alone with
//
//	go test ./internal/provider -run '^$' -bench BenchmarkDeploymentResource -benchmem

// BenchmarkDeploymentResource_planNoChange is one resource of `terraform plan -refresh=false`
// with nothing to change: UpgradeResourceState, ValidateResourceConfig, PlanResourceChange.
func BenchmarkDeploymentResource_planNoChange(b *testing.B) {
	h := newResourceBench(b)
	for b.Loop() {
		state := h.upgrade(b)
		h.validate(b)
		h.plan(b, state)
	}
}

// BenchmarkDeploymentResource_refreshAndPlanNoChange is one resource of `terraform plan`:
// the same calls plus ReadResource, which sends one request to the fake.
func BenchmarkDeploymentResource_refreshAndPlanNoChange(b *testing.B) {
	h := newResourceBench(b)
	for b.Loop() {
		state := h.upgrade(b)
		state = h.read(b, state)
		h.validate(b)
		h.plan(b, state)
	}
}

// BenchmarkDeploymentResource_refreshAndPlanNoChangeWithIdentity is the same under a CLI that
// keeps identities (Terraform and OpenTofu 1.12 and later): Read gets the identity, which holds
// the project's id, and keeps it.
func BenchmarkDeploymentResource_refreshAndPlanNoChangeWithIdentity(b *testing.B) {
	h := newResourceBenchFor(b, "1.15.0")
	for b.Loop() {
		state := h.upgrade(b)
		state = h.read(b, state)
		h.validate(b)
		h.plan(b, state)
	}
}

// BenchmarkDeploymentResource_planCreate is one resource of the first `terraform plan`:
// ValidateResourceConfig and PlanResourceChange with no prior state.
func BenchmarkDeploymentResource_planCreate(b *testing.B) {
	h := newResourceBench(b)
	for b.Loop() {
		h.validate(b)
		h.planCreate(b)
	}
}

// BenchmarkDeploymentResource_unchangedRead is the end of Read for a deployment that GitLab did
// not change: sameValues finds the refreshed model equal to the prior state and nothing is set,
// where State.Set would convert the model back into the state it came from. make bench reports
// the difference, which the check saves on every refresh of an unchanged deployment.
func BenchmarkDeploymentResource_unchangedRead(b *testing.B) {
	h := newResourceBench(b)
	var schemaResp resource.SchemaResponse
	(&deploymentResource{}).Schema(h.ctx, resource.SchemaRequest{}, &schemaResp)
	raw, err := h.state.Unmarshal(h.typ)
	if err != nil {
		b.Fatal(err)
	}
	var prior deploymentResourceModel
	if diags := (tfsdk.State{Schema: schemaResp.Schema, Raw: raw}).Get(h.ctx, &prior); diags.HasError() {
		b.Fatal(diags)
	}
	b.Run("sameValues", func(b *testing.B) {
		for b.Loop() {
			refreshed := prior
			if !sameValues(prior, refreshed) {
				b.Fatal("a copy of the model differs from it")
			}
		}
	})
	b.Run("State.Set", func(b *testing.B) {
		for b.Loop() {
			state := tfsdk.State{Schema: schemaResp.Schema, Raw: raw}
			if diags := state.Set(h.ctx, &prior); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
}

// BenchmarkDeploymentResource_unchangedPlan is ModifyPlan for a deployment whose plan equals its
// state, as most of a plan's are: comparing the two raw values and stopping, where planChange
// would convert both into models, find nothing to do and set the plan again. make bench reports
// the difference.
func BenchmarkDeploymentResource_unchangedPlan(b *testing.B) {
	h := newResourceBench(b)
	var schemaResp resource.SchemaResponse
	(&deploymentResource{}).Schema(h.ctx, resource.SchemaRequest{}, &schemaResp)
	state, err := h.state.Unmarshal(h.typ)
	if err != nil {
		b.Fatal(err)
	}
	r := &deploymentResource{}
	request := func() (resource.ModifyPlanRequest, *resource.ModifyPlanResponse) {
		req := resource.ModifyPlanRequest{
			Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: h.configured},
			State:  tfsdk.State{Schema: schemaResp.Schema, Raw: state},
			Plan:   tfsdk.Plan{Schema: schemaResp.Schema, Raw: state},
		}
		return req, &resource.ModifyPlanResponse{Plan: req.Plan}
	}
	b.Run("ModifyPlan", func(b *testing.B) {
		for b.Loop() {
			req, resp := request()
			r.ModifyPlan(h.ctx, req, resp)
			if resp.Diagnostics.HasError() {
				b.Fatal(resp.Diagnostics)
			}
		}
	})
	// Outside the framework there is no private state: planChange's one write to it fails,
	// after all its work; the plan it sets must still equal the state.
	b.Run("planChange", func(b *testing.B) {
		for b.Loop() {
			req, resp := request()
			r.planChange(h.ctx, req, resp)
			if len(resp.RequiresReplace) > 0 || !resp.Plan.Raw.Equal(state) {
				b.Fatal(resp.Diagnostics, resp.RequiresReplace)
			}
		}
	})
}

// resourceBench is a configured provider server with one deployment created through it.
type resourceBench struct {
	ctx        context.Context
	server     tfprotov6.ProviderServer
	typ        tftypes.Type
	config     *tfprotov6.DynamicValue
	nullState  *tfprotov6.DynamicValue
	state      *tfprotov6.DynamicValue
	stateJSON  []byte
	configured tftypes.Value
	// identity is what a CLI that keeps identities hands Read; nil for one that does not.
	identity *tfprotov6.ResourceIdentityData
}

const benchResourceType = "gitlabdeploy_deployment"

func newResourceBench(b *testing.B) *resourceBench {
	b.Helper()
	return newResourceBenchFor(b, "1.11.4")
}

// newResourceBenchFor is a resource bench under a CLI of version cliVersion.
func newResourceBenchFor(b *testing.B, cliVersion string) *resourceBench {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "basic.json"))
	if err != nil {
		b.Fatal(err)
	}
	seed, err := fakegitlab.ParseSeed(data)
	if err != nil {
		b.Fatal(err)
	}
	srv := fakegitlab.NewTestServer(b, seed, fakegitlab.Options{})
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("bench")())()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	h := &resourceBench{ctx: ctx, server: server, typ: schemas.ResourceSchemas[benchResourceType].ValueType()}

	providerType := schemas.Provider.ValueType()
	providerConfig := objectWith(b, providerType, map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, srv.URL()),
		"token":    tftypes.NewValue(tftypes.String, tokenMaintainer),
	})
	configure, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: cliVersion, Config: dynamic(b, providerType, providerConfig),
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "ConfigureProvider", configure.Diagnostics)

	h.configured = objectWith(b, h.typ, map[string]tftypes.Value{
		"project":     tftypes.NewValue(tftypes.String, "acme/app"),
		"environment": tftypes.NewValue(tftypes.String, "bench"),
		"ref":         tftypes.NewValue(tftypes.String, "main"),
		"sha":         tftypes.NewValue(tftypes.String, shaMain),
		"status":      tftypes.NewValue(tftypes.String, "running"),
		"on_destroy":  tftypes.NewValue(tftypes.String, "delete"),
	})
	h.config = dynamic(b, h.typ, h.configured)
	h.nullState = dynamic(b, h.typ, tftypes.NewValue(h.typ, nil))

	planned := h.planCreate(b)
	applied, err := server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: benchResourceType, PriorState: h.nullState, PlannedState: planned, Config: h.config,
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "ApplyResourceChange", applied.Diagnostics)
	h.state = applied.NewState
	if keepsIdentities(cliVersion) {
		h.identity = applied.NewIdentity
	}
	stateValue, err := applied.NewState.Unmarshal(h.typ)
	if err != nil {
		b.Fatal(err)
	}
	if h.stateJSON, err = json.Marshal(jsonValue(b, stateValue)); err != nil {
		b.Fatal(err)
	}
	return h
}

func (h *resourceBench) upgrade(b *testing.B) *tfprotov6.DynamicValue {
	resp, err := h.server.UpgradeResourceState(h.ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: benchResourceType, Version: 0, RawState: &tfprotov6.RawState{JSON: h.stateJSON},
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "UpgradeResourceState", resp.Diagnostics)
	return resp.UpgradedState
}

func (h *resourceBench) read(b *testing.B, state *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
	resp, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{
		TypeName: benchResourceType, CurrentState: state, CurrentIdentity: h.identity,
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "ReadResource", resp.Diagnostics)
	return resp.NewState
}

func (h *resourceBench) validate(b *testing.B) {
	resp, err := h.server.ValidateResourceConfig(h.ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: benchResourceType, Config: h.config})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "ValidateResourceConfig", resp.Diagnostics)
}

// plan plans the configuration against state; Terraform's proposed new state for an unchanged
// configuration is the prior state.
func (h *resourceBench) plan(b *testing.B, state *tfprotov6.DynamicValue) {
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: benchResourceType, PriorState: state, ProposedNewState: state, Config: h.config,
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "PlanResourceChange", resp.Diagnostics)
	if len(resp.RequiresReplace) > 0 {
		b.Fatalf("PlanResourceChange of an unchanged configuration requires replacement of %v", resp.RequiresReplace)
	}
}

func (h *resourceBench) planCreate(b *testing.B) *tfprotov6.DynamicValue {
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: benchResourceType, PriorState: h.nullState, ProposedNewState: h.config, Config: h.config,
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "PlanResourceChange", resp.Diagnostics)
	return resp.PlannedState
}

// objectWith is a null-filled object of typ with the given attributes set.
func objectWith(b testing.TB, typ tftypes.Type, set map[string]tftypes.Value) tftypes.Value {
	b.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		b.Fatalf("%s is not an object type", typ)
	}
	values := map[string]tftypes.Value{}
	for name, t := range obj.AttributeTypes {
		values[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range set {
		if _, ok := values[name]; !ok {
			b.Fatalf("the schema has no attribute %q", name)
		}
		values[name] = v
	}
	return tftypes.NewValue(typ, values)
}

func dynamic(b testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	b.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		b.Fatal(err)
	}
	return &dv
}

// jsonValue turns a state value into what encoding/json writes as Terraform's state JSON.
func jsonValue(b testing.TB, v tftypes.Value) any {
	b.Helper()
	if v.IsNull() {
		return nil
	}
	switch t := v.Type(); {
	case t.Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case t.Is(tftypes.Bool):
		var x bool
		_ = v.As(&x)
		return x
	case t.Is(tftypes.Number):
		var n big.Float
		_ = v.As(&n)
		return json.Number(n.Text('f', -1))
	case t.Is(tftypes.Object{}):
		var attrs map[string]tftypes.Value
		_ = v.As(&attrs)
		out := make(map[string]any, len(attrs))
		for name, a := range attrs {
			out[name] = jsonValue(b, a)
		}
		return out
	case t.Is(tftypes.List{}), t.Is(tftypes.Set{}):
		var elems []tftypes.Value
		_ = v.As(&elems)
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = jsonValue(b, e)
		}
		return out
	}
	b.Fatalf("jsonValue: unexpected type %s", v.Type())
	return nil
}

func checkDiags(b testing.TB, call string, diags []*tfprotov6.Diagnostic) {
	b.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			b.Fatalf("%s: %s: %s", call, d.Summary, d.Detail)
		}
	}
}
