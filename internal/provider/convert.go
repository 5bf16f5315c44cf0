package provider

// Converters from gitlabapi objects to Terraform values, one section per object. Resources and
// data sources build their models from these, so that an object reads the same everywhere.

import (
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// ---- Times ----

// timeValue renders a GitLab time as RFC 3339 in UTC, or null when GitLab gave none.
func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

// ---- User ----

var userAttrTypes = map[string]attr.Type{
	"id":       types.Int64Type,
	"username": types.StringType,
	"name":     types.StringType,
}

func userValue(u gitlabapi.User) types.Object {
	return types.ObjectValueMust(userAttrTypes, map[string]attr.Value{
		"id":       types.Int64Value(u.ID),
		"username": types.StringValue(u.Username),
		"name":     types.StringValue(u.Name),
	})
}

// ---- Job (a deployment's deployable) ----

var jobAttrTypes = map[string]attr.Type{
	"id":      types.Int64Type,
	"name":    types.StringType,
	"stage":   types.StringType,
	"status":  types.StringType,
	"ref":     types.StringType,
	"web_url": types.StringType,
}

// jobValue is null for a deployment created through the API.
func jobValue(j *gitlabapi.Job) types.Object {
	if j == nil {
		return types.ObjectNull(jobAttrTypes)
	}
	return types.ObjectValueMust(jobAttrTypes, map[string]attr.Value{
		"id":      types.Int64Value(j.ID),
		"name":    types.StringValue(j.Name),
		"stage":   types.StringValue(j.Stage),
		"status":  types.StringValue(j.Status),
		"ref":     types.StringValue(j.Ref),
		"web_url": types.StringValue(j.WebURL),
	})
}

// ---- Approval ----

var approvalAttrTypes = map[string]attr.Type{
	"user":       types.ObjectType{AttrTypes: userAttrTypes},
	"status":     types.StringType,
	"comment":    types.StringType,
	"created_at": types.StringType,
}

func approvalValue(a gitlabapi.Approval) types.Object {
	return types.ObjectValueMust(approvalAttrTypes, map[string]attr.Value{
		"user":       userValue(a.User),
		"status":     types.StringValue(a.Status),
		"comment":    types.StringPointerValue(a.Comment),
		"created_at": timeValue(a.CreatedAt),
	})
}

// approvalsValue lists approvals in GitLab's order (oldest first); never null.
func approvalsValue(as []gitlabapi.Approval) types.List {
	elems := make([]attr.Value, 0, len(as))
	for _, a := range as {
		elems = append(elems, approvalValue(a))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: approvalAttrTypes}, elems)
}

// ---- Deployment ----

// deploymentID is the resource id of a deployment: `<project>:<deployment_id>`, with the project
// as the configuration names it.
func deploymentID(project string, id int64) string {
	return project + ":" + strconv.FormatInt(id, 10)
}

// setFromAPI fills the model's GitLab-owned attributes from d. The arguments that GitLab echoes
// (environment, ref, sha) take GitLab's values so that Read sees drift, except where GitLab
// returns the same commit in another spelling (an abbreviated or differently cased sha).
func (m *deploymentResourceModel) setFromAPI(d *gitlabapi.Deployment) {
	m.ID = types.StringValue(deploymentID(m.Project.ValueString(), d.ID))
	m.DeploymentID = types.Int64Value(d.ID)
	m.IID = types.Int64Value(d.IID)
	m.Environment = types.StringValue(d.Environment.Name)
	m.EnvironmentID = types.Int64Value(d.Environment.ID)
	m.Ref = types.StringValue(d.Ref)
	if !sameCommit(m.SHA.ValueString(), d.SHA) {
		m.SHA = types.StringValue(d.SHA)
	}
	m.Status = types.StringValue(d.Status)
	m.CreatedAt = timeValue(d.CreatedAt)
	m.UpdatedAt = timeValue(d.UpdatedAt)
	m.User = userValue(d.User)
	m.Deployable = jobValue(d.Deployable)
	m.PendingApprovalCount = types.Int64Value(d.PendingApprovalCount)
	m.Approvals = approvalsValue(d.Approvals)
}

// sameCommit reports whether two spellings of a sha name the same commit: one is a prefix of
// the other, ignoring case, and the shorter has at least 7 characters.
func sameCommit(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if len(a) > len(b) {
		a, b = b, a
	}
	return a == b || (len(a) >= 7 && strings.HasPrefix(b, a))
}

// ==== Deployment approval (gitlabdeploy_deployment_approval) ====

// approvalResourceID is the resource id of a decision: `<project>:<deployment_id>:<user_id>`,
// plus `:<rule_id>` when ruleID is not 0.
func approvalResourceID(project string, deployment, userID, ruleID int64) string {
	id := deploymentID(project, deployment) + ":" + strconv.FormatInt(userID, 10)
	if ruleID != 0 {
		id += ":" + strconv.FormatInt(ruleID, 10)
	}
	return id
}

// setFromAPI fills the model's GitLab-owned attributes from decision a, the rule it counts for
// (nil when unknown) and the deployment d it was read with.
func (m *deploymentApprovalResourceModel) setFromAPI(a *gitlabapi.Approval, rule *gitlabapi.ApprovalRule, d *gitlabapi.Deployment) {
	m.Status = types.StringValue(a.Status)
	m.Comment = types.StringPointerValue(a.Comment)
	m.UserID = types.Int64Value(a.User.ID)
	m.Username = types.StringValue(a.User.Username)
	m.CreatedAt = timeValue(a.CreatedAt)
	m.RuleID, m.RuleName = types.Int64Null(), types.StringNull()
	if rule != nil {
		m.RuleID = types.Int64Value(rule.ID)
		m.RuleName = types.StringPointerValue(rule.AccessLevelDescription)
	}
	m.PendingApprovalCount = types.Int64Value(d.PendingApprovalCount)
}
