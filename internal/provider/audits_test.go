package provider

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Audit histories, as GitLab could hold them: a protected production environment whose one
// approval rule needs one Maintainer, deployments recorded by dora through the API, merge
// requests GitLab linked to the deployment that shipped them (only merged ones, A5), and
// decisions made through the API, so that GitLab's own rules (no approving one's own deployment
// unless the project allows it, A4) apply to them.
const (
	tokenDora  = "dora-token"  // dora, Maintainer: records every deployment
	tokenAlice = "alice-token" // alice, Maintainer
	tokenBob   = "bob-token"   // bob, Maintainer
)

// auditDeployment is one production deployment of an audit history.
type auditDeployment struct {
	finished      string   // RFC 3339
	mergeRequests []int64  // iids it shipped
	approvedBy    []string // tokens of those who approved it, in order
}

// auditProject is a project of an audit history.
type auditProject struct {
	id         int64
	path       string
	production []auditDeployment
}

// auditHistory starts a fake holding acme/app (id 1) with these production deployments (ids 1,
// 2, ... in order); see auditHistoryOf.
func auditHistory(t *testing.T, production []auditDeployment, opts fakegitlab.Options) *fakegitlab.Server {
	t.Helper()
	return auditHistoryOf(t, opts, auditProject{1, "acme/app", production})
}

// auditHistoryOf starts a fake holding these projects, each with its production deployments
// (global ids in order), a staging deployment that shipped every merge request first, and three
// merged merge requests: !1 by alice (merged by bob, labelled security), !2 by dev (merged by
// alice, docs), !3 by dev (merged by bob). Each project lets a deployer approve their own
// deployment, so that a self-approval is a history GitLab can hold.
func auditHistoryOf(t *testing.T, opts fakegitlab.Options, projects ...auditProject) *fakegitlab.Server {
	t.Helper()
	member := func(name string, level int) fakegitlab.SeedMember {
		return fakegitlab.SeedMember{Username: name, AccessLevel: level}
	}
	at := func(s string) fakegitlab.SeedTime {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return fakegitlab.At(v)
	}
	maintainers := 40
	seed := &fakegitlab.Seed{
		Users: []fakegitlab.SeedUser{
			{ID: 2, Username: "dora", Name: "Dora Deployer", Tokens: []string{tokenDora}},
			{ID: 3, Username: "alice", Name: "Alice Approver", Tokens: []string{tokenAlice}},
			{ID: 4, Username: "bob", Name: "Bob Builder", Tokens: []string{tokenBob}},
			{ID: 5, Username: "dev", Name: "Dave Developer", Tokens: []string{tokenDeveloper}},
		},
	}
	type approval struct {
		project, deployment int64
		token               string
	}
	var approvals []approval
	next := int64(1)
	for _, p := range projects {
		var deployments []fakegitlab.SeedDeployment
		for _, d := range p.production {
			deployments = append(deployments, fakegitlab.SeedDeployment{
				Environment: "production", Ref: "main", SHA: shaMain, Status: "success", User: "dora",
				MergeRequests: d.mergeRequests, CreatedAt: at(d.finished), UpdatedAt: at(d.finished), FinishedAt: at(d.finished),
			})
			for _, token := range d.approvedBy {
				approvals = append(approvals, approval{p.id, next, token})
			}
			next++
		}
		deployments = append(deployments, fakegitlab.SeedDeployment{
			Environment: "staging", Ref: "main", SHA: shaMain, Status: "success", User: "dora",
			MergeRequests: []int64{1, 2, 3}, FinishedAt: at("2025-12-31T00:00:00Z"),
		})
		next++
		seed.Projects = append(seed.Projects, fakegitlab.SeedProject{
			ID: p.id, PathWithNamespace: p.path, AllowPipelineTriggerApproveDeployment: true,
			Members:  []fakegitlab.SeedMember{member("dora", 40), member("alice", 40), member("bob", 40), member("dev", 30)},
			Branches: map[string]string{"main": shaMain},
			ProtectedEnvironments: []fakegitlab.SeedProtectedEnvironment{{
				Name: "production", DeployAccessLevels: []fakegitlab.SeedDeployAccessLevel{{AccessLevel: &maintainers}},
				ApprovalRules: []fakegitlab.SeedApprovalRule{{AccessLevel: &maintainers}},
			}},
			MergeRequests: []fakegitlab.SeedMergeRequest{
				{IID: 1, Title: "Add login", State: "merged", Author: "alice", MergeUser: "bob", Labels: []string{"security"},
					CreatedAt: at("2025-12-01T00:00:00Z"), MergedAt: at("2025-12-02T00:00:00Z")},
				{IID: 2, Title: "Fix typo", State: "merged", Author: "dev", MergeUser: "alice", Labels: []string{"docs"},
					CreatedAt: at("2025-12-03T00:00:00Z"), MergedAt: at("2025-12-04T00:00:00Z")},
				{IID: 3, Title: "Faster search", State: "merged", Author: "dev", MergeUser: "bob",
					CreatedAt: at("2025-12-05T00:00:00Z"), MergedAt: at("2025-12-06T00:00:00Z")},
			},
			Deployments: deployments,
		})
	}
	fake := fakegitlab.NewTestServer(t, seed, opts)
	for _, a := range approvals {
		var answer map[string]any
		path := fmt.Sprintf("/projects/%d/deployments/%d/approval", a.project, a.deployment)
		if code := fakeAPI(t, fake, http.MethodPost, path, a.token, map[string]string{"status": "approved"}, &answer); code != http.StatusCreated {
			t.Fatalf("approving deployment %d with %s: GitLab answered %d: %v", a.deployment, a.token, code, answer)
		}
	}
	fake.ResetStats()
	return fake
}

