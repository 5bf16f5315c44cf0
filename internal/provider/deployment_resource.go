package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ resource.ResourceWithConfigure   = (*deploymentResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*deploymentResource)(nil)
	_ resource.ResourceWithImportState = (*deploymentResource)(nil)
)

// on_destroy policies.
const (
	onDestroyKeep            = "keep"
	onDestroyDelete          = "delete"
	onDestroyCancelAndDelete = "cancel_and_delete"
)

var onDestroyPolicies = []string{onDestroyKeep, onDestroyDelete, onDestroyCancelAndDelete}

// defaultDeploymentTimeout bounds create and update, which may wait for approvals.
const defaultDeploymentTimeout = time.Hour

var shaPattern = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)

func shaValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(shaPattern, "must be a commit SHA of 7 to 64 hexadecimal characters")}
}

type deploymentResource struct {
	client   *gitlabapi.Client
	gate     approvalGate
	projects *projectIDs
	// current tells the destroy plan which deployment GitLab refuses to delete.
	current *currentDeployments
	// tracked tells two resources of one plan that track one deployment.
	tracked *trackedDeployments
}

type deploymentResourceModel struct {
	ID                   types.String   `tfsdk:"id"`
	Project              types.String   `tfsdk:"project"`
	Environment          types.String   `tfsdk:"environment"`
	Ref                  types.String   `tfsdk:"ref"`
	SHA                  types.String   `tfsdk:"sha"`
	Tag                  types.Bool     `tfsdk:"tag"`
	Status               types.String   `tfsdk:"status"`
	OnDestroy            types.String   `tfsdk:"on_destroy"`
	WaitForApproval      types.Bool     `tfsdk:"wait_for_approval"`
	DeploymentID         types.Int64    `tfsdk:"deployment_id"`
	IID                  types.Int64    `tfsdk:"iid"`
	EnvironmentID        types.Int64    `tfsdk:"environment_id"`
	CreatedAt            types.String   `tfsdk:"created_at"`
	UpdatedAt            types.String   `tfsdk:"updated_at"`
	User                 types.Object   `tfsdk:"user"`
	Deployable           types.Object   `tfsdk:"deployable"`
	PendingApprovalCount types.Int64    `tfsdk:"pending_approval_count"`
	Approvals            types.List     `tfsdk:"approvals"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// NewDeploymentResource returns the gitlabdeploy_deployment resource.
func NewDeploymentResource() resource.Resource {
	return &deploymentResource{}
}

func (r *deploymentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
	resp.ResourceBehavior.MutableIdentity = identityFillsProjectIDLater
}

func (r *deploymentResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Records a deployment of a project to an environment in GitLab and moves its status. " +
			"Changing `status` updates the deployment in place; changing `environment`, `ref`, `sha` or `tag` " +
			"records a new deployment. The plan warns of status changes GitLab refuses, and of a status change to a " +
			"deployment created by GitLab CI, and the apply then refuses them before sending anything; " +
			"`terraform destroy` is never blocked by them. Import with `" + importIDFormat + "`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`" + importIDFormat + "`, with the project as configured.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"project": schema.StringAttribute{
				MarkdownDescription: "Numeric id or full path (for example `acme/app`) of the project. Changing it to " +
					"another spelling of the same project (path case, id versus path, its new path after a rename or transfer) keeps " +
					"the deployment; naming another project records a new deployment.",
				Required:   true,
				Validators: []validator.String{projectValidator{}},
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Name of the environment; GitLab creates it on first use. Changing it records a new deployment.",
				Required:            true,
				Validators:          environmentNameValidators(),
				PlanModifiers:       []planmodifier.String{replacing(deploymentReplacingArguments, "environment")},
			},
			"ref": schema.StringAttribute{
				MarkdownDescription: "Branch or tag deployed. Changing it records a new deployment.",
				Required:            true,
				Validators:          []validator.String{refValidator{}},
				PlanModifiers:       []planmodifier.String{replacing(deploymentReplacingArguments, "ref")},
			},
			"sha": schema.StringAttribute{
				MarkdownDescription: "Commit SHA deployed (7 to 64 hexadecimal characters). Changing it to another " +
					"commit records a new deployment; another spelling of the same commit (full versus abbreviated) does not.",
				Required:      true,
				Validators:    shaValidators(),
				PlanModifiers: []planmodifier.String{replacing(deploymentReplacingArguments, "sha")},
			},
			"tag": schema.BoolAttribute{
				MarkdownDescription: "Whether `ref` is a tag (default `false`); import learns it from the repository's " +
					"tags, as GitLab never returns it. Changing it records a new deployment.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: []planmodifier.Bool{replacing(deploymentReplacingArguments, "tag")},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status of the deployment: " + enumMarkdown(gitlabapi.APIStatuses) + "; required to " +
					"record a deployment, and changing it updates the deployment in place. See [Status](#status) for " +
					"the changes GitLab refuses and for imported deployments.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(gitlabapi.APIStatuses...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"wait_for_approval": schema.BoolAttribute{
				MarkdownDescription: "Hold the apply until every approval rule of the environment is satisfied: a new " +
					"deployment is `running` until approved, then moved to `status`, while a rejection marks it `failed`, " +
					"a timeout or interruption `canceled`, and fails the apply. Needs GitLab " + gitlabApprovesAPIDeployments +
					" or later; default `false`, see [Waiting for approval](#waiting-for-approval).",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"on_destroy": schema.StringAttribute{
				MarkdownDescription: "What destroying or replacing the resource does in GitLab: `" + onDestroyKeep +
					"` (the default) only forgets the deployment, `" + onDestroyDelete + "` deletes it, `" +
					onDestroyCancelAndDelete + "` cancels a running one first. A change takes effect once applied; see " +
					"[Destroy](#destroy) for what GitLab refuses.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(onDestroyKeep),
				Validators: []validator.String{stringvalidator.OneOf(onDestroyPolicies...)},
			},
			"deployment_id": schema.Int64Attribute{
				MarkdownDescription: "GitLab's global id of the deployment (what the API paths use).",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"iid": schema.Int64Attribute{
				MarkdownDescription: "Number of the deployment within its project.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"environment_id": schema.Int64Attribute{
				MarkdownDescription: "Id of the environment.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When GitLab recorded the deployment (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				MarkdownDescription: "When the deployment last changed (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"user": schema.SingleNestedAttribute{
				MarkdownDescription: "User who recorded the deployment.",
				Computed:            true,
				Attributes:          resourceAttributes(userFields),
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			},
			"deployable": schema.SingleNestedAttribute{
				MarkdownDescription: jobDescription,
				Computed:            true,
				Attributes:          resourceAttributes(jobFields),
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			},
			"pending_approval_count": schema.Int64Attribute{
				MarkdownDescription: "Approvals still needed, summed over the approval rules of a protected environment; " +
					"`0` on an unprotected one.",
				Computed:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"approvals": schema.ListNestedAttribute{
				MarkdownDescription: "Approvals and rejections of the deployment, oldest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"user": schema.SingleNestedAttribute{
							MarkdownDescription: "User who decided.",
							Computed:            true,
							Attributes:          resourceAttributes(userFields),
						},
						"status":     schema.StringAttribute{MarkdownDescription: "`approved` or `rejected`.", Computed: true},
						"comment":    schema.StringAttribute{MarkdownDescription: "Comment given, or null.", Computed: true},
						"created_at": schema.StringAttribute{MarkdownDescription: "When the decision was first recorded (RFC 3339).", Computed: true},
					},
				},
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *deploymentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.client = data.client
		r.gate = approvalGate{client: data.client, interval: data.approvalPollInterval}
		r.projects = data.projects
		r.current = data.currentDeployments
		r.tracked = data.tracked
	}
}

