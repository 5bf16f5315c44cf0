package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ resource.ResourceWithConfigure   = (*deploymentApprovalResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*deploymentApprovalResource)(nil)
	_ resource.ResourceWithImportState = (*deploymentApprovalResource)(nil)
)

// approvalStatuses are the decisions an approver can make.
var approvalStatuses = []string{gitlabapi.ApprovalApproved, gitlabapi.ApprovalRejected}

// approvalImportIDFormat is the import id of a decision, as error messages and docs state it.
const approvalImportIDFormat = "<project>:<deployment_id>[:<user_id>[:<rule_id>]]"

// representedAsMarkdown documents represented_as for the approval resource and the approve action.
const representedAsMarkdown = "Which approval rule the decision counts for when the user matches several: the first " +
	"rule whose name (the user's, the group's, `Maintainers` or `Developers + Maintainers`) contains this text, " +
	"case-sensitively; without it, the user's first matching rule."

// maxCommentLength is GitLab's limit on a decision's comment, in characters.
const maxCommentLength = 255

type deploymentApprovalResource struct {
	client   *gitlabapi.Client
	projects *projectIDs
}

type deploymentApprovalResourceModel struct {
	ID                   types.String `tfsdk:"id"`
	Project              types.String `tfsdk:"project"`
	DeploymentID         types.Int64  `tfsdk:"deployment_id"`
	Status               types.String `tfsdk:"status"`
	Comment              types.String `tfsdk:"comment"`
	RepresentedAs        types.String `tfsdk:"represented_as"`
	UserID               types.Int64  `tfsdk:"user_id"`
	Username             types.String `tfsdk:"username"`
	CreatedAt            types.String `tfsdk:"created_at"`
	RuleID               types.Int64  `tfsdk:"rule_id"`
	RuleName             types.String `tfsdk:"rule_name"`
	PendingApprovalCount types.Int64  `tfsdk:"pending_approval_count"`
}

// NewDeploymentApprovalResource returns the gitlabdeploy_deployment_approval resource.
func NewDeploymentApprovalResource() resource.Resource {
	return &deploymentApprovalResource{}
}

func (r *deploymentApprovalResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment_approval"
	resp.ResourceBehavior.MutableIdentity = identityFillsProjectIDLater
}

