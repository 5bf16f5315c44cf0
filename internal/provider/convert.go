package provider

// Converters from gitlabapi objects to Terraform values, one section per object. Resources and
// data sources build their models from these, so that an object reads the same everywhere.

import (
	"context"
	"maps"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

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

// deploymentResourceID is the resource id of a deployment: `<project>:<deployment_id>`, with the project
// as the configuration names it.
func deploymentResourceID(project string, id int64) string {
	return project + ":" + strconv.FormatInt(id, 10)
}

// setFromAPI fills the model's GitLab-owned attributes from d. The arguments that GitLab echoes
// (environment, ref, sha) take GitLab's values so that Read sees drift, except where GitLab
// returns the same commit in another spelling (an abbreviated or differently cased sha).
func (m *deploymentResourceModel) setFromAPI(d *gitlabapi.Deployment) {
	m.ID = types.StringValue(deploymentResourceID(m.Project.ValueString(), d.ID))
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
	id := deploymentResourceID(project, deployment) + ":" + strconv.FormatInt(userID, 10)
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

// ==== Data sources (gitlabdeploy_deployment, gitlabdeploy_deployments, ====
// ==== gitlabdeploy_deployment_merge_requests) ====

// ---- Deployment, as gitlabdeploy_deployments lists it ----

var deploymentListItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"deployment_id": types.Int64Type,
	"iid":           types.Int64Type,
	"ref":           types.StringType,
	"sha":           types.StringType,
	"status":        types.StringType,
	"environment":   types.StringType,
	"created_at":    types.StringType,
	"updated_at":    types.StringType,
	"user":          types.ObjectType{AttrTypes: userAttrTypes},
	"deployable":    types.ObjectType{AttrTypes: jobAttrTypes},
	// Null unless include_approvals and include_merge_requests ask for them.
	"pending_approval_count": types.Int64Type,
	"approvals":              types.ListType{ElemType: types.ObjectType{AttrTypes: approvalAttrTypes}},
	"approval_summary":       types.ObjectType{AttrTypes: approvalSummaryAttrTypes},
	"merge_requests":         types.ListType{ElemType: mergeRequestType},
}}

// deploymentListItemTypes are the Terraform types of a listed deployment, computed once per list
// and shared by its elements: a value built through the framework's types carries its own copy
// of its type, which for a list of 10,000 doubles the memory the list takes.
type deploymentListItemTypes struct {
	item, user, job tftypes.Object
	// nulls are the values of the attributes that only the includes fill.
	nulls map[string]tftypes.Value
	// noJob is the deployable of a deployment created through the API.
	noJob tftypes.Value
}

// includedAttributes are the attributes of a listed deployment that only the includes fill.
var includedAttributes = []string{"pending_approval_count", "approvals", "approval_summary", "merge_requests"}

func newDeploymentListItemTypes(ctx context.Context) deploymentListItemTypes {
	item := deploymentListItemType.TerraformType(ctx).(tftypes.Object) //nolint:forcetypeassert // an ObjectType's type is an Object
	nulls := make(map[string]tftypes.Value, len(includedAttributes))
	for _, name := range includedAttributes {
		nulls[name] = tftypes.NewValue(item.AttributeTypes[name], nil)
	}
	job := item.AttributeTypes["deployable"].(tftypes.Object) //nolint:forcetypeassert // as declared above
	return deploymentListItemTypes{
		item:  item,
		user:  item.AttributeTypes["user"].(tftypes.Object), //nolint:forcetypeassert // as declared above
		job:   job,
		nulls: nulls,
		noJob: tftypes.NewValue(job, nil),
	}
}

// value is a deployment as gitlabdeploy_deployments lists it without includes.
func (t deploymentListItemTypes) value(d *gitlabapi.Deployment) tftypes.Value {
	return tftypes.NewValue(t.item, t.attributes(d, t.nulls))
}

