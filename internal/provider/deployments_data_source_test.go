package provider

import (
	"cmp"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

func TestCheckFilterPairing(t *testing.T) {
	t.Parallel()
	const at = "2026-01-01T00:00:00Z"
	type want struct {
		attr     string // attribute the diagnostic names
		contains string // part of its detail
	}
	cases := []struct {
		name   string
		config deploymentFilters
		want   []want
	}{
		{name: "no filter", config: deploymentFilters{}},
		{name: "order by updated_at alone", config: deploymentFilters{OrderBy: tfString("updated_at")}},
		{name: "order by finished_at with failed", config: deploymentFilters{OrderBy: tfString("finished_at"), Status: tfString("failed")}},
		{name: "order by finished_at with canceled", config: deploymentFilters{OrderBy: tfString("finished_at"), Status: tfString("canceled")}},
		{name: "updated filters with their order", config: deploymentFilters{
			UpdatedAfter: tfString(at), UpdatedBefore: tfString(at), OrderBy: tfString("updated_at"), Status: tfString("running"),
		}},
		{name: "finished filter with order and success", config: deploymentFilters{
			FinishedBefore: tfString(at), OrderBy: tfString("finished_at"), Status: tfString("success"),
		}},
		{
			name:   "rule 1: updated and finished",
			config: deploymentFilters{UpdatedAfter: tfString(at), FinishedBefore: tfString(at), OrderBy: tfString("updated_at")},
			want:   []want{{"finished_before", "Keep either `updated_after`/`updated_before` or `finished_after`/`finished_before`"}},
		},
		{
			name:   "rule 1 is reported alone",
			config: deploymentFilters{UpdatedBefore: tfString(at), FinishedAfter: tfString(at)},
			want:   []want{{"finished_after", "sets `updated_before` and `finished_after`"}},
		},
		{
			name:   "rule 2: updated filter with the default order",
			config: deploymentFilters{UpdatedAfter: tfString(at)},
			want:   []want{{"order_by", "`updated_after` requires `order_by = \"updated_at\"`, but `order_by` is not set, so GitLab orders by `id`"}},
		},
		{
			name:   "rule 2: updated filter with another order",
			config: deploymentFilters{UpdatedAfter: tfString(at), UpdatedBefore: tfString(at), OrderBy: tfString("created_at")},
			want:   []want{{"order_by", "`updated_after` and `updated_before` requires `order_by = \"updated_at\"`, but `order_by` is \"created_at\""}},
		},
		{
			name:   "rules 3 and 5: finished filter alone",
			config: deploymentFilters{FinishedAfter: tfString(at)},
			want: []want{
				{"order_by", "`finished_after` requires `order_by = \"finished_at\"`"},
				{"status", "`finished_after` requires `status = \"success\"`, but `status` is not set"},
			},
		},
		{
			name:   "rule 3: finished filter with success, default order",
			config: deploymentFilters{FinishedAfter: tfString(at), Status: tfString("success")},
			want:   []want{{"order_by", "Set `order_by = \"finished_at\"`"}},
		},
		{
			name:   "rule 4: order by finished_at alone",
			config: deploymentFilters{OrderBy: tfString("finished_at")},
			want:   []want{{"order_by", "`status` set to `success`, `failed` or `canceled`, but neither is set (`status` is not set)"}},
		},
		{
			name:   "rule 4: order by finished_at with an unfinished status",
			config: deploymentFilters{OrderBy: tfString("finished_at"), Status: tfString("running")},
			want:   []want{{"order_by", "(`status` is \"running\")"}},
		},
		{
			name:   "rule 5: finished filter and order with failed",
			config: deploymentFilters{FinishedBefore: tfString(at), OrderBy: tfString("finished_at"), Status: tfString("failed")},
			want:   []want{{"status", "requires `status = \"success\"`, but `status` is \"failed\""}},
		},
		{
			name:   "unknown status is left to apply",
			config: deploymentFilters{FinishedAfter: tfString(at), OrderBy: tfString("finished_at"), Status: types.StringUnknown()},
		},
		{
			name:   "unknown filter is left to apply",
			config: deploymentFilters{UpdatedAfter: types.StringUnknown(), FinishedAfter: tfString(at)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diags := checkFilterPairing(tc.config)
			if len(diags) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d: %v", len(diags), len(tc.want), diags)
			}
			for i, w := range tc.want {
				d, ok := diags[i].(interface{ Path() path.Path })
				if !ok || !d.Path().Equal(path.Root(w.attr)) {
					t.Errorf("diagnostic %d does not name %s: %v", i, w.attr, diags[i])
				}
				if !strings.Contains(diags[i].Detail(), w.contains) {
					t.Errorf("diagnostic %d detail %q does not contain %q", i, diags[i].Detail(), w.contains)
				}
			}
		})
	}
}