// violations is a January in which each of the guide's checks has one deployment to flag:
// #1 approved by alice, who wrote !1 it shipped (four eyes); #2 approved by dora, who deployed it;
// #4 approved by nobody, so its rule still waits. #3 is clean.
var violations = []auditDeployment{
	{finished: "2026-01-05T00:00:00Z", mergeRequests: []int64{1}, approvedBy: []string{tokenAlice}},
	{finished: "2026-01-10T00:00:00Z", mergeRequests: []int64{2}, approvedBy: []string{tokenDora}},
	{finished: "2026-01-15T00:00:00Z", mergeRequests: []int64{3}, approvedBy: []string{tokenBob}},
	{finished: "2026-01-20T00:00:00Z"},
}

// cleanHistory is the same January with every deployment approved by someone else than its
// deployer and the authors of what it shipped.
var cleanHistory = []auditDeployment{
	{finished: "2026-01-05T00:00:00Z", mergeRequests: []int64{1}, approvedBy: []string{tokenBob}},
	{finished: "2026-01-10T00:00:00Z", mergeRequests: []int64{2}, approvedBy: []string{tokenBob}},
	{finished: "2026-01-15T00:00:00Z", mergeRequests: []int64{3}, approvedBy: []string{tokenAlice}},
	{finished: "2026-01-20T00:00:00Z", approvedBy: []string{tokenAlice}},
}

const (
	routeMergeRequests           = "GET /api/v4/projects/:id/merge_requests"
	routeDeploymentMergeRequests = "GET /api/v4/projects/:id/deployments/:deployment_id/merge_requests"
)

// readData reads a data source as Terraform does after validating its configuration; attrs are
// the configured arguments, the others null.
func (h *protocolHarness) readData(typeName string, attrs map[string]tftypes.Value) (tftypes.Value, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	typ := h.schemas.DataSourceSchemas[typeName].ValueType()
	config := dynamic(h.t, typ, objectWith(h.t, typ, attrs))
	v, err := h.server.ValidateDataResourceConfig(h.ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: typeName, Config: config})
	if err != nil {
		h.t.Fatal(err)
	}
	if slices.ContainsFunc(v.Diagnostics, func(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError }) {
		return tftypes.Value{}, v.Diagnostics
	}
	resp, err := h.server.ReadDataSource(h.ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: config})
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.State == nil {
		return tftypes.Value{}, resp.Diagnostics
	}
	return h.unmarshal(resp.State, typ), resp.Diagnostics
}

