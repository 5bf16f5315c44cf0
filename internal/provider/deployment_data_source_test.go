package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// GitLab lists under each rule every decision made under it, for any deployment; the summary
// must keep only this deployment's.
func TestApprovalSummaryValue_keepsOnlyOwnDecisions(t *testing.T) {
	t.Parallel()
	at := func(min int) time.Time { return time.Date(2026, 1, 2, 3, min, 0, 0, time.UTC) }
	comment := "looks good"
	mae := gitlabapi.User{ID: 2, Username: "mae", Name: "Mae Maintainer"}
	dev := gitlabapi.User{ID: 3, Username: "dev", Name: "Dev Eloper"}
	own := []gitlabapi.Approval{
		{User: mae, Status: gitlabapi.ApprovalApproved, CreatedAt: at(10), Comment: &comment},
		{User: dev, Status: gitlabapi.ApprovalRejected, CreatedAt: at(12)},
	}
	otherDeployments := []gitlabapi.Approval{
		{User: mae, Status: gitlabapi.ApprovalApproved, CreatedAt: at(1)}, // same user and rule, earlier deployment
		{User: dev, Status: gitlabapi.ApprovalApproved, CreatedAt: at(12)},
	}
	access := int64(40)
	desc := "Maintainers"
	groupID := int64(134)
	summary := &gitlabapi.ApprovalSummary{Rules: []gitlabapi.ApprovalRule{
		{ID: 1, GroupID: &groupID, RequiredApprovals: 1, DeploymentApprovals: []gitlabapi.Approval{otherDeployments[1], own[1]}},
		{ID: 2, AccessLevel: &access, AccessLevelDescription: &desc, RequiredApprovals: 2,
			DeploymentApprovals: []gitlabapi.Approval{otherDeployments[0], own[0]}},
		{ID: 3, RequiredApprovals: 1},
	}}

	got := approvalSummaryValue(summary, own)

	rules := elemsOf(t, got.Attributes()["rules"])
	if len(rules) != 3 {
		t.Fatalf("got %d rules, want 3", len(rules))
	}
	wantPerRule := [][]string{{"dev rejected 03:12"}, {"mae approved 03:10 looks good"}, nil}
	for i, r := range rules {
		var gotApprovals []string
		for _, a := range elemsOf(t, attrsOf(t, r)["approvals"]) {
			aa := attrsOf(t, a)
			created, _ := time.Parse(time.RFC3339, stringOf(t, aa["created_at"]))
			line := stringOf(t, attrsOf(t, aa["user"])["username"]) + " " + stringOf(t, aa["status"]) + " " + created.Format("15:04")
			if !aa["comment"].IsNull() {
				line += " " + stringOf(t, aa["comment"])
			}
			gotApprovals = append(gotApprovals, line)
		}
		if strings.Join(gotApprovals, "|") != strings.Join(wantPerRule[i], "|") {
			t.Errorf("rule %d approvals = %q, want %q", i+1, gotApprovals, wantPerRule[i])
		}
	}
	rule2 := attrsOf(t, rules[1])
	if int64Of(t, rule2["id"]) != 2 || int64Of(t, rule2["access_level"]) != 40 || stringOf(t, rule2["access_level_description"]) != "Maintainers" ||
		!rule2["user_id"].IsNull() || !rule2["group_id"].IsNull() || int64Of(t, rule2["required_approvals"]) != 2 {
		t.Errorf("rule 2 = %v", rule2)
	}
	if int64Of(t, attrsOf(t, rules[0])["group_id"]) != 134 {
		t.Errorf("rule 1 = %v, want group_id 134", attrsOf(t, rules[0]))
	}
}

func TestApprovalSummaryValue_noSummary(t *testing.T) {
	t.Parallel()
	got := approvalSummaryValue(nil, nil)
	if rules := got.Attributes()["rules"]; rules.IsNull() || len(elemsOf(t, rules)) != 0 {
		t.Errorf("rules = %v, want an empty list", rules)
	}
}

func attrsOf(t *testing.T, v attr.Value) map[string]attr.Value {
	t.Helper()
	o, ok := v.(types.Object)
	if !ok {
		t.Fatalf("%v is a %T, not an object", v, v)
	}
	return o.Attributes()
}

func elemsOf(t *testing.T, v attr.Value) []attr.Value {
	t.Helper()
	l, ok := v.(types.List)
	if !ok {
		t.Fatalf("%v is a %T, not a list", v, v)
	}
	return l.Elements()
}