func TestListOptions(t *testing.T) {
	t.Parallel()
	config := deploymentFilters{
		Project: tfString("acme/app"), Environment: tfString("production"), Status: tfString("success"), OrderBy: tfString("finished_at"),
		Sort: tfString("desc"), FinishedAfter: tfString("2026-01-31T09:30:00.250+01:00"),
	}
	opts, diags := config.listOptions(5)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if opts.Environment != "production" || opts.Status != "success" || opts.OrderBy != "finished_at" || opts.Sort != "desc" || opts.MaxResults != 5 {
		t.Errorf("options = %+v", opts)
	}
	if opts.FinishedAfter == nil || opts.FinishedAfter.UTC().Format("2006-01-02T15:04:05.000Z07:00") != "2026-01-31T08:30:00.250Z" {
		t.Errorf("finished_after = %v, want 2026-01-31T08:30:00.250Z with its fraction kept", opts.FinishedAfter)
	}
	if opts.UpdatedAfter != nil || opts.UpdatedBefore != nil || opts.FinishedBefore != nil {
		t.Errorf("unset filters were set: %+v", opts)
	}
}

func TestRFC3339StringValidator(t *testing.T) {
	t.Parallel()
	for value, ok := range map[string]bool{
		"2026-01-31T00:00:00Z":          true,
		"2026-01-31T09:30:00.123+01:00": true,
		"2026-01-31":                    false,
		"2026-01-31 00:00:00Z":          false,
		"2026-01-31T00:00:00":           false,
		"yesterday":                     false,
	} {
		resp := &validator.StringResponse{}
		rfc3339StringValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("updated_after"), ConfigValue: types.StringValue(value),
		}, resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%q: errors = %v, want ok = %v", value, resp.Diagnostics, ok)
			continue
		}
		if !ok && !strings.Contains(resp.Diagnostics[0].Detail(), "`updated_after` is \""+value+"\"") {
			t.Errorf("%q: detail %q does not name the attribute and value", value, resp.Diagnostics[0].Detail())
		}
	}
}

func TestEnumMarkdown(t *testing.T) {
	t.Parallel()
	if got := enumMarkdown(listSorts); got != "`asc` or `desc`" {
		t.Errorf("enumMarkdown(listSorts) = %q", got)
	}
	if got := enumMarkdown(finishedStatuses); got != "`success`, `failed` or `canceled`" {
		t.Errorf("enumMarkdown(finishedStatuses) = %q", got)
	}
}

func tfString(v string) types.String { return types.StringValue(v) }

// historyEntry is one deployment of the seeded history, as the tests expect GitLab to hold it.
type historyEntry struct {
	id               int64
	env, status, ref string
	user             string
	job              string // CI job name; "" for an API-created deployment
	created, updated time.Time
	finished         *time.Time
}

var historyBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// history is 300 deployments of acme/app (ids 1–300, the seed's order) over three environments
// and every status. Creation follows the id; updates and finishes follow the permutation
// 7·i mod 300 (two hours apart, from 2026-01-26), so ordering by them differs from ordering by
// id, and "finished in January" cuts the history in two. Every update time carries 250 ms, so
// a filter that lost its fractional seconds would show.
func history() []historyEntry {
	envs := []string{"production", "staging", "review/login"}
	statuses := []string{"success", "success", "failed", "success", "canceled", "running", "created", "blocked", "skipped", "success"}
	entries := make([]historyEntry, 300)
	for i := range entries {
		status := statuses[i%len(statuses)]
		at := historyBase.Add(600*time.Hour + time.Duration((7*i)%300)*2*time.Hour)
		e := historyEntry{
			id:      int64(i + 1),
			env:     envs[i%len(envs)],
			status:  status,
			ref:     "main",
			user:    []string{"mae", "dev"}[i%2],
			created: historyBase.Add(time.Duration(i) * time.Hour),
			updated: at.Add(250 * time.Millisecond),
		}
		if i%4 == 0 {
			e.job = "deploy-" + strings.ReplaceAll(e.env, "/", "-")
		}
		if slices.Contains(finishedStatuses, status) {
			finished := at
			e.finished = &finished
			e.updated = at.Add(5*time.Minute + 250*time.Millisecond)
		}
		entries[i] = e
	}
	return entries
}

// historySeed is testdata/basic.json's users with acme/app holding history() only.
func historySeed(t *testing.T) *fakegitlab.Seed {
	t.Helper()
	seed := loadSeed(t, "basic.json")
	app := fakegitlab.SeedProject{
		ID: 1, PathWithNamespace: "acme/app",
		Members: []fakegitlab.SeedMember{
			{Username: "mae", AccessLevel: 40}, {Username: "dev", AccessLevel: 30}, {Username: "rita", AccessLevel: 20},
		},
		Branches: map[string]string{"main": shaMain},
	}
	for _, e := range history() {
		d := fakegitlab.SeedDeployment{
			Environment: e.env, Ref: e.ref, SHA: shaMain, Status: e.status, User: e.user,
			CreatedAt: fakegitlab.At(e.created), UpdatedAt: fakegitlab.At(e.updated),
			FinishedAt: fakegitlab.SeedTime{Null: true},
		}
		if e.finished != nil {
			d.FinishedAt = fakegitlab.At(*e.finished)
		}
		if e.job != "" {
			d.CIJob = &fakegitlab.SeedCIJob{Name: e.job, Stage: "deploy"}
		}
		app.Deployments = append(app.Deployments, d)
	}
	seed.JobTokens = nil
	seed.Projects = []fakegitlab.SeedProject{app}
	return seed
}

// expectIDs lists the ids of the history entries that keep accepts, ordered by less (ties by
// id) in the given direction, as GitLab orders them; at most limit of them when limit > 0.
func expectIDs(keep func(historyEntry) bool, less func(a, b historyEntry) int, desc bool, limit int) []int64 {
	var list []historyEntry
	for _, e := range history() {
		if keep(e) {
			list = append(list, e)
		}
	}
	slices.SortStableFunc(list, func(a, b historyEntry) int {
		r := cmp.Or(less(a, b), cmp.Compare(a.id, b.id))
		if desc {
			return -r
		}
		return r
	})
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	ids := make([]int64, len(list))
	for i, e := range list {
		ids[i] = e.id
	}
	return ids
}

func byID(a, b historyEntry) int      { return 0 }
func byUpdated(a, b historyEntry) int { return a.updated.Compare(b.updated) }
func byFinished(a, b historyEntry) int {
	switch {
	case a.finished == nil || b.finished == nil:
		return 0 // the filters these tests use list finished deployments only
	}
	return a.finished.Compare(*b.finished)
}

// deploymentIDsAre checks that a gitlabdeploy_deployments data source's deployments are exactly
// ids, in order.
func deploymentIDsAre(ids []int64) knownvalue.Check {
	return knownvalue.ListExact(idChecks(ids))
}

// allOf passes when every one of checks passes, as several state checks of one attribute do.
func allOf(checks ...knownvalue.Check) knownvalue.Check { return checkAll(checks) }

type checkAll []knownvalue.Check