func (r *deploymentApprovalResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Approves or rejects, as the provider's user, a deployment waiting on the approval rules " +
			"of a protected environment (GitLab Premium 14.8 or later; a deployment recorded through the API, from " +
			"GitLab " + gitlabApprovesAPIDeployments + ", since older releases hold only the blocked deployments of CI " +
			"jobs for approval). Changing `status` changes the decision in place while the " +
			"deployment still waits for approvals; once every rule is satisfied GitLab refuses any decision. GitLab " +
			"keeps the first comment of an unchanged decision, so changing only `comment` is refused. The plan warns " +
			"of such refusals and the apply refuses them before sending anything; `terraform destroy` is never " +
			"blocked by them. Changing `deployment_id` or `represented_as`, or `project` to another project, records a new decision. GitLab cannot withdraw a decision: destroying the resource only removes it from " +
			"the state. On a deployment created by GitLab CI, a rejection fails the deployment. " +
			"Import with `" + approvalImportIDFormat + "`; without `user_id` it imports the provider user's decision.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<project>:<deployment_id>:<user_id>`, followed by `:<rule_id>` when " +
					"`represented_as` is set, with the project as configured.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"project": schema.StringAttribute{
				MarkdownDescription: "Numeric id or full path (for example `acme/app`) of the project. Another " +
					"spelling of the same project (path case, id versus path, its new path after a rename or transfer) " +
					"keeps the decision; naming another project records a new decision.",
				Required:   true,
				Validators: []validator.String{projectValidator{}},
			},
			"deployment_id": schema.Int64Attribute{
				MarkdownDescription: "GitLab's global id of the deployment (not its `iid`), for example " +
					"`gitlabdeploy_deployment.production.deployment_id`. Changing it records a new decision.",
				Required:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers: []planmodifier.Int64{replacing(approvalReplacingArguments, "deployment_id")},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "The decision: " + enumMarkdown(approvalStatuses) + ". Changing it changes " +
					"the decision in place (GitLab replaces status and comment) while the deployment still waits " +
					"for approvals.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(approvalStatuses...)},
			},
			"comment": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Comment recorded with the decision, 1 to %d characters. GitLab keeps "+
					"the first comment of a decision whose status does not change, so it can only change together "+
					"with `status`.", maxCommentLength),
				Optional:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxCommentLength)},
			},
			"represented_as": schema.StringAttribute{
				MarkdownDescription: representedAsMarkdown + " Changing it records a new decision.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, maxNameLength)},
				PlanModifiers:       []planmodifier.String{importedRuleKept{}, replacing(approvalReplacingArguments, "represented_as")},
			},
			"user_id": schema.Int64Attribute{
				MarkdownDescription: "Id of the user who decided: the provider's user, as GitLab's answer names it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Username of the user who decided.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When GitLab first recorded the decision (RFC 3339); a change of status keeps it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"rule_id": schema.Int64Attribute{
				MarkdownDescription: "Id of the approval rule the decision counts for; null when GitLab no longer " +
					"shows it (for example after the rule was removed).",
				Computed:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"rule_name": schema.StringAttribute{
				MarkdownDescription: "Name of that rule as GitLab shows it (the user's or group's name, " +
					"`Maintainers`, `Developers + Maintainers`); null for rules without one.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"pending_approval_count": schema.Int64Attribute{
				MarkdownDescription: "Approvals the deployment still needed, summed over its rules, right after " +
					"this decision was recorded or last read. `0` means it no longer waits for approvals.",
				Computed: true,
			},
		},
	}
}

func (r *deploymentApprovalResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.client = data.client
		r.projects = data.projects
	}
}

func (r *deploymentApprovalResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan deploymentApprovalResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := plan.Project.ValueString(), plan.DeploymentID.ValueInt64()
	dec, err := r.client.Decide(ctx, project, id, plan.options(), 0)
	if errors.Is(err, gitlabapi.ErrNotWaitingForApproval) && r.keepHeldDecision(ctx, &plan, resp, err) {
		return
	}
	if err != nil {
		addDecisionError(&resp.Diagnostics, "Unable to Record Deployment Decision", project, id,
			plan.RepresentedAs.ValueString(), resourceDecisionWaysOut, err)
		return
	}
	if got := dec.Approval; keptComment(&got, plan.Status.ValueString(), plan.Comment.ValueStringPointer()) {
		// GitLab answered with a decision this user made earlier with the same status: it keeps
		// that decision's comment. Nothing changed in GitLab; the state keeps that decision as
		// GitLab holds it (tainted, as the create failed) rather than lose it (DESIGN.md §B23).
		resp.Diagnostics.AddAttributeError(path.Root("comment"), "Decision Already Recorded With Another Comment",
			keptCommentDetail(project, id, &got, plan.Comment.ValueStringPointer())+fmt.Sprintf("\n\nThe state keeps "+
				"the recorded decision (Terraform marks it tainted). To manage it, set \"comment\" to %s. To record a "+
				"new comment, change the decision's status and back.", commentText(got.Comment)))
		r.saveCreated(ctx, &plan, &got, dec.Rule, dec.Deployment, resp)
		return
	}
	if dec.AlreadyInPlace {
		resp.Diagnostics.AddWarning("Decision Already in Place", alreadyDecided(&dec.Approval, project, id)+
			", under the same approval rule, so GitLab changed nothing: it answered with that decision as it was. "+
			"No new decision was recorded; this resource now manages that decision.")
	}
	r.saveCreated(ctx, &plan, &dec.Approval, dec.Rule, dec.Deployment, resp)
}