// get walks an object value by attribute names and list indexes.
func get(t *testing.T, v tftypes.Value, steps ...any) tftypes.Value {
	t.Helper()
	for _, step := range steps {
		switch s := step.(type) {
		case string:
			var attrs map[string]tftypes.Value
			if err := v.As(&attrs); err != nil {
				t.Fatalf("%v: %v", s, err)
			}
			v = attrs[s]
		case int:
			var elems []tftypes.Value
			if err := v.As(&elems); err != nil {
				t.Fatalf("[%d]: %v", s, err)
			}
			v = elems[s]
		}
	}
	return v
}

func length(t *testing.T, v tftypes.Value) int {
	t.Helper()
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		t.Fatal(err)
	}
	return len(elems)
}

// each applies f to the elements of a list value and returns what it gives.
func each[T any](t *testing.T, v tftypes.Value, f func(tftypes.Value) T) []T {
	t.Helper()
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		t.Fatal(err)
	}
	out := make([]T, len(elems))
	for i, e := range elems {
		out[i] = f(e)
	}
	return out
}

func str(t *testing.T, v tftypes.Value) string {
	t.Helper()
	var s string
	if v.IsNull() {
		return "<null>"
	}
	if err := v.As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func num(t *testing.T, v tftypes.Value) int64 {
	t.Helper()
	return numbers(t, tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"n": tftypes.Number}},
		map[string]tftypes.Value{"n": v}))["n"]
}