func (r *deploymentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan deploymentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The framework hands Create no private state from the plan: its checks run again.
	if refused := missingStatus(deploymentPlanFacts{statusUnset: statusUnset(ctx, req.Config, &resp.Diagnostics)}); refused != nil {
		refuseAtApply([]refusal{*refused}, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultDeploymentTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	gated, plannedStatus := plan.WaitForApproval.ValueBool(), plan.Status.ValueString()
	d := r.record(ctx, &plan, gated, &resp.Diagnostics)
	if d == nil {
		return
	}
	if r.tracked != nil {
		r.tracked.createTracks(d.ID)
	}
	plan.setFromAPI(d)
	// From here on the deployment exists: the state holds it before any further step, so that a
	// failure later in Create leaves it tracked (tainted) rather than lost.
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.completeIdentity(ctx, resp.Identity, plan.Project.ValueString(), d.ID, &resp.Diagnostics)
	if gated && !resp.Diagnostics.HasError() {
		d, diags := r.gate.hold(ctx, plan.Project.ValueString(), d, plannedStatus)
		resp.Diagnostics.Append(diags...)
		plan.setFromAPI(d)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

func (r *deploymentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state deploymentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := state.Project.ValueString(), state.DeploymentID.ValueInt64()
	subject := deploymentSubject(project, id)
	// Only an import's read finds created_at null: every other state holds GitLab's.
	importing := state.CreatedAt.IsNull()
	var identityProjectID int64
	if importing {
		identityProjectID = importedIdentityProjectID(ctx, req.Identity)
	}
	// Even a read that removes the resource answers with an identity.
	r.completeIdentity(ctx, resp.Identity, project, id, &resp.Diagnostics)

	d, err := r.client.GetDeployment(ctx, project, id)
	if errors.Is(err, gitlabapi.ErrNotFound) {
		if deletedInGitLab(ctx, r.client, &resp.Diagnostics, err, notFoundRead{
			summary: "Unable to Read Deployment", project: project, id: id,
			kept: "the deployment", assumption: "it was deleted",
			importing: importing, importFormat: importIDFormat, identityProjectID: identityProjectID,
		}) {
			tflog.Info(ctx, "deployment deleted outside Terraform; removing it from the state", map[string]any{
				"project": project, "deployment_id": id,
			})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	if err != nil {
		addGitLabError(&resp.Diagnostics, "Unable to Read Deployment", subject, err)
		return
	}

	if state.Tag.IsNull() {
		state.Tag = deploymentTag(ctx, r.client, project, d, tagFromConfiguration(project, d), &resp.Diagnostics)
	}
	if state.OnDestroy.IsNull() {
		state.OnDestroy = types.StringValue(onDestroyKeep)
	}
	if state.WaitForApproval.IsNull() {
		state.WaitForApproval = types.BoolValue(false)
	}
	before := state
	state.setFromAPI(d)
	if sameValues(before, state) {
		// resp.State already holds the prior state; setting it again is a measured cost (DESIGN.md §B10).
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *deploymentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state deploymentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if refuseAsPlanned(ctx, resp.Private, &resp.Diagnostics) {
		saveSettingsDespiteRefusal(ctx, &plan, &state, resp)
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultDeploymentTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	r.completeIdentity(ctx, resp.Identity, plan.Project.ValueString(), state.DeploymentID.ValueInt64(), &resp.Diagnostics)
	plan.ID = types.StringValue(deploymentResourceID(plan.Project.ValueString(), state.DeploymentID.ValueInt64()))
	if !claimForUpdate(r.client, plan.Project.ValueString(), state.DeploymentID.ValueInt64(), &resp.Diagnostics) {
		saveSettingsDespiteRefusal(ctx, &plan, &state, resp)
		return
	}
	if plan.Status.Equal(state.Status) {
		// Only provider-side settings changed (on_destroy, timeouts, the spelling of project or
		// sha): nothing to send; the plan already carries GitLab's values from the state.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if plan.WaitForApproval.ValueBool() {
		held, diags := r.gate.holdBeforeStatusChange(ctx, plan.Project.ValueString(), state.DeploymentID.ValueInt64())
		if diags.HasError() {
			resp.Diagnostics.Append(diags...)
			if held != nil {
				// The state keeps the deployment as GitLab has it; its next status change replaces it.
				state.setFromAPI(held)
				resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
				resp.Diagnostics.Append(resp.Private.SetKey(ctx, approvalGateFailedKey, []byte("true"))...)
			}
			saveSettingsDespiteRefusal(ctx, &plan, &state, resp)
			return
		}
	}
	d := r.moveStatus(ctx, &plan, state.Status.ValueString(), &resp.Diagnostics)
	if d == nil {
		saveSettingsDespiteRefusal(ctx, &plan, &state, resp)
		return
	}
	plan.setFromAPI(d)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// saveSettingsDespiteRefusal saves, in an update that failed before the status changed, the
// planned arguments that send nothing to GitLab (on_destroy, wait_for_approval, timeouts), so that
// the advice to set on_destroy = "keep" works beside a refused status change (DESIGN.md §B16).
func saveSettingsDespiteRefusal(ctx context.Context, plan, state *deploymentResourceModel, resp *resource.UpdateResponse) {
	var saved []string
	if !plan.OnDestroy.Equal(state.OnDestroy) {
		state.OnDestroy = plan.OnDestroy
		saved = append(saved, "on_destroy = "+plan.OnDestroy.String())
	}
	if !plan.WaitForApproval.Equal(state.WaitForApproval) {
		state.WaitForApproval = plan.WaitForApproval
		saved = append(saved, "wait_for_approval = "+plan.WaitForApproval.String())
	}
	if !plan.Timeouts.Equal(state.Timeouts) {
		state.Timeouts = plan.Timeouts
		saved = append(saved, "timeouts")
	}
	if len(saved) == 0 {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.AddWarning("Settings Saved Although the Status Change Failed", fmt.Sprintf(
		"The apply saved %s in the state: these settings send nothing to GitLab, so they take effect although "+
			"the status change beside them failed, and govern what the provider does from now on (a destroy, a "+
			"replacement, the next status change).", strings.Join(saved, ", ")))
}

func (r *deploymentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state deploymentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// In a replacement, Terraform hands Delete the private state planned for the new deployment:
	// what its plan refused stops the replacement before the old deployment goes.
	if refuseAsPlanned(ctx, resp.Private, &resp.Diagnostics) {
		return
	}
	if r.tracked.trackedByCreate(state.DeploymentID.ValueInt64()) {
		resp.Diagnostics.AddWarning("Deployment Still Tracked", fmt.Sprintf("GitLab answered a create of this "+
			"apply (this resource's replacement, or another resource tracking the same deployment) with %s itself, "+
			"as it does for a repeat of the environment's current deployment, so a new object tracks it: nothing "+
			"was deleted, whatever on_destroy says, and Terraform goes on tracking it.",
			deploymentSubject(state.Project.ValueString(), state.DeploymentID.ValueInt64())))
		return
	}
	if refused := destroyRefused(&state); refused != nil {
		// A replacement's plan warned of it (a destroy plan fails on it): nothing is sent.
		refuseAtApply([]refusal{*refused}, &resp.Diagnostics)
		return
	}
	if r.deleteOfCurrentRefused(ctx, &state, &resp.Diagnostics) {
		return
	}
	project, id := state.Project.ValueString(), state.DeploymentID.ValueInt64()
	subject := deploymentSubject(project, id)

	var err error
	switch state.OnDestroy.ValueString() {
	case onDestroyDelete:
		err = r.client.DeleteDeployment(ctx, project, id)
	case onDestroyCancelAndDelete:
		err = r.cancelAndDelete(ctx, project, id, state.Status.ValueString())
	default:
		resp.Diagnostics.AddWarning("Deployment Kept in GitLab", fmt.Sprintf(
			"Terraform no longer manages %s, but the deployment is still in GitLab, as on_destroy = %q asks: "+
				"a deployment is part of the environment's history. Set on_destroy = %q or %q (and apply) to "+
				"delete deployments on destroy.", subject, onDestroyKeep, onDestroyDelete, onDestroyCancelAndDelete))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Delete Deployment", deleteRefusedDetail(subject, err))
	}
}

func (r *deploymentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		r.importByIdentity(ctx, req, resp)
		return
	}
	project, id, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Deployment Import ID", capitalize(err.Error())+".")
		return
	}
	startImportedDeployment(ctx, resp, project, id)
}

// ModifyPlan decides with planDeployment what the change does and what GitLab would refuse in it
// (DESIGN.md §B5). It sends no request, except to compare two spellings of a changed project.
func (r *deploymentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	switch {
	case req.State.Raw.IsNull():
		r.planCreate(ctx, req, resp)
	case req.Plan.Raw.IsNull():
		var prior deploymentResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
		// The old object of a replacement whose create tracks the same deployment: Delete leaves it.
		if !resp.Diagnostics.HasError() && !r.tracked.trackedByCreate(prior.DeploymentID.ValueInt64()) {
			facts := r.destroyFacts(ctx, &prior, &resp.Diagnostics)
			failOnDestroyRefusals(ctx, planDeployment(&prior, nil, facts).refusals, &resp.Diagnostics, resp.Private)
		}
	case !req.Plan.Raw.Equal(req.State.Raw):
		// Most resources of most plans do not change: there is nothing to plan (DESIGN.md §B10).
		r.warnOfTwin(ctx, req, resp)
		r.planChange(ctx, req, resp)
	default:
		r.warnOfTwin(ctx, req, resp)
	}
}

// planCreate warns of a new deployment without a status.
func (r *deploymentResource) planCreate(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p := planDeployment(nil, &deploymentResourceModel{}, deploymentPlanFacts{statusUnset: statusUnset(ctx, req.Config, &resp.Diagnostics)})
	warnOfRefusals(ctx, p.refusals, &resp.Diagnostics, resp.Private)
}

// statusUnset reports whether the configuration leaves status out.
func statusUnset(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) bool {
	var status types.String
	diags.Append(config.GetAttribute(ctx, path.Root("status"), &status)...)
	return status.IsNull()
}

// planChange plans an update or a replacement.
func (r *deploymentResource) planChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var prior, planned deploymentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var facts deploymentPlanFacts
	facts.statusUnset = statusUnset(ctx, req.Config, &resp.Diagnostics)
	if gateFailed, _ := req.Private.GetKey(ctx, approvalGateFailedKey); gateFailed != nil {
		facts.approvalGateFailed = true
	}
	if !planned.Project.Equal(prior.Project) {
		facts.sameProject, facts.projectUncompared = r.projects.sameProject(ctx, prior.Project, planned.Project,
			identityProjectID(ctx, req.Identity), prior.DeploymentID.ValueInt64())
	}
	p := planDeployment(&prior, &planned, facts)
	if len(p.replaced) > 0 {
		if facts.currentlyDeployed = r.currentlyDeployed(ctx, &prior, &resp.Diagnostics); facts.currentlyDeployed {
			p = planDeployment(&prior, &planned, facts)
		}
	}
	warnOfRefusals(ctx, p.refusals, &resp.Diagnostics, resp.Private)
	for _, c := range p.cautions {
		resp.Diagnostics.AddWarning(c.Summary, c.Detail)
	}
	if len(p.replaced) > 0 {
		resp.RequiresReplace = append(resp.RequiresReplace, requiresReplace(p.replaced)...)
		return
	}
	if !planned.Project.Equal(prior.Project) {
		planned.ID = types.StringValue(deploymentResourceID(planned.Project.ValueString(), prior.DeploymentID.ValueInt64()))
	}
	if p.movesStatus {
		// GitLab's answer to the status change refreshes these.
		planned.UpdatedAt = types.StringUnknown()
		planned.PendingApprovalCount = types.Int64Unknown()
		planned.Approvals = types.ListUnknown(types.ObjectType{AttrTypes: approvalAttrTypes})
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &planned)...)
}

// record creates the deployment in GitLab, or returns nil with the reason in diags. A gated
// deployment is recorded running, and gets its planned status once approved (DESIGN.md §B20).
func (r *deploymentResource) record(ctx context.Context, plan *deploymentResourceModel, gated bool, diags *diag.Diagnostics) *gitlabapi.Deployment {
	opts := gitlabapi.CreateDeploymentOptions{
		Environment: plan.Environment.ValueString(),
		Ref:         plan.Ref.ValueString(),
		SHA:         plan.SHA.ValueString(),
		Tag:         plan.Tag.ValueBool(),
		Status:      plan.Status.ValueString(),
	}
	if gated {
		opts.Status = gitlabapi.StatusRunning
	}
	return recordDeployment(ctx, r.client, plan.Project.ValueString(), opts, diags)
}

// moveStatus asks GitLab to move the deployment to the planned status, or returns nil with the
// reason in diags.
func (r *deploymentResource) moveStatus(ctx context.Context, plan *deploymentResourceModel, from string, diags *diag.Diagnostics) *gitlabapi.Deployment {
	project, id, to := plan.Project.ValueString(), plan.DeploymentID.ValueInt64(), plan.Status.ValueString()
	subject := deploymentSubject(project, id)
	d, err := r.client.UpdateDeploymentStatus(ctx, project, id, to)
	switch {
	case errors.Is(err, gitlabapi.ErrInvalidTransition):
		// The status moved in GitLab between plan and apply.
		diags.AddAttributeError(path.Root("status"), "Status Change Refused by GitLab",
			transitionRefusedDetail(subject, from, to)+"\n\nGitLab answered: "+err.Error()+
				"\n\nIf the status changed in GitLab since the plan, run terraform plan again.")
	case errors.Is(err, gitlabapi.ErrCIDeployment):
		diags.AddAttributeError(path.Root("status"), "Deployment Created by GitLab CI Cannot Be Changed",
			ciDeploymentDetail(subject, fmt.Sprintf("move it to %q", to)))
	case err != nil:
		addGitLabError(diags, "Unable to Update Deployment Status", subject, err)
	}
	if err != nil {
		return nil
	}
	return d
}

// cancelAndDelete deletes the deployment, canceling it first when it is running: as the state
// says, or, when the state is behind GitLab, as GitLab's refusal to delete it says.
func (r *deploymentResource) cancelAndDelete(ctx context.Context, project string, id int64, status string) error {
	if status != gitlabapi.StatusRunning {
		err := r.client.DeleteDeployment(ctx, project, id)
		if !errors.Is(err, gitlabapi.ErrDeploymentRunning) {
			return err
		}
	}
	tflog.Info(ctx, "canceling the running deployment before deleting it", map[string]any{"project": project, "deployment_id": id})
	_, err := r.client.UpdateDeploymentStatus(ctx, project, id, gitlabapi.StatusCanceled)
	if errors.Is(err, gitlabapi.ErrCIDeployment) {
		return fmt.Errorf("%w; GitLab refuses to cancel a deployment created by GitLab CI through the API: "+
			"cancel its job in the pipeline, then destroy again, or set on_destroy = %q", err, onDestroyKeep)
	}
	// An invalid transition means it is no longer running: deleting it is what is left to do.
	if err != nil && !errors.Is(err, gitlabapi.ErrInvalidTransition) {
		return err
	}
	return r.client.DeleteDeployment(ctx, project, id)
}

// deploymentTag tells whether d's ref is a tag, which GitLab never returns: from the CI job that
// made it, else from the project's tags. When the tags cannot be read (job tokens may not reach
// that API), it is null, with a warning that ends with what follows from that.
func deploymentTag(ctx context.Context, client *gitlabapi.Client, project string, d *gitlabapi.Deployment, consequence string, diags *diag.Diagnostics) types.Bool {
	if d.Deployable != nil {
		return types.BoolValue(d.Deployable.Tag)
	}
	isTag, err := client.TagExists(ctx, project, d.Ref)
	if err != nil {
		diags.AddWarning("Unable to Tell Whether the Deployment Ref Is a Tag", fmt.Sprintf(
			"GitLab never returns a deployment's \"tag\", so the provider looks %q up among the tags of project %q, "+
				"but GitLab refused: %v\n\n%s", d.Ref, project, err, consequence))
		return types.BoolNull()
	}
	return types.BoolValue(isTag)
}

// tagFromConfiguration is what follows when an import cannot learn tag.
func tagFromConfiguration(project string, d *gitlabapi.Deployment) string {
	return fmt.Sprintf("The next apply takes \"tag\" from the configuration, without replacing %s: make sure it "+
		"says whether %q is a tag.", deploymentSubject(project, d.ID), d.Ref)
}

// projectValidator accepts a numeric project id or a full path.
type projectValidator struct{}

func (projectValidator) Description(_ context.Context) string {
	return "must be a numeric project id or a full path such as acme/app"
}

func (v projectValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (projectValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkProject(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Project",
			capitalize(err.Error())+". Set \"project\" to the numeric id of the project or its full path, such as acme/app.")
	}
}

// sameValues reports whether two models of one type hold equal values in every field.
func sameValues[T any](a, b T) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		x, ok := va.Field(i).Interface().(attr.Value)
		if !ok {
			return false
		}
		y, _ := vb.Field(i).Interface().(attr.Value)
		if !x.Equal(y) {
			return false
		}
	}
	return true
}
