package provider

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Protocol-level tests of the gitlabdeploy_deployment list resource, as Terraform >= 1.14 calls
// it for terraform query: they run on every make test, whatever CLI is installed.

const listType = "gitlabdeploy_deployment"

// deploymentReadPath is the path of one deployment's read.
var deploymentReadPath = regexp.MustCompile(`/deployments/[0-9]+$`)

// listConfig is a list block's configuration with the given string filters.
func (h *protocolHarness) listConfig(filters map[string]string) *tfprotov6.DynamicValue {
	typ := h.schemas.ListResourceSchemas[listType].ValueType()
	values := map[string]tftypes.Value{}
	for name, v := range filters {
		values[name] = tftypes.NewValue(tftypes.String, v)
	}
	return dynamic(h.t, typ, objectWith(h.t, typ, values))
}

// list runs a query and collects its results.
func (h *protocolHarness) list(filters map[string]string, includeResource bool, limit int64) []tfprotov6.ListResourceResult {
	h.t.Helper()
	stream, err := h.listServer().ListResource(h.ctx, &tfprotov6.ListResourceRequest{
		TypeName: listType, Config: h.listConfig(filters), IncludeResource: includeResource, Limit: limit,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return slices.Collect(stream.Results)
}

func (h *protocolHarness) validateList(filters map[string]string) []*tfprotov6.Diagnostic {
	h.t.Helper()
	resp, err := h.listServer().ValidateListResourceConfig(h.ctx, &tfprotov6.ValidateListResourceConfigRequest{
		TypeName: listType, Config: h.listConfig(filters),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.Diagnostics
}

func (h *protocolHarness) listServer() tfprotov6.ListResourceServer {
	s, ok := h.server.(tfprotov6.ListResourceServer)
	if !ok {
		h.t.Fatalf("the provider server %T serves no list resources", h.server)
	}
	return s
}

func resultErrors(results []tfprotov6.ListResourceResult) []*tfprotov6.Diagnostic {
	var diags []*tfprotov6.Diagnostic
	for _, r := range results {
		for _, d := range r.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				diags = append(diags, d)
			}
		}
	}
	return diags
}

// TestProtocolList_schema: the list resource is offered under the resource's name, with the data
// source's filters and nothing else.
func TestProtocolList_schema(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	schema := h.schemas.ListResourceSchemas[listType]
	if schema == nil {
		t.Fatalf("GetProviderSchema offers no list resource %s; it offers %v", listType, h.schemas.ListResourceSchemas)
	}
	var names []string
	for _, a := range schema.Block.Attributes {
		names = append(names, a.Name)
		if a.Name == "project" && !a.Required {
			t.Errorf("project is not required")
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(deploymentFilterNames))
	if !slices.Equal(names, want) {
		t.Errorf("list resource attributes = %v, want %v", names, want)
	}
}

// TestProtocolList_identitiesAndDisplayNames lists acme/app's staging deployments, newest
// first: each result names the deployment as terraform query shows it and carries its identity;
// without include_resource, one project lookup and one page, nothing per deployment.
func TestProtocolList_identitiesAndDisplayNames(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	results := h.list(map[string]string{"project": "acme/app", "environment": "staging", "sort": "desc"}, false, 100)
	if errs := resultErrors(results); len(errs) > 0 {
		t.Fatalf("errors: %s", diagText(errs))
	}
	var names []string
	for _, r := range results {
		names = append(names, r.DisplayName)
		if r.Resource != nil {
			t.Errorf("%s: a resource without include_resource", r.DisplayName)
		}
	}
	want := []string{"#4 staging running main@a91957a8", "#3 staging failed main@01234567", "#2 staging success main@a91957a8"}
	if !slices.Equal(names, want) {
		t.Errorf("display names = %q, want %q", names, want)
	}
	if got := h.identityNumbers("gitlabdeploy_deployment", results[0].Identity); got["project_id"] != 1 || got["deployment_id"] != 4 {
		t.Errorf("identity of %s = %v, want project_id 1, deployment_id 4", results[0].DisplayName, got)
	}
	h.expectRequests("listing without resources", map[string]int{routeProject: 1, routeList: 1})
}

// TestProtocolList_includeResource fills the resource as an import would read it: the project as
// GitLab names it, approvals, whether the ref is a tag (asked once per ref), and no status for a
// deployment created by GitLab CI.
func TestProtocolList_includeResource(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	results := h.list(map[string]string{"project": "1"}, true, 100)
	if errs := resultErrors(results); len(errs) > 0 {
		t.Fatalf("errors: %s", diagText(errs))
	}
	if len(results) != 5 {
		t.Fatalf("%d results, want the 5 seeded deployments", len(results))
	}
	typ := h.stateType("gitlabdeploy_deployment")
	byID := map[int64]tftypes.Value{}
	for _, r := range results {
		state := h.unmarshal(r.Resource, typ)
		byID[numbers(t, state)["deployment_id"]] = state
	}
	for id, want := range map[int64]struct{ project, status string }{
		1: {"acme/app", "success"},
		2: {"acme/app", "success"},
		4: {"acme/app", ""}, // CI-created: the pipeline drives its status
	} {
		state := byID[id]
		if got := stringAttr(t, state, "project"); got != want.project {
			t.Errorf("deployment %d: project = %q, want %q", id, got, want.project)
		}
		if got := stringAttr(t, state, "status"); got != want.status {
			t.Errorf("deployment %d: status = %q, want %q", id, got, want.status)
		}
		if got := stringAttr(t, state, "on_destroy"); got != "keep" {
			t.Errorf("deployment %d: on_destroy = %q, want keep", id, got)
		}
	}
	var tag bool
	var attrs map[string]tftypes.Value
	if err := byID[1].As(&attrs); err != nil {
		t.Fatal(err)
	}
	if err := attrs["tag"].As(&tag); err != nil || !tag {
		t.Errorf("deployment 1 (of tag v1.0.0): tag = %v (%v), want true", tag, err)
	}
	// One lookup, one page, a read per deployment, and a tag lookup for each ref of the
	// deployments made through the API (v1.0.0 and main; CI jobs say it themselves).
	h.expectRequests("listing with resources", map[string]int{routeProject: 1, routeList: 1, routeGet: 5, routeTag: 2})
}

// TestProtocolList_stopEarly: include_resource reads at most listReadAhead deployments ahead of
// the results Terraform has taken (DESIGN.md §B3), and when Terraform stops reading after the
// first result, no further read is sent (item 12 of issue 18).
func TestProtocolList_stopEarly(t *testing.T) {
	t.Parallel()
	var reads atomic.Int32
	aheadFull := make(chan struct{})
	fake := fakegitlab.NewTestServer(t, manyDeploymentsSeed(60), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodGet && deploymentReadPath.MatchString(r.URL.Path) && reads.Add(1) == listReadAhead {
			close(aheadFull)
		}
		return fakegitlab.FaultNone
	}})
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	stream, err := h.listServer().ListResource(h.ctx, &tfprotov6.ListResourceRequest{
		TypeName: listType, Config: h.listConfig(map[string]string{"project": "acme/app"}), IncludeResource: true, Limit: 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	for r := range stream.Results {
		if len(r.Diagnostics) > 0 || r.Resource == nil {
			t.Errorf("first result: %s, resource %v", diagText(r.Diagnostics), r.Resource)
		}
		// Holding the first result, the stream has read ahead all it may; then Terraform stops.
		<-aheadFull
		break
	}
	if n := reads.Load(); n > listReadAhead {
		t.Errorf("%d deployments read with one result taken, want at most %d ahead of it", n, listReadAhead)
	}
}

// TestProtocolList_limitWithOnePage: five results of 250 deployments take one page request
// of five.
func TestProtocolList_limitWithOnePage(t *testing.T) {
	t.Parallel()
	fake := fakegitlab.NewTestServer(t, manyDeploymentsSeed(250), fakegitlab.Options{})
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	results := h.list(map[string]string{"project": "acme/app"}, false, 5)
	if len(results) != 5 {
		t.Fatalf("%d results, want 5", len(results))
	}
	h.expectRequests("listing 5 of 250", map[string]int{routeProject: 1, routeList: 1})
	if got := h.list(map[string]string{"project": "acme/app"}, false, 150); len(got) != 150 {
		t.Errorf("%d results, want 150", len(got))
	}
	h.expectRequests("listing 150 of 250 (the project known already)", map[string]int{routeList: 2})
}

// TestProtocolList_pairingRefusedBeforeAnyRequest: a filter pairing GitLab refuses fails
// validation and the query, naming the fix, without a request.
func TestProtocolList_pairingRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	filters := map[string]string{"project": "acme/app", "updated_after": "2026-01-01T00:00:00Z"}
	if diags := h.validateList(filters); !hasError(diags, "Deployment Filter Needs Matching Order", `order_by = "updated_at"`) {
		t.Errorf("validation diagnostics = %s, want the updated_at pairing rule", diagText(diags))
	}
	results := h.list(filters, false, 100)
	if errs := resultErrors(results); !hasError(errs, "Deployment Filter Needs Matching Order", `order_by = "updated_at"`) {
		t.Errorf("query diagnostics = %s, want the updated_at pairing rule", diagText(errs))
	}
	h.expectRequests("a refused pairing", nil)
}

// TestProtocolList_jobTokenNeedsNumericProject: GitLab does not show a project to a CI job
// token, so a query by path fails naming the fix, and a query by numeric id works.
func TestProtocolList_jobTokenNeedsNumericProject(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, jobTokenApp)
	byPath := h.list(map[string]string{"project": "acme/app"}, false, 100)
	if errs := resultErrors(byPath); !hasError(errs, "Unable to Learn the Project's Numeric ID", "numeric id") {
		t.Errorf("diagnostics = %s, want the project id error", diagText(errs))
	}
	byID := h.list(map[string]string{"project": "1", "environment": "production"}, false, 100)
	if errs := resultErrors(byID); len(errs) > 0 || len(byID) != 2 {
		t.Errorf("%d results, errors %s; want production's 2 deployments", len(byID), diagText(errs))
	}
}

// Item 9 of issue 18: a failed project lookup names its true cause; only a job token is told
// that GitLab does not show it projects.
func TestProtocolList_projectLookupNamesTrueCause(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenDeveloper)
	errs := resultErrors(h.list(map[string]string{"project": "acme/nope"}, false, 100))
	if !hasError(errs, "Unable to Learn the Project's Numeric ID", "GitLab shows no such project") || strings.Contains(diagText(errs), "job token") {
		t.Errorf("misspelt project: diagnostics = %s, want GitLab's 404 for the project, no job token", diagText(errs))
	}
	fake := startFake(t, "basic.json")
	wrongPath := newProtocolHarnessAt(t, fake, fake.URL()+"/gitlab", tokenDeveloper, "1.15.0")
	errs = resultErrors(wrongPath.list(map[string]string{"project": "acme/app"}, false, 100))
	if !hasError(errs, "Unable to Learn the Project's Numeric ID", `"base_url"`) || strings.Contains(diagText(errs), "job token") {
		t.Errorf("wrong base_url: diagnostics = %s, want base_url named, no job token", diagText(errs))
	}
}
