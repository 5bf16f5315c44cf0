package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

const approvalAddress = "gitlabdeploy_deployment_approval.test"

// Rule ids of approval_rules.json: production's Maintainers, qa and security-team rules.
const (
	ruleMaintainers  = 2
	ruleQA           = 3
	ruleSecurityTeam = 4
)

// approvalArgs renders resource "test" on a deployment of acme/app. Empty strings leave an
// argument out.
type approvalArgs struct {
	deployment                     int64
	status, comment, representedAs string
	extra                          string // more HCL after the block
}

func (a approvalArgs) config(fake *fakegitlab.Server, token string) string {
	var b strings.Builder
	b.WriteString(providerBlock(fake.URL(), token))
	fmt.Fprintf(&b, `
resource "gitlabdeploy_deployment_approval" "test" {
  project       = "acme/app"
  deployment_id = %[1]d
  status        = %[2]q
`, a.deployment, a.status)
	if a.comment != "" {
		fmt.Fprintf(&b, "  comment       = %q\n", a.comment)
	}
	if a.representedAs != "" {
		fmt.Fprintf(&b, "  represented_as = %q\n", a.representedAs)
	}
	b.WriteString("}\n")
	b.WriteString(a.extra)
	return b.String()
}

func expectApproval(attr string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(approvalAddress, tfjsonpath.New(attr), value)
}

func expectApprovalAction(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(approvalAddress, action)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

// deploymentStatusIs checks, after a step, the status GitLab holds for a deployment of acme/app.
type deploymentStatusIs struct {
	client *gitlabapi.Client
	id     int64
	status string
}

func (c deploymentStatusIs) CheckState(ctx context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	d, err := c.client.GetDeployment(ctx, "acme/app", c.id)
	switch {
	case err != nil:
		resp.Error = err
	case d.Status != c.status:
		resp.Error = fmt.Errorf("deployment %d is %s in GitLab, want %s", c.id, d.Status, c.status)
	}
}

// sam matches two rules: without represented_as his decision counts for Maintainers, with it
// for security-team; changing represented_as records a new decision.
func TestAccDeploymentApprovalResource_representedAs(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	config := func(representedAs string) string {
		return approvalArgs{deployment: 1, status: "approved", representedAs: representedAs, extra: `
resource "gitlabdeploy_deployment_approval" "maintainer" {
  project       = "acme/app"
  deployment_id = 1
  status        = "approved"
}
`}.config(fake, "sam-token")
	}
	maintainer := "gitlabdeploy_deployment_approval.maintainer"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("security"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maintainer, tfjsonpath.New("id"), knownvalue.StringExact("acme/app:1:5")),
					statecheck.ExpectKnownValue(maintainer, tfjsonpath.New("rule_name"), knownvalue.StringExact("Maintainers")),
					expectApproval("id", knownvalue.StringExact(fmt.Sprintf("acme/app:1:5:%d", ruleSecurityTeam))),
					expectApproval("rule_id", knownvalue.Int64Exact(ruleSecurityTeam)),
					expectApproval("rule_name", knownvalue.StringExact("security-team")),
				},
			},
			{
				// Both decisions are sam's; refreshing keeps each with its rule.
				Config: config("security"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maintainer, tfjsonpath.New("rule_id"), knownvalue.Int64Exact(ruleMaintainers)),
					statecheck.ExpectKnownValue(maintainer, tfjsonpath.New("pending_approval_count"), knownvalue.Int64Exact(1)),
					expectApproval("rule_id", knownvalue.Int64Exact(ruleSecurityTeam)),
					expectApproval("pending_approval_count", knownvalue.Int64Exact(1)),
				},
			},
			{
				Config:                  config("security"),
				ResourceName:            approvalAddress,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"represented_as"},
			},
			{
				Config:           config("security-team"),
				ConfigPlanChecks: expectApprovalAction(plancheck.ResourceActionReplace),
				ConfigStateChecks: []statecheck.StateCheck{
					expectApproval("represented_as", knownvalue.StringExact("security-team")),
					expectApproval("rule_id", knownvalue.Int64Exact(ruleSecurityTeam)),
				},
			},
		},
	})
}