// valueWith is a listed deployment with what the includes read: the deployment as GET answers
// it, with its approvals, and the merge requests it shipped, through the converters of the
// gitlabdeploy_deployment and gitlabdeploy_deployment_merge_requests data sources.
func (t deploymentListItemTypes) valueWith(ctx context.Context, listed *gitlabapi.Deployment, r *deploymentRead, withMergeRequests bool) (tftypes.Value, error) {
	included := maps.Clone(t.nulls)
	d := listed
	if r.deployment != nil {
		d = r.deployment
		var err error
		included["pending_approval_count"] = terraformInt(d.PendingApprovalCount)
		if included["approvals"], err = approvalsValue(d.Approvals).ToTerraformValue(ctx); err != nil {
			return tftypes.Value{}, err
		}
		if included["approval_summary"], err = approvalSummaryValue(d.ApprovalSummary, d.Approvals).ToTerraformValue(ctx); err != nil {
			return tftypes.Value{}, err
		}
	}
	if withMergeRequests {
		mrs, err := mergeRequestsValue(r.mergeRequests).ToTerraformValue(ctx)
		if err != nil {
			return tftypes.Value{}, err
		}
		included["merge_requests"] = mrs
	}
	return tftypes.NewValue(t.item, t.attributes(d, included)), nil
}

// attributes are a listed deployment's attributes, those of the includes taken from included.
func (t deploymentListItemTypes) attributes(d *gitlabapi.Deployment, included map[string]tftypes.Value) map[string]tftypes.Value {
	job := t.noJob
	if j := d.Deployable; j != nil {
		job = tftypes.NewValue(t.job, map[string]tftypes.Value{
			"id":      terraformInt(j.ID),
			"name":    terraformString(j.Name),
			"stage":   terraformString(j.Stage),
			"status":  terraformString(j.Status),
			"ref":     terraformString(j.Ref),
			"web_url": terraformString(j.WebURL),
		})
	}
	return map[string]tftypes.Value{
		"pending_approval_count": included["pending_approval_count"],
		"approvals":              included["approvals"],
		"approval_summary":       included["approval_summary"],
		"merge_requests":         included["merge_requests"],
		"deployment_id":          terraformInt(d.ID),
		"iid":                    terraformInt(d.IID),
		"ref":                    terraformString(d.Ref),
		"sha":                    terraformString(d.SHA),
		"status":                 terraformString(d.Status),
		"environment":            terraformString(d.Environment.Name),
		"created_at":             terraformTime(d.CreatedAt),
		"updated_at":             terraformTime(d.UpdatedAt),
		"user": tftypes.NewValue(t.user, map[string]tftypes.Value{
			"id":       terraformInt(d.User.ID),
			"username": terraformString(d.User.Username),
			"name":     terraformString(d.User.Name),
		}),
		"deployable": job,
	}
}

func terraformString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func terraformInt(i int64) tftypes.Value {
	return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(i))
}

// terraformTime is timeValue for values built without the framework's types.
func terraformTime(t time.Time) tftypes.Value {
	if t.IsZero() {
		return tftypes.NewValue(tftypes.String, nil)
	}
	return terraformString(t.UTC().Format(time.RFC3339Nano))
}

// ---- Approval summary ----

var approvalRuleAttrTypes = map[string]attr.Type{
	"id":                       types.Int64Type,
	"user_id":                  types.Int64Type,
	"group_id":                 types.Int64Type,
	"access_level":             types.Int64Type,
	"access_level_description": types.StringType,
	"required_approvals":       types.Int64Type,
	"approvals":                types.ListType{ElemType: types.ObjectType{AttrTypes: approvalAttrTypes}},
}

var approvalSummaryAttrTypes = map[string]attr.Type{
	"rules": types.ListType{ElemType: types.ObjectType{AttrTypes: approvalRuleAttrTypes}},
}