// saveCreated puts the decision a create leaves, as GitLab holds it, into the state, with its
// identity.
func (r *deploymentApprovalResource) saveCreated(ctx context.Context, plan *deploymentApprovalResourceModel,
	a *gitlabapi.Approval, rule *gitlabapi.ApprovalRule, d *gitlabapi.Deployment, resp *resource.CreateResponse) {
	plan.ID = types.StringValue(approvalResourceID(plan.Project.ValueString(), plan.DeploymentID.ValueInt64(),
		a.User.ID, plan.ruleForID(rule)))
	plan.setFromAPI(a, rule, d)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.completeIdentity(ctx, resp.Identity, plan, &resp.Diagnostics)
}

// alreadyDecided says when the user had made decision a on the deployment.
func alreadyDecided(a *gitlabapi.Approval, project string, id int64) string {
	return fmt.Sprintf("%s had already %s %s on %s", a.User.Username, a.Status, deploymentSubject(project, id),
		a.CreatedAt.UTC().Format(time.RFC3339))
}

// keepHeldDecision handles a create GitLab refused because the deployment no longer waits for
// approvals, as the create of a replacement is once the old decision did its part (DESIGN.md
// §B23): the user's decision GitLab holds is never lost from the state. One as planned is taken
// as already in place; another is kept as GitLab holds it, with the refusal, and Terraform marks
// it tainted. It reports false, having done nothing, when the user has no decision there or the
// provider cannot tell whose decisions are its user's.
func (r *deploymentApprovalResource) keepHeldDecision(ctx context.Context, plan *deploymentApprovalResourceModel,
	resp *resource.CreateResponse, refusal error) bool {
	project, id := plan.Project.ValueString(), plan.DeploymentID.ValueInt64()
	user, err := r.client.CurrentUser(ctx)
	if err != nil {
		return false
	}
	d, err := r.client.GetDeployment(ctx, project, id)
	if err != nil {
		return false
	}
	held, rule := gitlabapi.HeldDecision(d, user.ID, plan.Status.ValueString(), plan.RepresentedAs.ValueStringPointer())
	if held != nil {
		resp.Diagnostics.AddWarning("Decision Already in Place", alreadyDecided(held, project, id)+". The "+
			"deployment no longer waits for approvals, so GitLab takes no new decision on it; this resource now "+
			"manages that decision.")
	} else {
		if held, rule = gitlabapi.UserDecision(d, user.ID, 0); held == nil {
			return false
		}
		addDecisionError(&resp.Diagnostics, "Unable to Record Deployment Decision", project, id,
			plan.RepresentedAs.ValueString(), resourceDecisionWaysOut, refusal)
		resp.Diagnostics.AddAttributeError(path.Root("status"), "Decision Kept in the State", fmt.Sprintf(
			"GitLab still holds %s's %s decision on %s, and cannot withdraw it, so the state keeps that decision as "+
				"GitLab holds it (Terraform marks it tainted) rather than lose it. To manage it as it is, set "+
				"\"status\" back to %q%s; or remove the resource from the state (a removed block, or terraform "+
				"state rm <address>).", held.User.Username, held.Status, deploymentSubject(project, id), held.Status,
			representedAsHint(rule)))
	}
	r.saveCreated(ctx, plan, held, rule, d, resp)
	return true
}

// representedAsHint names the rule a kept decision counts for, for the advice to configure it.
func representedAsHint(rule *gitlabapi.ApprovalRule) string {
	if rule == nil || rule.AccessLevelDescription == nil {
		return ""
	}
	return fmt.Sprintf(" (it counts for approval rule %q: set represented_as to select it)", *rule.AccessLevelDescription)
}