func s(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
func b(v bool) tftypes.Value   { return tftypes.NewValue(tftypes.Bool, v) }
func n(v int64) tftypes.Value  { return tftypes.NewValue(tftypes.Number, v) }
func strs(vs ...string) tftypes.Value {
	elems := make([]tftypes.Value, len(vs))
	for i, v := range vs {
		elems[i] = s(v)
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
}

// productionList is the configuration of gitlabdeploy_deployments over January's production
// deployments, with extra arguments.
func productionList(extra map[string]tftypes.Value) map[string]tftypes.Value {
	attrs := map[string]tftypes.Value{
		"project": s("acme/app"), "environment": s("production"), "status": s("success"),
		"order_by": s("finished_at"), "finished_after": s("2026-01-01T00:00:00Z"), "finished_before": s("2026-02-01T00:00:00Z"),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return attrs
}

// TestProtocolDeployments_includes: each listed deployment carries its approvals, approval summary,
// pending count and the merge requests it shipped, in the list's order, at one request per
// deployment for each include; without them the list is one request and those attributes null.
func TestProtocolDeployments_includes(t *testing.T) {
	t.Parallel()
	fake := auditHistory(t, violations, fakegitlab.Options{})
	h := newProtocolHarnessFor(t, fake, tokenMaintainerOf(fake))

	got, diags := h.readData("gitlabdeploy_deployments", productionList(map[string]tftypes.Value{
		"include_approvals": b(true), "include_merge_requests": b(true),
	}))
	checkDiags(t, "ReadDataSource", diags)
	h.expectRequests("listing 4 deployments with both includes", map[string]int{routeList: 1, routeGet: 4, routeDeploymentMergeRequests: 4})
	deployments := get(t, got, "deployments")
	ids := each(t, deployments, func(d tftypes.Value) int64 { return num(t, get(t, d, "deployment_id")) })
	if !slices.Equal(ids, []int64{1, 2, 3, 4}) {
		t.Errorf("deployments %v, want 1 to 4 in the list's order", ids)
	}
	approvers := each(t, deployments, func(d tftypes.Value) string {
		return strings.Join(each(t, get(t, d, "approvals"), func(a tftypes.Value) string { return str(t, get(t, a, "user", "username")) }), ",")
	})
	if want := []string{"alice", "dora", "bob", ""}; !slices.Equal(approvers, want) {
		t.Errorf("approvers %q, want %q", approvers, want)
	}
	pending := each(t, deployments, func(d tftypes.Value) int64 { return num(t, get(t, d, "pending_approval_count")) })
	if want := []int64{0, 0, 0, 1}; !slices.Equal(pending, want) {
		t.Errorf("pending_approval_count %v, want %v", pending, want)
	}
	rule := get(t, deployments, 3, "approval_summary", "rules", 0)
	if num(t, get(t, rule, "required_approvals")) != 1 || length(t, get(t, rule, "approvals")) != 0 {
		t.Errorf("deployment 4's rule: %v, want one required approval and none given", rule)
	}
	shipped := each(t, deployments, func(d tftypes.Value) string {
		return strings.Join(each(t, get(t, d, "merge_requests"), func(mr tftypes.Value) string {
			return fmt.Sprintf("!%d by %s merged by %s", num(t, get(t, mr, "iid")), str(t, get(t, mr, "author")), str(t, get(t, mr, "merge_user")))
		}), ",")
	})
	if want := []string{"!1 by alice merged by bob", "!2 by dev merged by alice", "!3 by dev merged by bob", ""}; !slices.Equal(shipped, want) {
		t.Errorf("merge requests %q, want %q", shipped, want)
	}

	got, diags = h.readData("gitlabdeploy_deployments", productionList(map[string]tftypes.Value{"include_merge_requests": b(true)}))
	checkDiags(t, "ReadDataSource", diags)
	h.expectRequests("listing 4 deployments with their merge requests", map[string]int{routeList: 1, routeDeploymentMergeRequests: 4})
	if first := get(t, got, "deployments", 0); !get(t, first, "approvals").IsNull() || !get(t, first, "pending_approval_count").IsNull() ||
		length(t, get(t, first, "merge_requests")) != 1 {
		t.Errorf("with include_merge_requests alone, deployment 1 reads %v", first)
	}

	got, diags = h.readData("gitlabdeploy_deployments", productionList(map[string]tftypes.Value{"max_results": n(2), "include_approvals": b(true)}))
	checkDiags(t, "ReadDataSource", diags)
	h.expectRequests("listing 2 deployments with their approvals", map[string]int{routeList: 1, routeGet: 2})
	if length(t, get(t, got, "deployments")) != 2 || !get(t, got, "deployments", 1, "merge_requests").IsNull() {
		t.Errorf("max_results = 2 with include_approvals: %v", got)
	}

	got, diags = h.readData("gitlabdeploy_deployments", productionList(nil))
	checkDiags(t, "ReadDataSource", diags)
	h.expectRequests("listing 4 deployments", map[string]int{routeList: 1})
	for _, name := range includedAttributes {
		if v := get(t, got, "deployments", 0, name); !v.IsNull() {
			t.Errorf("without includes, %s is %v, want null", name, v)
		}
	}
}

// tokenMaintainerOf is the token the audit tests read with: an auditor needs only Reporter, but
// every user of the audit history is a Maintainer.
func tokenMaintainerOf(*fakegitlab.Server) string { return tokenBob }

// TestProtocolDeployments_deletedWhileReading: a deployment deleted between the list and its read
// is left out with a warning naming it; the others are read.
func TestProtocolDeployments_deletedWhileReading(t *testing.T) {
	t.Parallel()
	var once sync.Once
	var fake *fakegitlab.Server
	fake = auditHistory(t, violations, fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/deployments/2") {
			once.Do(func() {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, fake.URL()+"/api/v4/projects/1/deployments/2", nil)
				req.Header.Set("PRIVATE-TOKEN", tokenDora)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusNoContent {
					t.Errorf("deleting deployment 2: %v %v", resp, err)
				}
				if resp != nil {
					resp.Body.Close()
				}
			})
		}
		return fakegitlab.FaultNone
	}})
	h := newProtocolHarnessFor(t, fake, tokenBob)
	got, diags := h.readData("gitlabdeploy_deployments", productionList(map[string]tftypes.Value{
		"include_approvals": b(true), "include_merge_requests": b(true),
	}))
	checkDiags(t, "ReadDataSource", diags)
	ids := each(t, get(t, got, "deployments"), func(d tftypes.Value) int64 { return num(t, get(t, d, "deployment_id")) })
	if !slices.Equal(ids, []int64{1, 3, 4}) {
		t.Errorf("deployments %v, want 1, 3 and 4", ids)
	}
	if countDiags(diags, tfprotov6.DiagnosticSeverityWarning, "Deployments Deleted While Reading", "deployments 2 (#2)") != 1 {
		t.Errorf("want one warning naming deployment 2, got: %s", diagText(diags))
	}
}