func stringOf(t *testing.T, v attr.Value) string {
	t.Helper()
	s, ok := v.(types.String)
	if !ok {
		t.Fatalf("%v is a %T, not a string", v, v)
	}
	return s.ValueString()
}

func int64Of(t *testing.T, v attr.Value) int64 {
	t.Helper()
	i, ok := v.(types.Int64)
	if !ok {
		t.Fatalf("%v is a %T, not an int64", v, v)
	}
	return i.ValueInt64()
}

func TestDeploymentDataSource_basic(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenReporter)
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 1}, map[string]knownvalue.Check{
		"id":             knownvalue.StringExact("acme/app:1"),
		"deployment_id":  knownvalue.Int64Exact(1),
		"iid":            knownvalue.Int64Exact(1),
		"environment":    knownvalue.StringExact("production"),
		"environment_id": knownvalue.NotNull(),
		"ref":            knownvalue.StringExact("v1.0.0"),
		"sha":            knownvalue.StringExact(shaV1),
		"tag":            knownvalue.Bool(true),
		"status":         knownvalue.StringExact("success"),
		"created_at":     knownvalue.StringExact("2026-01-05T10:00:00Z"),
		"updated_at":     knownvalue.StringExact("2026-01-05T10:05:00Z"),
		"user": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id": knownvalue.Int64Exact(2), "username": knownvalue.StringExact("mae"), "name": knownvalue.StringExact("Mae Maintainer"),
		}),
		"deployable": knownvalue.Null(),
		// Production's two rules each need one approval, whatever the deployment's status.
		"pending_approval_count": knownvalue.Int64Exact(2),
		"approvals":              knownvalue.ListExact([]knownvalue.Check{}),
		"approval_summary": rulesExact(
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.NotNull(), "user_id": knownvalue.Null(), "group_id": knownvalue.Null(),
				"access_level": knownvalue.Int64Exact(40), "access_level_description": knownvalue.StringExact("Maintainers"),
				"required_approvals": knownvalue.Int64Exact(1), "approvals": knownvalue.ListExact([]knownvalue.Check{}),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.NotNull(), "user_id": knownvalue.Int64Exact(3), "group_id": knownvalue.Null(),
				"access_level": knownvalue.Null(), "access_level_description": knownvalue.StringExact("Dave Developer"),
				"required_approvals": knownvalue.Int64Exact(1), "approvals": knownvalue.ListExact([]knownvalue.Check{}),
			}),
		),
	})
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "1", "deployment_id": 5}, map[string]knownvalue.Check{
		"id":     knownvalue.StringExact("1:5"),
		"status": knownvalue.StringExact("blocked"),
		"tag":    knownvalue.Bool(false),
		"deployable": knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name": knownvalue.StringExact("deploy-production"), "stage": knownvalue.StringExact("deploy"), "status": knownvalue.StringExact("manual"),
		}),
	})
	// Staging is not protected: no rules, nothing pending.
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 4}, map[string]knownvalue.Check{
		"status":                 knownvalue.StringExact("running"),
		"pending_approval_count": knownvalue.Int64Exact(0),
		"approval_summary":       rulesExact(),
	})
}

// rulesExact checks an approval_summary whose rules are exactly these, as
// tfjsonpath.New("approval_summary").AtMapKey("rules") with knownvalue.ListExact does.
func rulesExact(rules ...knownvalue.Check) knownvalue.Check {
	if rules == nil {
		rules = []knownvalue.Check{}
	}
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{"rules": knownvalue.ListExact(rules)})
}

func TestDeploymentDataSource_notFound(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenReporter)
	for _, c := range []struct {
		project string
		id      int
		want    *regexp.Regexp
	}{
		{"acme/app", 999, phrase(`Project "acme/app" has no deployment with id 999`, `Check "deployment_id"`)},
		{"acme/nope", 1, phrase("Unable to Read Deployment", `project "acme/nope"`, "404 Project Not Found", `Check "project"`)},
		// rita is no member of acme/tools: GitLab hides it from her.
		{"acme/tools", 1, phrase(`project "acme/tools"`, "404 Project Not Found")},
		{"acme", 1, phrase("Invalid Project")},
		{"acme/app", 0, phrase("Attribute deployment_id value must be at least 1")},
	} {
		res := h.planData("gitlabdeploy_deployment", resourceArgs{"project": c.project, "deployment_id": c.id})
		if res.failed == "" {
			t.Errorf("%s %d: read, want an error matching %s", c.project, c.id, c.want)
		} else if !c.want.MatchString(res.errorText()) {
			t.Errorf("%s %d: errors do not match %s:\n%s", c.project, c.id, c.want, res.errorText())
		}
	}
}

