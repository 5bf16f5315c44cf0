package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
)

// planData reads a data source in process as terraform plan does: the validation walk calls
// ValidateDataResourceConfig on an unconfigured provider, then the plan walk, on a configured
// provider process, validates the configuration again and calls ReadDataSource; the CLI refuses
// a null or partly unknown answer. The result's planned value is what the data source read
// (null when it failed).
func (h *protocolHarness) planData(typeName string, cfg resourceArgs) *lifecycleResult {
	h.t.Helper()
	schema, ok := h.schemas.DataSourceSchemas[typeName]
	if !ok {
		h.t.Fatalf("the provider has no data source %s", typeName)
	}
	typ := schema.ValueType()
	res := &lifecycleResult{planned: tftypes.NewValue(typ, nil)}
	config := dynamic(h.t, typ, dataConfigValue(h.t, typeName, typ, cfg))
	validate := func(server tfprotov6.ProviderServer) bool {
		resp, err := server.ValidateDataResourceConfig(h.ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: typeName, Config: config})
		if err != nil {
			h.t.Fatal(err)
		}
		return res.add("ValidateDataResourceConfig", resp.Diagnostics)
	}
	if !validate(h.startProvider(false)) {
		return res
	}
	server := h.startProvider(true)
	if !validate(server) {
		return res
	}
	resp, err := server.ReadDataSource(h.ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: config})
	if err != nil {
		h.t.Fatal(err)
	}
	if !res.add("ReadDataSource", resp.Diagnostics) {
		return res
	}
	read := h.unmarshal(resp.State, typ)
	switch {
	case read.IsNull():
		res.addError("ReadDataSource", "Provider produced null object", typeName+" read null")
	case !read.IsFullyKnown():
		res.addError("ReadDataSource", "Provider produced invalid object", typeName+" read a value that is not wholly known")
	default:
		res.planned = read
		res.action = "read"
	}
	return res
}

func dataConfigValue(t *testing.T, typeName string, typ tftypes.Type, cfg resourceArgs) tftypes.Value {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s: not an object type", typeName)
	}
	set := map[string]tftypes.Value{}
	for name, v := range cfg {
		attrType, ok := obj.AttributeTypes[name]
		if !ok {
			t.Fatalf("%s has no attribute %q", typeName, name)
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
	return objectWith(t, obj, set)
}

// planDataOK reads a data source that must read without error, then runs checks on its
// attributes as statecheck.ExpectKnownValue does on Terraform's state, and answers the value.
func (h *protocolHarness) planDataOK(typeName string, cfg resourceArgs, checks map[string]knownvalue.Check) tftypes.Value {
	h.t.Helper()
	res := h.planData(typeName, cfg)
	if res.failed != "" {
		h.t.Fatalf("reading %s %v failed at %s:\n%s", typeName, cfg, res.failed, res.errorText())
	}
	checkValue(h.t, fmt.Sprintf("%s %v", typeName, cfg), res.planned, checks)
	return res.planned
}

// checkValue runs knownvalue checks on attributes of an object value.
func checkValue(t *testing.T, what string, v tftypes.Value, checks map[string]knownvalue.Check) {
	t.Helper()
	attrs := attrsOfValue(v)
	for name, check := range checks {
		a, ok := attrs[name]
		if !ok {
			t.Errorf("%s has no %s", what, name)
			continue
		}
		if err := check.CheckValue(jsonValue(t, a)); err != nil {
			t.Errorf("%s: %s: %v", what, name, err)
		}
	}
}

// TestPlanData_stopsAtValidation: the harness's read stops at a validation error before any
// request, as terraform plan does.
func TestPlanData_stopsAtValidation(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenReporter)
	res := h.planData("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 0})
	if res.failed != "ValidateDataResourceConfig" {
		t.Fatalf("failed at %q, want ValidateDataResourceConfig:\n%s", res.failed, res.errorText())
	}
	if got := h.requests(); len(got) != 0 {
		t.Errorf("requests after a refused configuration: %v", got)
	}
}

// providerBlock sets the provider block of later provider processes to args (the others null),
// and env as their environment.
func (h *protocolHarness) providerBlock(env map[string]string, args resourceArgs) {
	h.t.Helper()
	h.env = env
	h.providerConfig = dynamic(h.t, h.schemas.Provider.ValueType(), dataConfigValue(h.t, "the provider", h.schemas.Provider.ValueType(), args))
}

// configureProvider configures the provider as terraform plan does before any resource: the
// validation walk calls ValidateProviderConfig on an unconfigured provider, the plan walk
// ValidateProviderConfig and ConfigureProvider.
func (h *protocolHarness) configureProvider() *lifecycleResult {
	h.t.Helper()
	res := &lifecycleResult{}
	validate := func(server tfprotov6.ProviderServer) bool {
		resp, err := server.ValidateProviderConfig(h.ctx, &tfprotov6.ValidateProviderConfigRequest{Config: h.providerConfig})
		if err != nil {
			h.t.Fatal(err)
		}
		return res.add("ValidateProviderConfig", resp.Diagnostics)
	}
	if !validate(h.startProvider(false)) {
		return res
	}
	server := h.startProvider(false)
	if !validate(server) {
		return res
	}
	resp, err := server.ConfigureProvider(h.ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: h.cli.version, Config: h.providerConfig})
	if err != nil {
		h.t.Fatal(err)
	}
	res.add("ConfigureProvider", resp.Diagnostics)
	return res
}