func TestParseApprovalImportID(t *testing.T) {
	t.Parallel()
	valid := []struct {
		id                         string
		project                    string
		deployment, user, ruleWant int64
	}{
		{"acme/app:42", "acme/app", 42, 0, 0},
		{"7:42", "7", 42, 0, 0},
		{"acme/app:42:3", "acme/app", 42, 3, 0},
		{"acme/sub.group/app:42:3:12", "acme/sub.group/app", 42, 3, 12},
	}
	for _, tc := range valid {
		project, id, user, rule, err := parseApprovalImportID(tc.id)
		if err != nil || project != tc.project || id != tc.deployment || user != tc.user || rule != tc.ruleWant {
			t.Errorf("parseApprovalImportID(%q) = %q, %d, %d, %d, %v; want %q, %d, %d, %d",
				tc.id, project, id, user, rule, err, tc.project, tc.deployment, tc.user, tc.ruleWant)
		}
	}
	invalid := []struct{ id, mentions string }{
		{"", "has no colon"},
		{"acme/app", "has no colon"},
		{"acme/app:1:2:3:4", "has 5 parts"},
		{":42", "project is empty"},
		{"app:42", "neither a numeric id nor a full path"},
		{"acme/app:x", `deployment id "x"`},
		{"acme/app:0", `deployment id "0"`},
		{"acme/app:42:", `user id ""`},
		{"acme/app:42:-3", `user id "-3"`},
		{"acme/app:42:3:07", `rule id "07"`},
	}
	for _, tc := range invalid {
		_, _, _, _, err := parseApprovalImportID(tc.id)
		if err == nil {
			t.Errorf("parseApprovalImportID(%q) succeeded; want an error", tc.id)
			continue
		}
		if !strings.Contains(err.Error(), tc.mentions) || !strings.Contains(err.Error(), approvalImportIDFormat) {
			t.Errorf("parseApprovalImportID(%q) error %q; want it to mention %q and the format", tc.id, err, tc.mentions)
		}
	}
}

// GitLab cannot withdraw a decision: destroy only forgets it, and says so.
func TestDeploymentApprovalResource_destroyWarns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := NewDeploymentApprovalResource()
	var schemaResp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	state := tfsdk.State{Schema: schemaResp.Schema}
	diags := state.Set(ctx, &deploymentApprovalResourceModel{
		ID:           types.StringValue("acme/app:1:3"),
		Project:      types.StringValue("acme/app"),
		DeploymentID: types.Int64Value(1),
		Status:       types.StringValue("approved"),
		UserID:       types.Int64Value(3),
		Username:     types.StringValue("mae"),
	})
	if diags.HasError() {
		t.Fatalf("setting state: %v", diags)
	}
	resp := fwresource.DeleteResponse{State: state}
	r.Delete(ctx, fwresource.DeleteRequest{State: state}, &resp)

	if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 {
		t.Fatalf("diagnostics = %v; want exactly one warning", resp.Diagnostics)
	}
	w := resp.Diagnostics.Warnings()[0]
	text := w.Summary() + " " + w.Detail()
	for _, want := range []string{"Stays Recorded", `mae's approved decision on deployment 1 of project "acme/app"`, "opposite status"} {
		if !strings.Contains(text, want) {
			t.Errorf("warning %q does not mention %q", text, want)
		}
	}
}

// decisionInGitLab checks, after a step, that GitLab holds user's decision with status on a
// deployment of acme/app.
type decisionInGitLab struct {
	client   *gitlabapi.Client
	id       int64
	username string
	status   string
}

func (c decisionInGitLab) CheckState(ctx context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	d, err := c.client.GetDeployment(ctx, "acme/app", c.id)
	if err != nil {
		resp.Error = err
		return
	}
	for _, a := range d.Approvals {
		if a.User.Username == c.username && a.Status == c.status {
			return
		}
	}
	resp.Error = fmt.Errorf("deployment %d holds no %s decision of %s in GitLab: %+v", c.id, c.status, c.username, d.Approvals)
}
