package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// recordedCall is what one resource call of the provider protocol carried, summed up so that a
// run under the real CLI and a run of the in-process harness (protocol_harness_test.go) compare
// equal when they make the same calls with the same kinds of values: which values are null,
// which attributes differ or are unknown, which private state keys and identities travel.
// Values themselves (ids, timestamps) are left out: they differ from run to run.
type recordedCall struct {
	Method string `json:"method"`
	Type   string `json:"type"`
	// NewProcess marks the first resource call a provider process (a provider server) answers.
	NewProcess bool `json:"new_process,omitempty"`
	// Request.
	ImportBy        string   `json:"import_by,omitempty"` // "id" or "identity"
	Config          string   `json:"config,omitempty"`    // "null" or "object"
	ConfigUnknown   []string `json:"config_unknown,omitempty"`
	Prior           string   `json:"prior,omitempty"`
	PriorPrivate    string   `json:"prior_private,omitempty"`
	PriorIdentity   string   `json:"prior_identity,omitempty"`
	Proposed        string   `json:"proposed,omitempty"`
	ProposedChange  []string `json:"proposed_changes,omitempty"` // attributes the proposed value changes from the prior one
	Planned         string   `json:"planned,omitempty"`
	PlannedPrivate  string   `json:"planned_private,omitempty"`
	PlannedChange   []string `json:"planned_changes,omitempty"` // attributes the planned value changes from the prior one
	PlannedUnknown  []string `json:"planned_unknown,omitempty"`
	PlannedIdentity string   `json:"planned_identity,omitempty"`
	// Response.
	RespPlanned        string   `json:"resp_planned,omitempty"`
	RespPlannedUnknown []string `json:"resp_planned_unknown,omitempty"`
	RespPrivate        string   `json:"resp_private,omitempty"`
	RespNew            string   `json:"resp_new,omitempty"`
	RespIdentity       string   `json:"resp_identity,omitempty"`
	RequiresReplace    []string `json:"requires_replace,omitempty"`
	Errors             []string `json:"errors,omitempty"`
}

// callRecorder is a provider server that records its resource calls.
type callRecorder struct {
	tfprotov6.ProviderServer
	mu      sync.Mutex
	types   map[string]tftypes.Type
	calls   []recordedCall
	onCall  func(recordedCall) // also called with each call, when set
	started bool               // a call was recorded since the server started
}

func newCallRecorder(inner tfprotov6.ProviderServer) *callRecorder {
	return &callRecorder{ProviderServer: inner}
}

// restart puts server in place of the recorded one, as a new provider process.
func (r *callRecorder) restart(server tfprotov6.ProviderServer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ProviderServer = server
	r.started = false
}

// sequence is the calls recorded so far, and forgets them.
func (r *callRecorder) sequence() []recordedCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

func (r *callRecorder) record(c recordedCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.NewProcess = !r.started
	r.started = true
	r.calls = append(r.calls, c)
	if r.onCall != nil {
		r.onCall(c)
	}
}

func (r *callRecorder) typeOf(ctx context.Context, typeName string) tftypes.Type {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.types == nil {
		r.types = map[string]tftypes.Type{}
		schemas, err := r.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if err == nil {
			for name, s := range schemas.ResourceSchemas {
				r.types[name] = s.ValueType()
			}
		}
	}
	return r.types[typeName]
}