func (r *deploymentApprovalResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state deploymentApprovalResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := state.Project.ValueString(), state.DeploymentID.ValueInt64()
	subject := deploymentSubject(project, id)
	// Only an import's read finds status null: every other state holds GitLab's.
	importing := state.Status.IsNull()
	var identityProjectID int64
	if importing {
		identityProjectID = importedIdentityProjectID(ctx, req.Identity)
	}
	// Even a read that removes the resource answers with an identity.
	r.completeIdentity(ctx, resp.Identity, &state, &resp.Diagnostics)

	d, err := r.client.GetDeployment(ctx, project, id)
	if errors.Is(err, gitlabapi.ErrNotFound) {
		if deletedInGitLab(ctx, r.client, &resp.Diagnostics, err, notFoundRead{
			summary: "Unable to Read Deployment Decision", project: project, id: id,
			kept: "the decision", assumption: "the deployment was deleted",
			importing: importing, importFormat: approvalImportIDFormat, identityProjectID: identityProjectID,
		}) {
			tflog.Info(ctx, "deployment deleted outside Terraform, and its decisions with it; removing the decision from the state",
				map[string]any{"project": project, "deployment_id": id})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	if err != nil {
		addGitLabError(&resp.Diagnostics, "Unable to Read Deployment Decision", subject, err)
		return
	}
	a, rule := gitlabapi.UserDecision(d, state.UserID.ValueInt64(), state.RuleID.ValueInt64())
	if a == nil && importing {
		resp.Diagnostics.AddError("Unable to Import Deployment Decision", noDecisionToImport(&state, identityProjectID))
		return
	}
	if a == nil {
		tflog.Info(ctx, "decision no longer on the deployment; removing it from the state", map[string]any{
			"project": project, "deployment_id": id, "user_id": state.UserID.ValueInt64(),
		})
		resp.State.RemoveResource(ctx)
		return
	}
	importNamesRule := importing && state.RuleID.ValueInt64() != 0
	state.setFromAPI(a, rule, d)
	if importNamesRule && state.RepresentedAs.IsNull() {
		// The import names the rule (as the identity of a decision recorded with represented_as
		// does): represented_as takes the rule's name, which a configured part of it selects
		// (importedRuleKept, DESIGN.md §B22).
		state.RepresentedAs = state.RuleName
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// importedRuleKept keeps represented_as as an import set it, the name of the rule the decision
// counts for, when the configuration writes a part of that name: it selects the same rule, so the
// import is pure and nothing is recorded anew. Terraform accepts a planned value that is the prior
// one for a configured argument.
type importedRuleKept struct{}

func (importedRuleKept) Description(context.Context) string {
	return "Keeps the rule name an import set when the configured value is part of it."
}

func (m importedRuleKept) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (importedRuleKept) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.StateValue.Equal(req.ConfigValue) {
		return
	}
	var ruleName types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("rule_name"), &ruleName)...)
	if ruleName.IsNull() || !req.StateValue.Equal(ruleName) {
		return // represented_as as configured before, not as an import set it
	}
	if strings.Contains(ruleName.ValueString(), req.ConfigValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

func (r *deploymentApprovalResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if refuseAsPlanned(ctx, resp.Private, &resp.Diagnostics) {
		return
	}
	var plan, state deploymentApprovalResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.completeIdentity(ctx, resp.Identity, &state, &resp.Diagnostics)
	if plan.Status.Equal(state.Status) {
		// Only represented_as was set on an imported decision, or project spelled otherwise:
		// nothing to send.
		plan.PendingApprovalCount = state.PendingApprovalCount
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	project, id := state.Project.ValueString(), state.DeploymentID.ValueInt64()
	dec, err := r.client.Decide(ctx, project, id, plan.options(), state.UserID.ValueInt64())
	if err != nil {
		// The state keeps the decision as it was: GitLab refused or recorded nothing.
		addDecisionError(&resp.Diagnostics, "Unable to Change Deployment Decision", project, id,
			plan.RepresentedAs.ValueString(), resourceDecisionWaysOut, err)
		return
	}
	if dec.Approval.User.ID != state.UserID.ValueInt64() {
		resp.Diagnostics.AddError("Decision Recorded for Another User", fmt.Sprintf(
			"This resource holds the decision of user %s (id %d) on %s, but the provider's credentials act for %s "+
				"(id %d), and GitLab recorded a %s decision for that user instead; the resource still holds %s's "+
				"decision, unchanged. Use %s's token to change this decision, or replace the resource "+
				"(terraform apply -replace=<address>) to manage %s's decision; GitLab cannot withdraw decisions.",
			state.Username.ValueString(), state.UserID.ValueInt64(), deploymentSubject(project, id),
			dec.Approval.User.Username, dec.Approval.User.ID, dec.Approval.Status, state.Username.ValueString(),
			state.Username.ValueString(), dec.Approval.User.Username))
		return
	}
	plan.setFromAPI(&dec.Approval, dec.Rule, dec.Deployment)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *deploymentApprovalResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state deploymentApprovalResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("Deployment Decision Stays Recorded in GitLab", fmt.Sprintf(
		"GitLab has no way to withdraw a deployment approval or rejection: %s's %s decision on %s stays recorded "+
			"and still counts. Terraform no longer manages it. To reverse it while the deployment still waits for "+
			"approvals, apply the opposite status instead of destroying the resource.",
		state.Username.ValueString(), state.Status.ValueString(),
		deploymentSubject(state.Project.ValueString(), state.DeploymentID.ValueInt64())))
}

func (r *deploymentApprovalResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		r.importByIdentity(ctx, req, resp)
		return
	}
	project, id, userID, ruleID, err := parseApprovalImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Deployment Decision Import ID", capitalize(err.Error())+".")
		return
	}
	if userID == 0 {
		u, err := r.client.CurrentUser(ctx)
		if err != nil {
			resp.Diagnostics.AddError("Unable to Find the Provider's User", fmt.Sprintf(
				"Import id %q names no user, so the provider imports its own user's decision, but asking GitLab which "+
					"user the credentials act for failed: %v\n\nGitLab does not tell a CI job token which user it acts "+
					"for: import with %s:%d:<user_id> instead.", req.ID, err, project, id))
			return
		}
		userID = u.ID
	}
	startImportedDecision(ctx, resp, project, id, userID, ruleID)
}

// ModifyPlan decides with planDeploymentApproval what the change does and what GitLab would refuse
// in it (DESIGN.md §B5). Only a change of decision reads GitLab: the deployment, and the
// provider's user.
func (r *deploymentApprovalResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var prior, planned deploymentApprovalResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var facts approvalPlanFacts
	if !planned.Project.Equal(prior.Project) {
		facts.sameProject, facts.projectUncompared = r.projects.sameProject(ctx, prior.Project, planned.Project,
			identityProjectID(ctx, req.Identity), prior.DeploymentID.ValueInt64())
	}
	p := planDeploymentApproval(&prior, &planned, facts)
	if len(p.replaced) > 0 {
		resp.RequiresReplace = append(resp.RequiresReplace, requiresReplace(p.replaced)...)
	} else {
		if !p.changesDecision {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("pending_approval_count"), prior.PendingApprovalCount)...)
		}
		if facts.sameProject {
			// The id names the project as configured.
			id := planned.Project.ValueString() + strings.TrimPrefix(prior.ID.ValueString(), prior.Project.ValueString())
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
		}
	}
	if p.changesDecision && len(p.refusals) == 0 && r.client != nil {
		d, user := r.decisionFacts(ctx, &prior)
		p.checkDecisionChange(&prior, d, user)
	}
	warnOfRefusals(ctx, p.refusals, &resp.Diagnostics, resp.Private)
}