// TestProtocolDeployments_readErrorStops: any other failure of a deployment's read fails the data
// source, naming the deployment.
func TestProtocolDeployments_readErrorStops(t *testing.T) {
	t.Parallel()
	fake := auditHistory(t, violations, fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if strings.HasSuffix(r.URL.Path, "/deployments/3/merge_requests") {
			return fakegitlab.Fault500
		}
		return fakegitlab.FaultNone
	}})
	h := newProtocolHarnessFor(t, fake, tokenBob)
	got, diags := h.readData("gitlabdeploy_deployments", productionList(map[string]tftypes.Value{"include_merge_requests": b(true)}))
	if got.Type() != nil && !get(t, got, "deployments").IsNull() {
		t.Errorf("the failed read listed deployments: %v", get(t, got, "deployments"))
	}
	if !hasError(diags, "Unable to List Deployments", `reading the merge requests of deployment 3 of project "acme/app"`) {
		t.Errorf("want an error naming deployment 3, got: %s", diagText(diags))
	}
}

// deployedIIDs reads gitlabdeploy_deployed_merge_requests with these arguments (project acme/app
// and environment production unless given) and returns the iids in its order.
func deployedIIDs(t *testing.T, h *protocolHarness, args map[string]tftypes.Value) []int64 {
	t.Helper()
	attrs := map[string]tftypes.Value{"project": s("acme/app"), "environment": s("production")}
	for k, v := range args {
		attrs[k] = v
	}
	got, diags := h.readData("gitlabdeploy_deployed_merge_requests", attrs)
	checkDiags(t, "ReadDataSource", diags)
	return each(t, get(t, got, "merge_requests"), func(mr tftypes.Value) int64 { return num(t, get(t, mr, "iid")) })
}