func (c checkAll) CheckValue(v any) error {
	for _, check := range c {
		if err := check.CheckValue(v); err != nil {
			return err
		}
	}
	return nil
}

func (c checkAll) String() string {
	parts := make([]string, len(c))
	for i, check := range c {
		parts[i] = check.String()
	}
	return strings.Join(parts, " and ")
}

func idChecks(ids []int64) []knownvalue.Check {
	checks := make([]knownvalue.Check, len(ids))
	for i, id := range ids {
		checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"deployment_id": knownvalue.Int64Exact(id)})
	}
	return checks
}

// pageRecorder remembers, per query (without page), the highest page the provider asked for.
type pageRecorder struct {
	mu       sync.Mutex
	maxPages map[string]int
}

func (r *pageRecorder) fault(req *http.Request) fakegitlab.Fault {
	q := req.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	q.Del("page")
	key := req.URL.Path + "?" + q.Encode()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maxPages[key] = max(r.maxPages[key], page)
	return fakegitlab.FaultNone
}

// maxPage is the highest page asked for with exactly query (keys sorted, page left out).
func (r *pageRecorder) maxPage(query string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	found := 0
	for key, page := range r.maxPages {
		if _, q, _ := strings.Cut(key, "?"); q == query {
			found = max(found, page)
		}
	}
	return found
}