// decisionFacts reads what a change of decision depends on: the deployment, and the provider's
// user. Either is nil when GitLab does not tell; apply then meets GitLab's own answer.
func (r *deploymentApprovalResource) decisionFacts(ctx context.Context, prior *deploymentApprovalResourceModel) (*gitlabapi.Deployment, *gitlabapi.User) {
	d, err := r.client.GetDeployment(ctx, prior.Project.ValueString(), prior.DeploymentID.ValueInt64())
	if err != nil {
		tflog.Warn(ctx, "could not read the deployment to check it still waits for approvals", map[string]any{"error": err.Error()})
		return nil, nil
	}
	if d.PendingApprovalCount == 0 {
		return d, nil
	}
	user, err := r.client.CurrentUser(ctx)
	if err != nil {
		return d, nil
	}
	return d, user
}

// options is the request that records the planned decision.
func (m *deploymentApprovalResourceModel) options() gitlabapi.ApprovalOptions {
	return approvalOptions(m.Status, m.Comment, m.RepresentedAs)
}

// approvalOptions is the request of the approval resource and the approve action.
func approvalOptions(status, comment, representedAs types.String) gitlabapi.ApprovalOptions {
	return gitlabapi.ApprovalOptions{
		Status:        status.ValueString(),
		Comment:       comment.ValueStringPointer(),
		RepresentedAs: representedAs.ValueStringPointer(),
	}
}