func (r *callRecorder) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	resp, err := r.ProviderServer.ValidateResourceConfig(ctx, req)
	typ := r.typeOf(ctx, req.TypeName)
	config := decodeValue(req.Config, typ)
	c := recordedCall{Method: "ValidateResourceConfig", Type: req.TypeName, Config: nullness(config), ConfigUnknown: unknownAttrs(config)}
	if resp != nil {
		c.Errors = errorSummaries(resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp, err := r.ProviderServer.UpgradeResourceState(ctx, req)
	c := recordedCall{Method: "UpgradeResourceState", Type: req.TypeName, Prior: "none"}
	if req.RawState != nil && (len(req.RawState.JSON) > 0 || len(req.RawState.Flatmap) > 0) {
		c.Prior = "raw"
	}
	if resp != nil {
		c.RespNew = nullness(decodeValue(resp.UpgradedState, r.typeOf(ctx, req.TypeName)))
		c.Errors = errorSummaries(resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := r.ProviderServer.ReadResource(ctx, req)
	typ := r.typeOf(ctx, req.TypeName)
	prior := decodeValue(req.CurrentState, typ)
	c := recordedCall{
		Method: "ReadResource", Type: req.TypeName,
		Prior: nullness(prior), PriorPrivate: privateKeys(req.Private), PriorIdentity: identityPresence(req.CurrentIdentity),
	}
	if resp != nil {
		c.newState(decodeValue(resp.NewState, typ), resp.Private, resp.NewIdentity, resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := r.ProviderServer.PlanResourceChange(ctx, req)
	typ := r.typeOf(ctx, req.TypeName)
	prior, proposed, config := decodeValue(req.PriorState, typ), decodeValue(req.ProposedNewState, typ), decodeValue(req.Config, typ)
	c := recordedCall{
		Method: "PlanResourceChange", Type: req.TypeName,
		Config: nullness(config), ConfigUnknown: unknownAttrs(config),
		Prior: nullness(prior), PriorPrivate: privateKeys(req.PriorPrivate), PriorIdentity: identityPresence(req.PriorIdentity),
		Proposed: nullness(proposed), ProposedChange: changedAttrs(prior, proposed),
	}
	if resp != nil {
		planned := decodeValue(resp.PlannedState, typ)
		c.RespPlanned = nullness(planned)
		c.RespPlannedUnknown = unknownAttrs(planned)
		c.RespPrivate = privateKeys(resp.PlannedPrivate)
		c.RespIdentity = identityPresence(resp.PlannedIdentity)
		c.PlannedChange = changedAttrs(prior, planned)
		for _, p := range resp.RequiresReplace {
			c.RequiresReplace = append(c.RequiresReplace, p.String())
		}
		sort.Strings(c.RequiresReplace)
		c.Errors = errorSummaries(resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := r.ProviderServer.ApplyResourceChange(ctx, req)
	typ := r.typeOf(ctx, req.TypeName)
	prior, planned, config := decodeValue(req.PriorState, typ), decodeValue(req.PlannedState, typ), decodeValue(req.Config, typ)
	c := recordedCall{
		Method: "ApplyResourceChange", Type: req.TypeName,
		Config: nullness(config), Prior: nullness(prior),
		Planned: nullness(planned), PlannedPrivate: privateKeys(req.PlannedPrivate), PlannedChange: changedAttrs(prior, planned),
		PlannedUnknown: unknownAttrs(planned), PlannedIdentity: identityPresence(req.PlannedIdentity),
	}
	if resp != nil {
		c.newState(decodeValue(resp.NewState, typ), resp.Private, resp.NewIdentity, resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp, err := r.ProviderServer.ImportResourceState(ctx, req)
	c := recordedCall{Method: "ImportResourceState", Type: req.TypeName, ImportBy: "id"}
	if req.ID == "" && req.Identity != nil {
		c.ImportBy = "identity"
	}
	if resp != nil {
		var states, privates, identities []string
		for _, res := range resp.ImportedResources {
			states = append(states, nullness(decodeValue(res.State, r.typeOf(ctx, res.TypeName))))
			privates = append(privates, privateKeys(res.Private))
			identities = append(identities, identityPresence(res.Identity))
		}
		c.RespNew, c.RespPrivate, c.RespIdentity = strings.Join(states, ","), strings.Join(privates, ","), strings.Join(identities, ",")
		c.Errors = errorSummaries(resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

func (r *callRecorder) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	resp, err := r.ProviderServer.UpgradeResourceIdentity(ctx, req)
	c := recordedCall{Method: "UpgradeResourceIdentity", Type: req.TypeName, PriorIdentity: "none"}
	if req.RawIdentity != nil && len(req.RawIdentity.JSON) > 0 {
		c.PriorIdentity = "raw"
	}
	if resp != nil {
		c.RespIdentity = identityPresence(resp.UpgradedIdentity)
		c.Errors = errorSummaries(resp.Diagnostics)
	}
	r.record(c)
	return resp, err
}

// newState sums up the state a ReadResource or ApplyResourceChange response gives back.
func (c *recordedCall) newState(state tftypes.Value, private []byte, identity *tfprotov6.ResourceIdentityData, diags []*tfprotov6.Diagnostic) {
	c.RespNew, c.RespPrivate, c.RespIdentity = nullness(state), privateKeys(private), identityPresence(identity)
	c.Errors = errorSummaries(diags)
}

// decodeValue is v as a value of typ; an unset value is a null one.
func decodeValue(v *tfprotov6.DynamicValue, typ tftypes.Type) tftypes.Value {
	if v == nil || typ == nil {
		return tftypes.NewValue(tftypes.DynamicPseudoType, nil)
	}
	value, err := v.Unmarshal(typ)
	if err != nil {
		return tftypes.NewValue(tftypes.String, "undecodable: "+err.Error())
	}
	return value
}

func nullness(v tftypes.Value) string {
	switch {
	case !v.IsKnown():
		return "unknown"
	case v.IsNull():
		return "null"
	}
	return "object"
}

// attrsOfValue is an object value's attributes, nil for a null or unknown one.
func attrsOfValue(v tftypes.Value) map[string]tftypes.Value {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return nil
	}
	return attrs
}

// unknownAttrs names the top-level attributes that are or hold an unknown value.
func unknownAttrs(v tftypes.Value) []string {
	var out []string
	for name, a := range attrsOfValue(v) {
		if !a.IsFullyKnown() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// changedAttrs names the top-level attributes whose values differ between two objects, both
// non-null.
func changedAttrs(before, after tftypes.Value) []string {
	b, a := attrsOfValue(before), attrsOfValue(after)
	if b == nil || a == nil {
		return nil
	}
	var out []string
	for name, av := range a {
		if !av.Equal(b[name]) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// privateKeys sums up a private state: "" when there is none, else its keys in braces.
func privateKeys(private []byte) string {
	if len(private) == 0 {
		return ""
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(private, &keys); err != nil {
		return "opaque"
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	return "{" + strings.Join(names, ",") + "}"
}

func identityPresence(id *tfprotov6.ResourceIdentityData) string {
	if id == nil || id.IdentityData == nil {
		return ""
	}
	return "set"
}

func errorSummaries(diags []*tfprotov6.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d.Summary)
		}
	}
	return slices.Compact(out)
}

// recordCallsEnv names a file to which a provider served to a real CLI (see servePlugin) appends
// its resource calls, one JSON object a line.
const recordCallsEnv = "GITLABDEPLOY_TEST_RECORD_CALLS"

// appendCallTo appends each call to the file at path.
func appendCallTo(path string) func(recordedCall) {
	return func(c recordedCall) {
		line, err := json.Marshal(c)
		if err != nil {
			panic(err)
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "recording calls:", err)
			return
		}
		defer f.Close()
		_, _ = f.Write(append(line, '\n'))
	}
}
