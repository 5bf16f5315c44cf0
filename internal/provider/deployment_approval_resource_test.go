package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
		{"", "has 1 parts"},
		{"acme/app", "has 1 parts"},
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
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
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
	resp := resource.DeleteResponse{State: state}
	r.Delete(ctx, resource.DeleteRequest{State: state}, &resp)

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