// decide records an approval decision through the fake's REST API, as a user would in GitLab.
func decide(t *testing.T, fake *fakegitlab.Server, token string, deploymentID int, status, comment string) {
	t.Helper()
	body := map[string]string{"status": status}
	if comment != "" {
		body["comment"] = comment
	}
	var answer map[string]any
	if code := fakeAPI(t, fake, http.MethodPost, fmt.Sprintf("/projects/1/deployments/%d/approval", deploymentID), token, body, &answer); code != http.StatusCreated {
		t.Fatalf("approving deployment %d with %s: GitLab answered %d: %v", deploymentID, token, code, answer)
	}
}

// fakeAPI sends one request to the fake's REST API and decodes its JSON answer into out.
func fakeAPI(t *testing.T, fake *fakegitlab.Server, method, path, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, fake.URL()+"/api/v4"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: decoding the answer: %v", method, path, err)
	}
	return resp.StatusCode
}

func approvalCheck(username, status string, comment knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"user":       knownvalue.ObjectPartial(map[string]knownvalue.Check{"username": knownvalue.StringExact(username)}),
		"status":     knownvalue.StringExact(status),
		"comment":    comment,
		"created_at": knownvalue.NotNull(),
	})
}

// A deployment approved under three rules; GitLab's own summary also lists, under two of them,
// decisions made for deployment 2, which the data source must not credit to deployment 1.
func TestDeploymentDataSource_approvalsUnderSeveralRules(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "ds_approvals.json")
	decide(t, fake, "mae-token", 1, "approved", "ship it") // rule 2: Maintainers
	decide(t, fake, "dev-token", 1, "approved", "")        // rule 3: user dev
	decide(t, fake, "quinn-token", 1, "approved", "")      // rule 1: qa-group
	decide(t, fake, "mae-token", 2, "approved", "")        // deployment 2, rule 2
	decide(t, fake, "quinn-token", 2, "rejected", "flaky") // deployment 2, rule 1

	var raw gitlabapi.Deployment
	fakeAPI(t, fake, http.MethodGet, "/projects/1/deployments/1", "root-token", nil, &raw)
	if raw.ApprovalSummary == nil || len(raw.ApprovalSummary.Rules) != 3 || len(raw.ApprovalSummary.Rules[1].DeploymentApprovals) != 2 {
		t.Fatalf("premise: GitLab's summary of deployment 1 should list deployment 2's decisions under its rules too: %+v", raw.ApprovalSummary)
	}

	none := knownvalue.Null()
	h := newProtocolHarnessFor(t, fake, "rita-token")
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 1}, map[string]knownvalue.Check{
		"approvals": knownvalue.ListExact([]knownvalue.Check{
			approvalCheck("mae", "approved", knownvalue.StringExact("ship it")),
			approvalCheck("dev", "approved", none),
			approvalCheck("quinn", "approved", none),
		}),
		// Maintainers need two approvals and have one.
		"pending_approval_count": knownvalue.Int64Exact(1),
		"approval_summary": rulesExact(
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.NotNull(), "user_id": none, "group_id": knownvalue.Int64Exact(134),
				"access_level": none, "access_level_description": knownvalue.StringExact("qa-group"),
				"required_approvals": knownvalue.Int64Exact(1),
				"approvals":          knownvalue.ListExact([]knownvalue.Check{approvalCheck("quinn", "approved", none)}),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.NotNull(), "user_id": none, "group_id": none,
				"access_level": knownvalue.Int64Exact(40), "access_level_description": knownvalue.StringExact("Maintainers"),
				"required_approvals": knownvalue.Int64Exact(2),
				"approvals":          knownvalue.ListExact([]knownvalue.Check{approvalCheck("mae", "approved", knownvalue.StringExact("ship it"))}),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.NotNull(), "user_id": knownvalue.Int64Exact(3), "group_id": none,
				"access_level": none, "access_level_description": knownvalue.StringExact("Dave Developer"),
				"required_approvals": knownvalue.Int64Exact(1),
				"approvals":          knownvalue.ListExact([]knownvalue.Check{approvalCheck("dev", "approved", none)}),
			}),
		),
	})
}

