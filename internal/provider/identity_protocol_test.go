package provider

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// These tests call the provider server as Terraform >= 1.12 does, with identities, so that they
// run on every make test whatever CLI is installed.

// protocolHarness is a provider server configured against a fake GitLab.
type protocolHarness struct {
	t          *testing.T
	ctx        context.Context
	fake       *fakegitlab.Server
	server     tfprotov6.ProviderServer
	schemas    *tfprotov6.GetProviderSchemaResponse
	identities *tfprotov6.GetResourceIdentitySchemasResponse
	// calls is server, recording the calls made through it (the lifecycle's calls).
	calls *callRecorder
	// cli is the CLI the provider was configured as, with providerConfig.
	cli            cliUnderTest
	providerConfig *tfprotov6.DynamicValue
	// env stands in for the environment of later provider processes.
	env map[string]string
	// tune, when set, changes the options of later provider processes.
	tune func(*providerOptions)
}

func newProtocolHarness(t *testing.T, token string) *protocolHarness {
	t.Helper()
	fake := startFake(t, "basic.json")
	return newProtocolHarnessFor(t, fake, token)
}

func newProtocolHarnessFor(t *testing.T, fake *fakegitlab.Server, token string) *protocolHarness {
	t.Helper()
	return newProtocolHarnessWith(t, fake, token, "1.15.0")
}

// newProtocolHarnessWith is a provider server configured as a Terraform of version cliVersion
// does.
func newProtocolHarnessWith(t *testing.T, fake *fakegitlab.Server, token, cliVersion string) *protocolHarness {
	t.Helper()
	return newProtocolHarnessAs(t, fake, token, cliUnderTest{family: "terraform", version: cliVersion})
}

// newProtocolHarnessAt is newProtocolHarnessWith with base_url set to baseURL.
func newProtocolHarnessAt(t *testing.T, fake *fakegitlab.Server, baseURL, token, cliVersion string) *protocolHarness {
	t.Helper()
	h := newProtocolHarnessWith(t, fake, token, cliVersion)
	h.reconfigureURL(baseURL, token)
	h.configure(h.server)
	fake.ResetStats()
	return h
}

// newProtocolHarnessAs is a provider server configured as cli does.
func newProtocolHarnessAs(t *testing.T, fake *fakegitlab.Server, token string, cli cliUnderTest) *protocolHarness {
	t.Helper()
	h := &protocolHarness{t: t, ctx: context.Background(), fake: fake, cli: cli}
	h.server = h.startProvider(false)
	var err error
	if h.schemas, err = h.server.GetProviderSchema(h.ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	checkDiags(t, "GetProviderSchema", h.schemas.Diagnostics)
	if h.identities, err = h.server.GetResourceIdentitySchemas(h.ctx, &tfprotov6.GetResourceIdentitySchemasRequest{}); err != nil {
		t.Fatal(err)
	}
	checkDiags(t, "GetResourceIdentitySchemas", h.identities.Diagnostics)
	h.reconfigure(fake, token)
	h.configure(h.server)
	h.calls = newCallRecorder(h.server)
	fake.ResetStats()
	return h
}

// reconfigure points the provider configuration of later provider processes at fake, with
// token.
func (h *protocolHarness) reconfigure(fake *fakegitlab.Server, token string) {
	h.t.Helper()
	h.reconfigureURL(fake.URL(), token)
}

// reconfigureURL points the provider configuration of later provider processes at baseURL, with
// token.
func (h *protocolHarness) reconfigureURL(baseURL, token string) {
	h.t.Helper()
	providerType := h.schemas.Provider.ValueType()
	credential := "token"
	if strings.HasSuffix(token, "-job-token") { // the seeds' CI job tokens
		credential = "job_token"
	}
	h.providerConfig = dynamic(h.t, providerType, objectWith(h.t, providerType, map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, baseURL),
		credential: tftypes.NewValue(tftypes.String, token),
	}))
}