func TestDeploymentsDataSource_filtersAndOrder(t *testing.T) {
	t.Parallel()
	recorder := &pageRecorder{maxPages: map[string]int{}}
	fake := fakegitlab.NewTestServer(t, historySeed(t), fakegitlab.Options{Fault: recorder.fault})
	in := func(env string) func(historyEntry) bool { return func(e historyEntry) bool { return e.env == env } }
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	// Deployment 2 (staging, success, permutation slot 7) was updated at 614 h 5 min 0.25 s;
	// a floor half a second later excludes it only if the filter keeps its fraction.
	updatedFloor := historyBase.Add(614*time.Hour + 5*time.Minute + 500*time.Millisecond)
	updatedCeiling := historyBase.Add(600*time.Hour + 40*2*time.Hour)

	inUpdatedWindow := func(floor time.Time) func(historyEntry) bool {
		return func(e historyEntry) bool {
			return e.env == "staging" && !e.updated.Before(floor) && !e.updated.After(updatedCeiling)
		}
	}
	if slices.Equal(expectIDs(inUpdatedWindow(updatedFloor), byUpdated, false, 0),
		expectIDs(inUpdatedWindow(updatedFloor.Truncate(time.Second)), byUpdated, false, 0)) {
		t.Fatal("the updated_at window does not depend on fractional seconds")
	}

	h := newProtocolHarnessFor(t, fake, tokenReporter)
	const project = "acme/app"
	list := func(args resourceArgs, checks map[string]knownvalue.Check) {
		t.Helper()
		args["project"] = project
		h.planDataOK("gitlabdeploy_deployments", args, checks)
	}
	idsAre := func(ids []int64) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"deployments": deploymentIDsAre(ids)}
	}
	// all. Deployment 1: production, success, CI job, by mae. Deployment 2: staging, API, by dev.
	list(resourceArgs{}, map[string]knownvalue.Check{"deployments": allOf(
		deploymentIDsAre(expectIDs(func(historyEntry) bool { return true }, byID, false, 0)),
		knownvalue.ListPartial(map[int]knownvalue.Check{
			0: knownvalue.ObjectExact(map[string]knownvalue.Check{
				"deployment_id": knownvalue.Int64Exact(1),
				"iid":           knownvalue.Int64Exact(1),
				"ref":           knownvalue.StringExact("main"),
				"sha":           knownvalue.StringExact(shaMain),
				"status":        knownvalue.StringExact("success"),
				"environment":   knownvalue.StringExact("production"),
				"created_at":    knownvalue.StringExact("2026-01-01T00:00:00Z"),
				"updated_at":    knownvalue.StringExact("2026-01-26T00:05:00.25Z"),
				"user": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.Int64Exact(2), "username": knownvalue.StringExact("mae"), "name": knownvalue.StringExact("Mae Maintainer"),
				}),
				"deployable": knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("deploy-production"), "status": knownvalue.StringExact("success"),
				}),
				// Only include_approvals and include_merge_requests fill these.
				"pending_approval_count": knownvalue.Null(),
				"approvals":              knownvalue.Null(),
				"approval_summary":       knownvalue.Null(),
				"merge_requests":         knownvalue.Null(),
			}),
			1: knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"environment": knownvalue.StringExact("staging"),
				"user":        knownvalue.ObjectPartial(map[string]knownvalue.Check{"username": knownvalue.StringExact("dev")}),
				"deployable":  knownvalue.Null(),
			}),
		}))})
	// production_newest_first
	list(resourceArgs{"environment": "production", "sort": "desc"}, idsAre(expectIDs(in("production"), byID, true, 0)))
	// blocked
	list(resourceArgs{"status": "blocked"}, idsAre(expectIDs(func(e historyEntry) bool { return e.status == "blocked" }, byID, false, 0)))
	// staging_updated_window
	list(resourceArgs{
		"environment": "staging", "order_by": "updated_at",
		"updated_after": updatedFloor.Format(time.RFC3339Nano), "updated_before": updatedCeiling.Format(time.RFC3339),
	}, idsAre(expectIDs(inUpdatedWindow(updatedFloor), byUpdated, false, 0)))
	// production_finished_in_january
	list(resourceArgs{
		"environment": "production", "status": "success", "order_by": "finished_at", "sort": "desc",
		"finished_after": jan.Format(time.RFC3339), "finished_before": feb.Format(time.RFC3339),
	}, idsAre(expectIDs(func(e historyEntry) bool {
		return e.env == "production" && e.status == "success" && !e.finished.Before(jan) && e.finished.Before(feb)
	}, byFinished, true, 0)))
	// failed_by_finish
	list(resourceArgs{"status": "failed", "order_by": "finished_at"},
		idsAre(expectIDs(func(e historyEntry) bool { return e.status == "failed" }, byFinished, false, 0)))
	// newest_150
	list(resourceArgs{"order_by": "iid", "sort": "desc", "max_results": 150},
		idsAre(expectIDs(func(historyEntry) bool { return true }, byID, true, 150)))
	// by_created
	list(resourceArgs{"environment": "review/login", "order_by": "created_at", "sort": "desc", "max_results": 5},
		idsAre(expectIDs(in("review/login"), byID, true, 5)))
	// no_such_environment
	list(resourceArgs{"environment": "nowhere"}, map[string]knownvalue.Check{"deployments": knownvalue.ListExact([]knownvalue.Check{})})

	// 300 deployments are three pages of 100; max_results = 150 needs only two.
	if got := recorder.maxPage("per_page=100"); got != 3 {
		t.Errorf("listing everything read up to page %d, want 3", got)
	}
	if got := recorder.maxPage("order_by=iid&per_page=100&sort=desc"); got != 2 {
		t.Errorf("max_results = 150 read up to page %d, want 2", got)
	}
}