// The "done when": every production deployment that finished last month, with who
// approved it, in a few lines of HCL, through one terraform apply whose output is read from the
// state file.
func TestAccDeploymentDataSource_auditLastMonth(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "ds_approvals.json")
	decide(t, fake, "mae-token", 1, "approved", "")
	decide(t, fake, "quinn-token", 1, "approved", "")
	decide(t, fake, "dev-token", 4, "approved", "") // finished in February: not in the audit
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.writeConfig(providerBlock(fake.URL(), "rita-token") + `
data "gitlabdeploy_deployments" "last_month" {
  project         = "acme/app"
  environment     = "production"
  status          = "success"
  order_by        = "finished_at"
  finished_after  = "2026-01-01T00:00:00Z"
  finished_before = "2026-02-01T00:00:00Z"
}

data "gitlabdeploy_deployment" "audited" {
  count         = length(data.gitlabdeploy_deployments.last_month.deployments)
  project       = "acme/app"
  deployment_id = data.gitlabdeploy_deployments.last_month.deployments[count.index].deployment_id
}

output "approved_by" {
  value = [
    for d in data.gitlabdeploy_deployment.audited : {
      deployment = d.deployment_id
      approvers  = [for a in d.approvals : a.user.username if a.status == "approved"]
    }
  ]
}
`)
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	var state struct {
		Outputs struct {
			ApprovedBy struct {
				Value []struct {
					Deployment int64    `json:"deployment"`
					Approvers  []string `json:"approvers"`
				} `json:"value"`
			} `json:"approved_by"`
		} `json:"outputs"`
	}
	data, err := os.ReadFile(filepath.Join(cli.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(state.Outputs.ApprovedBy.Value), "[{1 [mae quinn]} {6 []}]"; got != want {
		t.Errorf("approved_by = %s, want %s", got, want)
	}
}

// The data sources' schemas and the converters in convert.go describe the same objects; a field
// added to one and not the other would fail every read.
func TestDataSourceSchemasMatchConverters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schemaOf := func(ds datasource.DataSource) map[string]attr.Type {
		var resp datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Fatalf("%T schema: %v", ds, diags)
		}
		byName := map[string]attr.Type{}
		for name, a := range resp.Schema.Attributes {
			byName[name] = a.GetType()
		}
		return byName
	}
	objectOf := func(attrTypes map[string]attr.Type) attr.Type { return types.ObjectType{AttrTypes: attrTypes} }
	listOf := func(elem attr.Type) attr.Type { return types.ListType{ElemType: elem} }
	for _, c := range []struct {
		ds    datasource.DataSource
		attr  string
		value attr.Type
	}{
		{NewDeploymentsDataSource(), "deployments", listOf(deploymentListItemType)},
		{NewDeploymentDataSource(), "user", objectOf(userAttrTypes)},
		{NewDeploymentDataSource(), "deployable", objectOf(jobAttrTypes)},
		{NewDeploymentDataSource(), "approvals", listOf(objectOf(approvalAttrTypes))},
		{NewDeploymentDataSource(), "approval_summary", objectOf(approvalSummaryAttrTypes)},
		{NewDeploymentMergeRequestsDataSource(), "merge_requests", listOf(objectOf(mergeRequestAttrTypes))},
	} {
		if got := schemaOf(c.ds)[c.attr]; got == nil || !got.Equal(c.value) {
			t.Errorf("%T: schema type of %s is %v, the converter builds %v", c.ds, c.attr, got, c.value)
		}
	}
}

// When the repository's tags cannot be read, tag reads null with a warning and the rest of the
// deployment still reads; a CI deployment's job says whether its ref is a tag.
func TestDeploymentDataSource_tagsUnreadable(t *testing.T) {
	t.Parallel()
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{
		Fault: func(r *http.Request) fakegitlab.Fault {
			if strings.Contains(r.URL.Path, "/repository/tags/") {
				return fakegitlab.Fault503
			}
			return fakegitlab.FaultNone
		},
	})
	h := newProtocolHarnessFor(t, fake, tokenReporter)
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 1}, map[string]knownvalue.Check{
		"tag":    knownvalue.Null(),
		"ref":    knownvalue.StringExact("v1.0.0"),
		"status": knownvalue.StringExact("success"),
	})
	h.planDataOK("gitlabdeploy_deployment", resourceArgs{"project": "acme/app", "deployment_id": 4}, map[string]knownvalue.Check{
		"tag": knownvalue.Bool(false),
	})
}