// ruleForID is the rule id that goes into the resource id: only a decision chosen with
// represented_as needs it to be told from the same user's other decisions.
func (m *deploymentApprovalResourceModel) ruleForID(rule *gitlabapi.ApprovalRule) int64 {
	if m.RepresentedAs.IsNull() || rule == nil {
		return 0
	}
	return rule.ID
}

// decisionWaysOut are the endings of a refusal's explanation that depend on what asked for the
// decision: the approval resource or the approve action.
type decisionWaysOut struct {
	// noDecisionNeeded ends the advice when the environment accepts no decision at all.
	noDecisionNeeded string
	// notWaiting is the advice once the deployment no longer waits for approvals.
	notWaiting string
}

var resourceDecisionWaysOut = decisionWaysOut{
	noDecisionNeeded: "or remove this resource.",
	notWaiting:       "Remove this resource, or, if it already holds a decision, set \"status\" back to what it holds.",
}

// addDecisionError explains a decision GitLab refused or failed, naming the fix.
func addDecisionError(diags *diag.Diagnostics, summary, project string, id int64, representedAs string, ways decisionWaysOut, err error) {
	subject := deploymentSubject(project, id)
	attribute := func(attr, advice string) {
		addGitLabAttributeError(diags, path.Root(attr), summary, subject, err, advice)
	}
	switch {
	case errors.Is(err, gitlabapi.ErrNotProtected):
		attribute("deployment_id", "The deployment's environment is not protected, so its deployments need no "+
			"approval and GitLab accepts no decision on them. Protect the environment with approval rules (project "+
			"Settings > CI/CD > Protected environments, or the protected environments API), "+ways.noDecisionNeeded)
	case errors.Is(err, gitlabapi.ErrApprovalsNotSetUp):
		attribute("deployment_id", "The deployment's environment is protected but has no approval rules. Add "+
			"approval rules to its protected environment (project Settings > CI/CD > Protected environments), "+
			ways.noDecisionNeeded)
	case errors.Is(err, gitlabapi.ErrNotWaitingForApproval):
		attribute("status", "The deployment no longer waits for approvals: every approval rule of its environment "+
			"is satisfied, and GitLab refuses every further decision, by anyone. "+ways.notWaiting)
	case errors.Is(err, gitlabapi.ErrSelfApproval):
		attribute("status", "The provider's user created this deployment, and GitLab does not let a deployment's "+
			"creator approve it. Approve it with another user's token, or allow it in the project: enable \"Allow "+
			"pipeline triggerer to approve deployment\" (project setting allow_pipeline_trigger_approve_deployment, "+
			"under Settings > CI/CD > Protected environments). Rejecting one's own deployment is always allowed.")
	case errors.Is(err, gitlabapi.ErrNoApprovalPermission):
		attribute("deployment_id", "The provider's user matches none of the approval rules of the deployment's "+
			"environment. Use the token of a user a rule names (directly, through a group, or by role), or add a "+
			"rule for this user to the protected environment.")
	case errors.Is(err, gitlabapi.ErrNoMatchingRule):
		attribute("represented_as", fmt.Sprintf("No approval rule that the provider's user matches has a name "+
			"containing represented_as %q. GitLab matches it case-sensitively against the rule's user name, group "+
			"name, or role (\"Maintainers\", \"Developers + Maintainers\"). Correct \"represented_as\", or leave it out "+
			"to decide under the user's first matching rule.", representedAs))
	case errors.Is(err, gitlabapi.ErrCommentTooLong):
		attribute("comment", fmt.Sprintf("Shorten \"comment\" to at most %d characters.", maxCommentLength))
	case errors.Is(err, gitlabapi.ErrForbidden):
		addGitLabError(diags, summary, subject, fmt.Errorf("%w. Deciding on a deployment needs at least the "+
			"Reporter role in the project", err))
	case errors.Is(err, gitlabapi.ErrRouteNotFound):
		addGitLabError(diags, summary, subject, err)
	case errors.Is(err, gitlabapi.ErrNotFound):
		attribute("deployment_id", fmt.Sprintf("Deployment %d is not a deployment of project %q, or the token's user "+
			"cannot see the project. Check \"project\" and \"deployment_id\" (the deployment's global id, not its iid).",
			id, project))
	default:
		addGitLabError(diags, summary, subject, err)
	}
}