// startProvider is a new provider server, as a new provider process is.
func (h *protocolHarness) startProvider(configured bool) tfprotov6.ProviderServer {
	h.t.Helper()
	opts := testProviderOptions(h.env)
	if h.tune != nil {
		h.tune(&opts)
	}
	server, err := providerserver.NewProtocol6WithError(newWithOptions("test", opts)())()
	if err != nil {
		h.t.Fatal(err)
	}
	if configured {
		h.configure(server)
	}
	return server
}

// configure configures server with the harness's provider configuration, as its CLI does.
func (h *protocolHarness) configure(server tfprotov6.ProviderServer) {
	h.t.Helper()
	configure, err := server.ConfigureProvider(h.ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: h.cli.version, Config: h.providerConfig,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	checkDiags(h.t, "ConfigureProvider", configure.Diagnostics)
}

func (h *protocolHarness) stateType(typeName string) tftypes.Type {
	return h.schemas.ResourceSchemas[typeName].ValueType()
}

func (h *protocolHarness) identityType(typeName string) tftypes.Type {
	return h.identities.IdentitySchemas[typeName].ValueType()
}

// identity is an identity of typeName with the given numbers; the others are null.
func (h *protocolHarness) identity(typeName string, ids map[string]int64) *tfprotov6.ResourceIdentityData {
	values := map[string]tftypes.Value{}
	for name, id := range ids {
		values[name] = tftypes.NewValue(tftypes.Number, id)
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: dynamic(h.t, h.identityType(typeName), objectWith(h.t, h.identityType(typeName), values))}
}

// identityNumbers reads an identity back: its set numbers by name (null ones are left out).
func (h *protocolHarness) identityNumbers(typeName string, data *tfprotov6.ResourceIdentityData) map[string]int64 {
	h.t.Helper()
	if data == nil || data.IdentityData == nil {
		h.t.Fatalf("%s: no identity", typeName)
	}
	return numbers(h.t, h.unmarshal(data.IdentityData, h.identityType(typeName)))
}

func (h *protocolHarness) unmarshal(v *tfprotov6.DynamicValue, typ tftypes.Type) tftypes.Value {
	h.t.Helper()
	value, err := v.Unmarshal(typ)
	if err != nil {
		h.t.Fatal(err)
	}
	return value
}

// numbers is the set number attributes of an object value, by name.
func numbers(t *testing.T, v tftypes.Value) map[string]int64 {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for name, a := range attrs {
		if a.IsNull() || !a.Type().Is(tftypes.Number) {
			continue
		}
		var n big.Float
		if err := a.As(&n); err != nil {
			t.Fatal(err)
		}
		out[name], _ = n.Int64()
	}
	return out
}

// stringAttr is a string attribute of an object value, "" when null.
func stringAttr(t *testing.T, v tftypes.Value, name string) string {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var s string
	if !attrs[name].IsNull() {
		if err := attrs[name].As(&s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (h *protocolHarness) importByIdentity(typeName string, identity *tfprotov6.ResourceIdentityData) *tfprotov6.ImportResourceStateResponse {
	h.t.Helper()
	resp, err := h.server.ImportResourceState(h.ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typeName, Identity: identity})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h *protocolHarness) importByID(typeName, id string) *tfprotov6.ImportResourceStateResponse {
	h.t.Helper()
	resp, err := h.server.ImportResourceState(h.ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typeName, ID: id})
	if err != nil {
		h.t.Fatal(err)
	}
	checkDiags(h.t, "ImportResourceState", resp.Diagnostics)
	return resp
}

func (h *protocolHarness) read(typeName string, state *tfprotov6.DynamicValue, identity *tfprotov6.ResourceIdentityData, private []byte) *tfprotov6.ReadResourceResponse {
	h.t.Helper()
	resp, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{
		TypeName: typeName, CurrentState: state, CurrentIdentity: identity, Private: private,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	checkDiags(h.t, "ReadResource", resp.Diagnostics)
	return resp
}

// requests is what the fake received since the last call, by route; it resets the counters.
func (h *protocolHarness) requests() map[string]int {
	got := h.fake.Stats().ByRoute
	h.fake.ResetStats()
	return got
}

func (h *protocolHarness) expectRequests(what string, want map[string]int) {
	h.t.Helper()
	requests{fake: h.fake, want: want, what: what}.expect(h.t)
}

// TestProtocolIdentity_schemas pins the identity schemas: numeric ids only, the project's
// included, so that they survive renames and transfers.
func TestProtocolIdentity_schemas(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	for typeName, want := range map[string]map[string]string{
		"gitlabdeploy_deployment":          {"project_id": "required", "deployment_id": "required"},
		"gitlabdeploy_deployment_approval": {"project_id": "required", "deployment_id": "required", "user_id": "required", "rule_id": "optional"},
	} {
		schema := h.identities.IdentitySchemas[typeName]
		if schema == nil {
			t.Errorf("%s has no identity schema", typeName)
			continue
		}
		got := map[string]string{}
		for _, a := range schema.IdentityAttributes {
			if !a.Type.Is(tftypes.Number) {
				t.Errorf("%s identity attribute %s is %s, want a number", typeName, a.Name, a.Type)
			}
			got[a.Name] = map[bool]string{true: "required", false: "optional"}[a.RequiredForImport]
		}
		if len(got) != len(want) {
			t.Errorf("%s identity attributes = %v, want %v", typeName, got, want)
		}
		for name, kind := range want {
			if got[name] != kind {
				t.Errorf("%s identity attribute %s is %q for import, want %q", typeName, name, got[name], kind)
			}
		}
	}
}

// TestProtocolIdentity_deploymentImportThenRefresh imports deployment 2 of acme/app (project id
// 1) by identity: the state names the project by its path, as configurations do, the identity
// stays, and the refresh that follows and the next one read only the deployment.
func TestProtocolIdentity_deploymentImportThenRefresh(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	const typeName = "gitlabdeploy_deployment"
	identity := h.identity(typeName, map[string]int64{"project_id": 1, "deployment_id": 2})

	imported := h.importByIdentity(typeName, identity)
	checkDiags(t, "ImportResourceState", imported.Diagnostics)
	if len(imported.ImportedResources) != 1 {
		t.Fatalf("imported %d resources, want 1", len(imported.ImportedResources))
	}
	res := imported.ImportedResources[0]
	state := h.unmarshal(res.State, h.stateType(typeName))
	if got := stringAttr(t, state, "project"); got != "acme/app" {
		t.Errorf("imported project = %q, want the path acme/app", got)
	}
	if got := stringAttr(t, state, "id"); got != "acme/app:2" {
		t.Errorf("imported id = %q, want acme/app:2", got)
	}
	h.expectRequests("importing by identity", map[string]int{routeProject: 1})

	read := h.read(typeName, res.State, res.Identity, res.Private)
	state = h.unmarshal(read.NewState, h.stateType(typeName))
	if got := stringAttr(t, state, "status"); got != "success" {
		t.Errorf("status after the import's refresh = %q, want success", got)
	}
	if got := h.identityNumbers(typeName, read.NewIdentity); got["project_id"] != 1 || got["deployment_id"] != 2 {
		t.Errorf("identity after refresh = %v, want project_id 1, deployment_id 2", got)
	}
	// The import's refresh learns "tag" from the repository's tags, once.
	h.expectRequests("refreshing after the import", map[string]int{routeGet: 1, routeTag: 1})

	read = h.read(typeName, read.NewState, read.NewIdentity, read.Private)
	h.expectRequests("refreshing with the identity", map[string]int{routeGet: 1})
	if got := h.identityNumbers(typeName, read.NewIdentity); got["project_id"] != 1 {
		t.Errorf("identity after the second refresh = %v, want project_id 1", got)
	}
}

// TestProtocolIdentity_stateWithoutIdentity reads a state written by a version without
// identities: the state comes back unchanged, with an identity, and the project given by path
// is looked up once per provider process, whatever the number of its deployments.
func TestProtocolIdentity_stateWithoutIdentity(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	const typeName = "gitlabdeploy_deployment"
	imported := h.importByID(typeName, "acme/app:2")
	read := h.read(typeName, imported.ImportedResources[0].State, nil, nil)
	old := read.NewState
	h.requests()

	for range 3 {
		again := h.read(typeName, old, nil, nil)
		if !h.unmarshal(again.NewState, h.stateType(typeName)).Equal(h.unmarshal(old, h.stateType(typeName))) {
			t.Errorf("reading a state without identity changed it")
		}
		if got := h.identityNumbers(typeName, again.NewIdentity); got["project_id"] != 1 || got["deployment_id"] != 2 {
			t.Errorf("identity = %v, want project_id 1, deployment_id 2", got)
		}
	}
	h.expectRequests("refreshing 3 times without identity", map[string]int{routeGet: 3})
}

// TestProtocolIdentity_projectByIDNeedsNoLookup: a deployment of a project given by numeric id
// has its identity without asking GitLab about the project.
func TestProtocolIdentity_projectByIDNeedsNoLookup(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	const typeName = "gitlabdeploy_deployment"
	imported := h.importByID(typeName, "1:2")
	read := h.read(typeName, imported.ImportedResources[0].State, nil, nil)
	if got := h.identityNumbers(typeName, read.NewIdentity); got["project_id"] != 1 || got["deployment_id"] != 2 {
		t.Errorf("identity = %v, want project_id 1, deployment_id 2", got)
	}
	if got := h.requests(); got[routeProject] != 0 {
		t.Errorf("a project given by id was looked up %d times", got[routeProject])
	}
}

// TestProtocolIdentity_invalidIdentity refuses an identity without a usable deployment id,
// naming the attribute, before any request.
func TestProtocolIdentity_invalidIdentity(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	resp := h.importByIdentity("gitlabdeploy_deployment", h.identity("gitlabdeploy_deployment", map[string]int64{"project_id": 1, "deployment_id": 0}))
	if !hasError(resp.Diagnostics, "Invalid Import Identity", "deployment_id") {
		t.Errorf("diagnostics = %v, want Invalid Import Identity naming deployment_id", diagText(resp.Diagnostics))
	}
	h.expectRequests("refusing an invalid identity", nil)
}

// TestProtocolIdentity_approvalImportThenRefresh imports dev's approval of deployment 5 by
// identity, after dev approved it.
func TestProtocolIdentity_approvalImportThenRefresh(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenDeveloper)
	decideAs(t, h.fake, tokenDeveloper, 5, "approved", "", "")
	const typeName = "gitlabdeploy_deployment_approval"
	identity := h.identity(typeName, map[string]int64{"project_id": 1, "deployment_id": 5, "user_id": 3})
	imported := h.importByIdentity(typeName, identity)
	checkDiags(t, "ImportResourceState", imported.Diagnostics)
	res := imported.ImportedResources[0]
	read := h.read(typeName, res.State, res.Identity, res.Private)
	state := h.unmarshal(read.NewState, h.stateType(typeName))
	if got := stringAttr(t, state, "status"); got != "approved" {
		t.Errorf("imported decision status = %q, want approved", got)
	}
	if got := stringAttr(t, state, "project"); got != "acme/app" {
		t.Errorf("imported project = %q, want acme/app", got)
	}
	got := h.identityNumbers(typeName, read.NewIdentity)
	if got["project_id"] != 1 || got["deployment_id"] != 5 || got["user_id"] != 3 {
		t.Errorf("identity = %v, want project_id 1, deployment_id 5, user_id 3", got)
	}
	if _, ok := got["rule_id"]; ok {
		t.Errorf("identity = %v, want no rule_id for a decision without represented_as", got)
	}
}

func hasError(diags []*tfprotov6.Diagnostic, summary, detailPart string) bool {
	return countDiags(diags, tfprotov6.DiagnosticSeverityError, summary, detailPart) > 0
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

// TestProtocolIdentity_jobTokenLeavesProjectIDNull: GitLab does not show projects to a CI job
// token, so the identity of a deployment of a project given by path keeps project_id null, with
// one warning per project and run that names the fix; a later run with an access token fills it
// in.
func TestProtocolIdentity_jobTokenLeavesProjectIDNull(t *testing.T) {
	t.Parallel()
	const typeName = "gitlabdeploy_deployment"
	h := newProtocolHarness(t, jobTokenApp)
	imported := h.importByID(typeName, "acme/app:2")
	first := h.read(typeName, imported.ImportedResources[0].State, nil, nil)
	if n := countDiags(first.Diagnostics, tfprotov6.DiagnosticSeverityWarning, "Unable to Learn the Project's Numeric ID", "numeric id"); n != 1 {
		t.Errorf("first read: %d project id warnings, want 1:\n%s", n, diagText(first.Diagnostics))
	}
	if got := h.identityNumbers(typeName, first.NewIdentity); got["deployment_id"] != 2 || len(got) != 1 {
		t.Errorf("identity = %v, want deployment_id 2 and no project_id", got)
	}
	h.requests()
	again := h.read(typeName, first.NewState, first.NewIdentity, first.Private)
	if len(again.Diagnostics) > 0 {
		t.Errorf("second read of the run: %s, want no diagnostics", diagText(again.Diagnostics))
	}
	h.expectRequests("a second read with the job token", map[string]int{routeGet: 1})

	later := newProtocolHarnessFor(t, h.fake, tokenMaintainer)
	filled := later.read(typeName, again.NewState, again.NewIdentity, again.Private)
	if got := later.identityNumbers(typeName, filled.NewIdentity); got["project_id"] != 1 || got["deployment_id"] != 2 {
		t.Errorf("identity after a run with an access token = %v, want project_id 1, deployment_id 2", got)
	}
}

func countDiags(diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity, summary, detailPart string) int {
	n := 0
	for _, d := range diags {
		if d.Severity == severity && d.Summary == summary && strings.Contains(d.Detail, detailPart) {
			n++
		}
	}
	return n
}

// TestProtocolIdentity_olderCLIAsksNothing: under a CLI that keeps no identities (Terraform
// 1.11), the provider looks no project up and warns about nothing; the identity it must still
// answer with names the deployment alone.
func TestProtocolIdentity_olderCLIAsksNothing(t *testing.T) {
	t.Parallel()
	const typeName = "gitlabdeploy_deployment"
	h := newProtocolHarnessWith(t, startFake(t, "basic.json"), tokenMaintainer, "1.11.4")
	imported := h.importByID(typeName, "acme/app:2")
	read := h.read(typeName, imported.ImportedResources[0].State, nil, nil)
	if len(read.Diagnostics) > 0 {
		t.Errorf("diagnostics: %s, want none", diagText(read.Diagnostics))
	}
	if got := h.identityNumbers(typeName, read.NewIdentity); got["deployment_id"] != 2 || len(got) != 1 {
		t.Errorf("identity = %v, want deployment_id 2 alone", got)
	}
	h.expectRequests("reading under Terraform 1.11", map[string]int{routeGet: 1, routeTag: 1})
}

// TestProtocolIdentity_approvalWithRule imports by identity the decision sam recorded for the
// security-team rule, not his other decision on the same deployment.
func TestProtocolIdentity_approvalWithRule(t *testing.T) {
	t.Parallel()
	h := newProtocolHarnessFor(t, startFake(t, approvalSeed), "sam-token")
	decideAs(t, h.fake, "sam-token", 1, "approved", "As maintainer.", "")
	decideAs(t, h.fake, "sam-token", 1, "approved", "As security.", "security")
	const typeName = "gitlabdeploy_deployment_approval"
	identity := h.identity(typeName, map[string]int64{"project_id": 1, "deployment_id": 1, "user_id": 5, "rule_id": ruleSecurityTeam})
	imported := h.importByIdentity(typeName, identity)
	checkDiags(t, "ImportResourceState", imported.Diagnostics)
	res := imported.ImportedResources[0]
	state := h.unmarshal(h.read(typeName, res.State, res.Identity, res.Private).NewState, h.stateType(typeName))
	if got := stringAttr(t, state, "comment"); got != "As security." {
		t.Errorf("imported decision's comment = %q, want the security-team decision's", got)
	}
	if got := stringAttr(t, state, "id"); got != fmt.Sprintf("acme/app:1:5:%d", ruleSecurityTeam) {
		t.Errorf("imported id = %q, want acme/app:1:5:%d", got, ruleSecurityTeam)
	}
}