// approvalSummaryValue is a deployment's approval rules, each with only the deployment's own
// decisions (own, from its approvals list). GitLab lists under a rule every decision ever made
// under it, other deployments' too; showing those would credit an approval to the wrong
// deployment.
func approvalSummaryValue(s *gitlabapi.ApprovalSummary, own []gitlabapi.Approval) types.Object {
	unclaimed := make(map[approvalKey]int, len(own))
	for i := range own {
		unclaimed[keyOf(&own[i])]++
	}
	var rules []attr.Value
	if s != nil {
		rules = make([]attr.Value, 0, len(s.Rules))
		for i := range s.Rules {
			rule := &s.Rules[i]
			var mine []gitlabapi.Approval
			for j := range rule.DeploymentApprovals {
				a := &rule.DeploymentApprovals[j]
				if k := keyOf(a); unclaimed[k] > 0 {
					unclaimed[k]--
					mine = append(mine, *a)
				}
			}
			rules = append(rules, approvalRuleValue(rule, mine))
		}
	}
	return types.ObjectValueMust(approvalSummaryAttrTypes, map[string]attr.Value{
		"rules": types.ListValueMust(types.ObjectType{AttrTypes: approvalRuleAttrTypes}, rules),
	})
}

// approvalKey identifies a decision across GitLab's lists: a user decides at most once per
// rule and deployment, and each decision carries its own creation time.
type approvalKey struct {
	userID    int64
	status    string
	createdAt time.Time
	comment   string
}

func keyOf(a *gitlabapi.Approval) approvalKey {
	k := approvalKey{userID: a.User.ID, status: a.Status, createdAt: a.CreatedAt.UTC()}
	if a.Comment != nil {
		k.comment = *a.Comment
	}
	return k
}

func approvalRuleValue(r *gitlabapi.ApprovalRule, approvals []gitlabapi.Approval) types.Object {
	return types.ObjectValueMust(approvalRuleAttrTypes, map[string]attr.Value{
		"id":                       types.Int64Value(r.ID),
		"user_id":                  types.Int64PointerValue(r.UserID),
		"group_id":                 types.Int64PointerValue(r.GroupID),
		"access_level":             types.Int64PointerValue(r.AccessLevel),
		"access_level_description": types.StringPointerValue(r.AccessLevelDescription),
		"required_approvals":       types.Int64Value(r.RequiredApprovals),
		"approvals":                approvalsValue(approvals),
	})
}

// ---- Merge request ----

var mergeRequestAttrTypes = map[string]attr.Type{
	"id":            types.Int64Type,
	"iid":           types.Int64Type,
	"title":         types.StringType,
	"state":         types.StringType,
	"source_branch": types.StringType,
	"target_branch": types.StringType,
	"author":        types.StringType,
	"merge_user":    types.StringType,
	"labels":        types.ListType{ElemType: types.StringType},
	"web_url":       types.StringType,
	"merged_at":     types.StringType,
}

var mergeRequestType = types.ObjectType{AttrTypes: mergeRequestAttrTypes}

func mergeRequestValue(mr *gitlabapi.MergeRequest) types.Object {
	mergedAt := types.StringNull()
	if mr.MergedAt != nil {
		mergedAt = timeValue(*mr.MergedAt)
	}
	mergeUser := types.StringNull()
	if mr.MergeUser != nil {
		mergeUser = types.StringValue(mr.MergeUser.Username)
	}
	labels := make([]attr.Value, len(mr.Labels))
	for i, l := range mr.Labels {
		labels[i] = types.StringValue(l)
	}
	return types.ObjectValueMust(mergeRequestAttrTypes, map[string]attr.Value{
		"id":            types.Int64Value(mr.ID),
		"iid":           types.Int64Value(mr.IID),
		"title":         types.StringValue(mr.Title),
		"state":         types.StringValue(mr.State),
		"source_branch": types.StringValue(mr.SourceBranch),
		"target_branch": types.StringValue(mr.TargetBranch),
		"author":        types.StringValue(mr.Author.Username),
		"merge_user":    mergeUser,
		"labels":        types.ListValueMust(types.StringType, labels),
		"web_url":       types.StringValue(mr.WebURL),
		"merged_at":     mergedAt,
	})
}

// mergeRequestsValue lists merge requests in GitLab's order; never null.
func mergeRequestsValue(mrs []gitlabapi.MergeRequest) types.List {
	items := make([]attr.Value, len(mrs))
	for i := range mrs {
		items[i] = mergeRequestValue(&mrs[i])
	}
	return types.ListValueMust(mergeRequestType, items)
}