// keptComment reports whether GitLab answered a decision with one the same user recorded earlier
// with the same status: GitLab then keeps that decision's comment, and nothing changes.
func keptComment(got *gitlabapi.Approval, status string, comment *string) bool {
	return got.Status == status && derefString(got.Comment) != derefString(comment)
}

// keptCommentDetail says that GitLab kept an earlier decision's comment instead of comment.
func keptCommentDetail(project string, id int64, got *gitlabapi.Approval, comment *string) string {
	return fmt.Sprintf("%s already %s %s on %s with comment %s, and GitLab keeps the first comment of a decision "+
		"whose status does not change, so comment %s cannot be recorded.",
		got.User.Username, got.Status, deploymentSubject(project, id), got.CreatedAt.UTC().Format(time.RFC3339),
		commentText(got.Comment), commentText(comment))
}

// noDecisionToImport says that the deployment an import names holds no decision of the user (under
// the rule) it names, in the words the user wrote: the identity's attributes or the import id.
func noDecisionToImport(state *deploymentApprovalResourceModel, identityProjectID int64) string {
	project, id, userID := state.Project.ValueString(), state.DeploymentID.ValueInt64(), state.UserID.ValueInt64()
	rule, ruleHint := "", ""
	if state.RuleID.ValueInt64() != 0 {
		rule = fmt.Sprintf(" under rule_id = %d", state.RuleID.ValueInt64())
		ruleHint = " and rule_id (the approval rule's id, as the data source lists it in approval_rules)"
	}
	fix := fmt.Sprintf("user_id is GitLab's numeric id of the user who decided, as the gitlabdeploy_deployment data "+
		"source lists it in approvals%s. Nothing was imported.", ruleHint)
	if identityProjectID != 0 {
		return fmt.Sprintf("The import block's identity names the decision of user_id = %d on deployment_id = %d "+
			"(project_id = %d, project %q)%s, but GitLab shows no such decision on that deployment.\n\nCheck "+
			"user_id%s in the identity: %s", userID, id, identityProjectID, project, rule, ruleHint, fix)
	}
	return fmt.Sprintf("%s holds no decision of the user with id %d%s.\n\nCheck the import id, written %s: %s",
		capitalize(deploymentSubject(project, id)), userID, rule, approvalImportIDFormat, fix)
}

func commentText(c *string) string {
	if c == nil {
		return "none"
	}
	return strconv.Quote(*c)
}

func ruleText(id types.Int64, name types.String) string {
	switch {
	case id.IsNull():
		return "(unknown)"
	case name.IsNull():
		return fmt.Sprintf("%d (which has no name)", id.ValueInt64())
	}
	return fmt.Sprintf("%d (%q)", id.ValueInt64(), name.ValueString())
}