// TestProtocolDeployedMergeRequests_filters: the merge requests deployed to an environment in a
// period, with GitLab's exclusive bounds (A15) and the other list filters, one request each.
func TestProtocolDeployedMergeRequests_filters(t *testing.T) {
	t.Parallel()
	fake := auditHistory(t, violations, fakegitlab.Options{})
	h := newProtocolHarnessFor(t, fake, tokenBob)
	for _, tc := range []struct {
		name string
		args map[string]tftypes.Value
		want []int64
	}{
		{"every merge request deployed to production, newest created first", nil, []int64{3, 2, 1}},
		{"deployed after the 5th (exclusive), so not !1 of the deployment that finished then",
			map[string]tftypes.Value{"deployed_after": s("2026-01-05T00:00:00Z")}, []int64{3, 2}},
		{"deployed before the 15th (exclusive)", map[string]tftypes.Value{"deployed_before": s("2026-01-15T00:00:00Z")}, []int64{2, 1}},
		{"a period", map[string]tftypes.Value{"deployed_after": s("2026-01-06T00:00:00+01:00"), "deployed_before": s("2026-01-14T00:00:00Z")}, []int64{2}},
		{"staging shipped all three in December", map[string]tftypes.Value{"environment": s("staging"), "deployed_before": s("2026-01-01T00:00:00Z")}, []int64{3, 2, 1}},
		{"labels", map[string]tftypes.Value{"labels": strs("security")}, []int64{1}},
		{"no labels", map[string]tftypes.Value{"labels": strs("None")}, []int64{3}},
		{"author", map[string]tftypes.Value{"author_username": s("dev")}, []int64{3, 2}},
		{"merge user", map[string]tftypes.Value{"merge_user_username": s("bob")}, []int64{3, 1}},
		{"merged first first", map[string]tftypes.Value{"order_by": s("merged_at"), "sort": s("asc")}, []int64{1, 2, 3}},
		{"by title", map[string]tftypes.Value{"order_by": s("title"), "sort": s("asc")}, []int64{1, 3, 2}},
		{"state", map[string]tftypes.Value{"state": s("opened")}, []int64{}},
		{"search", map[string]tftypes.Value{"search": s("SEARCH")}, []int64{3}},
		{"max_results", map[string]tftypes.Value{"max_results": n(2)}, []int64{3, 2}},
	} {
		if got := deployedIIDs(t, h, tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("%s: merge requests %v, want %v", tc.name, got, tc.want)
		}
		h.expectRequests(tc.name, map[string]int{routeMergeRequests: 1})
	}
	got, diags := h.readData("gitlabdeploy_deployed_merge_requests", map[string]tftypes.Value{"project": s("acme/app"), "environment": s("production")})
	checkDiags(t, "ReadDataSource", diags)
	mr := get(t, got, "merge_requests", 2)
	for name, want := range map[string]string{
		"title": "Add login", "state": "merged", "author": "alice", "merge_user": "bob", "source_branch": "feature-1",
		"target_branch": "main", "merged_at": "2025-12-02T00:00:00Z", "web_url": fake.URL() + "/acme/app/-/merge_requests/1",
	} {
		if got := str(t, get(t, mr, name)); got != want {
			t.Errorf("!1 %s = %q, want %q", name, got, want)
		}
	}
	if labels := each(t, get(t, mr, "labels"), func(v tftypes.Value) string { return str(t, v) }); !slices.Equal(labels, []string{"security"}) {
		t.Errorf("!1 labels %v", labels)
	}
}

// TestProtocolDeployedMergeRequests_refusedAtPlan: a time that is not RFC 3339, or a period that
// ends before it starts, is refused when Terraform validates the configuration, before any request.
func TestProtocolDeployedMergeRequests_refusedAtPlan(t *testing.T) {
	t.Parallel()
	fake := auditHistory(t, nil, fakegitlab.Options{})
	h := newProtocolHarnessFor(t, fake, tokenBob)
	for _, tc := range []struct {
		args            map[string]tftypes.Value
		summary, phrase string
	}{
		{map[string]tftypes.Value{"deployed_after": s("2026-01-01")}, "Invalid Date-Time", "`deployed_after` is \"2026-01-01\", which is not an RFC 3339 date-time"},
		{map[string]tftypes.Value{"deployed_before": s("last tuesday")}, "Invalid Date-Time", "`deployed_before` is \"last tuesday\""},
		{map[string]tftypes.Value{"deployed_after": s("2026-02-01T00:00:00Z"), "deployed_before": s("2026-01-01T00:00:00Z")}, "Empty Deployment Period", "Swap them"},
		{map[string]tftypes.Value{"labels": strs("a,b")}, "Invalid Attribute Value Match", "must not contain a comma"},
	} {
		attrs := map[string]tftypes.Value{"project": s("acme/app"), "environment": s("production")}
		for k, v := range tc.args {
			attrs[k] = v
		}
		_, diags := h.readData("gitlabdeploy_deployed_merge_requests", attrs)
		if !hasError(diags, tc.summary, tc.phrase) {
			t.Errorf("%v: want %q naming %q, got: %s", tc.args, tc.summary, tc.phrase, diagText(diags))
		}
	}
	h.expectRequests("refused configurations", map[string]int{})
}