// Every refusal comes at plan time, before any request: no user meets GitLab's 400.
func TestDeploymentsDataSource_planTimeRefusals(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	config := func(arguments string) resourceArgs {
		args := resourceArgs{"project": "acme/app"}
		for _, line := range strings.Split(arguments, "\n") {
			name, value, _ := strings.Cut(line, " = ")
			name = strings.TrimSpace(name)
			if n, err := strconv.Atoi(value); err == nil {
				args[name] = n
			} else {
				args[name] = strings.Trim(value, `"`)
			}
		}
		return args
	}
	steps := []struct{ arguments, want string }{
		{`  updated_after = "2026-01-01T00:00:00Z"
  finished_after = "2026-01-01T00:00:00Z"
  order_by = "updated_at"`, "GitLab cannot filter on the update time and the finish time at once"},
		{`  updated_after = "2026-01-01T00:00:00Z"`, "`updated_after` requires `order_by = \"updated_at\"`, but `order_by` is not set"},
		{`  finished_before = "2026-01-01T00:00:00Z"
  status = "success"
  order_by = "created_at"`, "`finished_before` requires `order_by = \"finished_at\"`, but `order_by` is \"created_at\""},
		{`  order_by = "finished_at"`, "`order_by = \"finished_at\"` requires `finished_after` or `finished_before`"},
		{`  order_by = "finished_at"
  finished_after = "2026-01-01T00:00:00Z"
  status = "failed"`, "requires `status = \"success\"`, but `status` is \"failed\""},
		{`  updated_before = "2026-01-01"
  order_by = "updated_at"`, "`updated_before` is \"2026-01-01\", which is not an RFC 3339 date-time"},
		{`  status = "done"`, "Attribute status value must be one of"},
		{`  sort = "down"`, "Attribute sort value must be one of"},
		{`  order_by = "ref"`, "Attribute order_by value must be one of"},
		{`  max_results = 0`, "Attribute max_results value must be at least 1"},
		{`  environment = ""`, "Attribute environment string length must be between 1 and 255"},
	}
	h := newProtocolHarnessFor(t, fake, tokenReporter)
	for _, step := range steps {
		res := h.planData("gitlabdeploy_deployments", config(step.arguments))
		if want := phrase(step.want); res.failed == "" || !want.MatchString(res.errorText()) {
			t.Errorf("%s: failed at %q, want an error matching %s:\n%s", step.arguments, res.failed, want, res.errorText())
		}
	}
	if stats := fake.Stats(); stats.Total != 0 {
		t.Errorf("refused configurations sent %d requests to GitLab: %v", stats.Total, stats.ByRoute)
	}
}

// A value known only at apply is checked when the data source is read.
func TestAccDeploymentsDataSource_pairingCheckedAtApply(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.skipUnlessSupports(cliFeatureTerraformData)
	cli.writeConfig(providerBlock(fake.URL(), tokenReporter) + `
resource "terraform_data" "status" {
  input = "running"
}

data "gitlabdeploy_deployments" "test" {
  project        = "acme/app"
  order_by       = "finished_at"
  finished_after = "2026-01-01T00:00:00Z"
  status         = terraform_data.status.output
}
`)
	apply := cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"}, 1)
	if want := phrase("requires `status = \"success\"`, but `status` is \"running\""); !want.MatchString(flat(apply.output())) {
		t.Errorf("terraform apply did not fail with %s:\n%s", want, apply.output())
	}
	if got := fake.Stats().ByRoute["GET /api/v4/projects/:id/deployments"]; got != 0 {
		t.Errorf("the refused list was sent to GitLab %d times", got)
	}
}

func TestDeploymentsDataSource_unknownProject(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenReporter)
	for project, want := range map[string]*regexp.Regexp{
		"acme/nope": phrase("Unable to List Deployments", `project "acme/nope"`, "404", `Check "project"`),
		// rita is no member of acme/tools: GitLab hides the project from her.
		"acme/tools": phrase("Unable to List Deployments", `project "acme/tools"`, "404"),
	} {
		res := h.planData("gitlabdeploy_deployments", resourceArgs{"project": project})
		if res.failed == "" || !want.MatchString(res.errorText()) {
			t.Errorf("%s: failed at %q, want an error matching %s:\n%s", project, res.failed, want, res.errorText())
		}
	}
}

func TestDeploymentsDataSource_empty(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	// acme/tools has no deployment.
	h.planDataOK("gitlabdeploy_deployments", resourceArgs{"project": "acme/tools"},
		map[string]knownvalue.Check{"deployments": knownvalue.ListExact([]knownvalue.Check{})})
}

// phrase matches the parts, in order, in a Terraform diagnostic, which may be wrapped at any
// space.
func phrase(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(part), " ", `\s+`)
	}
	return regexp.MustCompile("(?s)" + strings.Join(quoted, ".*"))
}
