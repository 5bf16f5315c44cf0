package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ datasource.DataSourceWithConfigure        = (*deploymentsDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*deploymentsDataSource)(nil)
)

// Values GitLab accepts for the list filters (DESIGN.md §A5).
var (
	listStatuses = []string{
		gitlabapi.StatusCreated, gitlabapi.StatusRunning, gitlabapi.StatusSuccess, gitlabapi.StatusFailed,
		gitlabapi.StatusCanceled, gitlabapi.StatusSkipped, gitlabapi.StatusBlocked,
	}
	listOrderBys = []string{"id", "iid", "created_at", "updated_at", "finished_at"}
	listSorts    = []string{"asc", "desc"}
)

// NewDeploymentsDataSource is the gitlabdeploy_deployments data source.
func NewDeploymentsDataSource() datasource.DataSource {
	return &deploymentsDataSource{}
}

type deploymentsDataSource struct {
	client *gitlabapi.Client
}

// deploymentFilters are the filters and order of a deployment list, shared by this data source
// and the gitlabdeploy_deployment list resource, with their rules and request.
type deploymentFilters struct {
	Project        types.String `tfsdk:"project"`
	Environment    types.String `tfsdk:"environment"`
	Status         types.String `tfsdk:"status"`
	UpdatedAfter   types.String `tfsdk:"updated_after"`
	UpdatedBefore  types.String `tfsdk:"updated_before"`
	FinishedAfter  types.String `tfsdk:"finished_after"`
	FinishedBefore types.String `tfsdk:"finished_before"`
	OrderBy        types.String `tfsdk:"order_by"`
	Sort           types.String `tfsdk:"sort"`
}

type deploymentsDataSourceModel struct {
	deploymentFilters
	MaxResults           types.Int64 `tfsdk:"max_results"`
	IncludeApprovals     types.Bool  `tfsdk:"include_approvals"`
	IncludeMergeRequests types.Bool  `tfsdk:"include_merge_requests"`
	Deployments          types.List  `tfsdk:"deployments"`
}

func (d *deploymentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployments"
}

func (d *deploymentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	timeFilter := func(what string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: what + " An RFC 3339 date-time, for example `2026-01-31T00:00:00Z`.",
			Optional:            true,
			Validators:          []validator.String{rfc3339StringValidator{}},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists a project's deployments, newest or oldest first, filtered by environment, " +
			"status and time, reading every page of GitLab's answer (or only as many as `max_results`).\n\n" +
			"GitLab pairs its filters with its sort orders; the provider checks these rules at plan time:\n\n" +
			"- the `updated_*` and `finished_*` filters cannot be combined;\n" +
			"- `updated_after`/`updated_before` need `order_by = \"updated_at\"`;\n" +
			"- `finished_after`/`finished_before` need `order_by = \"finished_at\"` and `status = \"success\"`;\n" +
			"- `order_by = \"finished_at\"` needs a `finished_*` filter or a `status` of " +
			enumMarkdown(finishedStatuses) + ".\n\n" +
			"`include_approvals` and `include_merge_requests` add each deployment's approvals and shipped merge " +
			"requests, at one request per deployment each (more for a deployment that shipped over 100).",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "ID or full path (`group/project`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Only deployments to the environment of this exact name (case-sensitive). " +
					"An environment that does not exist lists nothing.",
				Optional:   true,
				Validators: environmentNameValidators(),
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only deployments with this status: " + enumMarkdown(listStatuses) +
					". Without it, every status is listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(listStatuses...)},
			},
			"updated_after":   timeFilter("Only deployments updated at or after this time."),
			"updated_before":  timeFilter("Only deployments updated at or before this time."),
			"finished_after":  timeFilter("Only deployments that finished at or after this time."),
			"finished_before": timeFilter("Only deployments that finished before this time."),
			"order_by": schema.StringAttribute{
				MarkdownDescription: "Field to order by: " + enumMarkdown(listOrderBys) + "; default `id`. " +
					"GitLab orders `iid` and `created_at` by `id`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(listOrderBys...)},
			},
			"sort": schema.StringAttribute{
				MarkdownDescription: "Direction: " + enumMarkdown(listSorts) + "; default `asc`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(listSorts...)},
			},
			"max_results": schema.Int64Attribute{
				MarkdownDescription: "Read at most this many deployments, the first ones in the requested order. " +
					"Default: all of them.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"include_approvals": schema.BoolAttribute{
				MarkdownDescription: "Also read each deployment's `approvals`, `approval_summary` and `pending_approval_count`, " +
					"one request per deployment. Default `false`.",
				Optional: true,
			},
			"include_merge_requests": schema.BoolAttribute{
				MarkdownDescription: "Also read the `merge_requests` each deployment shipped, one request per deployment " +
					"and per 100 merge requests. Default `false`.",
				Optional: true,
			},
			"deployments": schema.ListNestedAttribute{
				MarkdownDescription: "The deployments, in the requested order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: deploymentListItemAttributes(),
					// Ready-made for the same reason as its attributes' types (DESIGN.md §B10).
					CustomType: deploymentListItemType,
				},
				CustomType: types.ListType{ElemType: deploymentListItemType},
			},
		},
	}
}

// includeApprovalsNote ends the descriptions of the attributes include_approvals fills.
const includeApprovalsNote = " Null unless `include_approvals`."

func deploymentListItemAttributes() map[string]schema.Attribute {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	// The nested attributes carry their types ready-made (DESIGN.md §B31): after every read the
	// framework looks up the type of each null value's path, and without them it rebuilds the
	// whole item's type each time, for each of thousands of items.
	user := dataSourceUserAttribute("The user who created the deployment.")
	user.CustomType = types.ObjectType{AttrTypes: userAttrTypes}
	deployable := dataSourceJobAttribute()
	deployable.CustomType = types.ObjectType{AttrTypes: jobAttrTypes}
	approvals := dataSourceApprovalsAttribute(includeApprovalsNote)
	approvals.CustomType = deploymentListItemType.AttrTypes["approvals"].(types.ListType) //nolint:forcetypeassert // as declared
	summary := dataSourceApprovalSummaryAttribute(includeApprovalsNote)
	summary.CustomType = types.ObjectType{AttrTypes: approvalSummaryAttrTypes}
	return map[string]schema.Attribute{
		"deployment_id": schema.Int64Attribute{
			MarkdownDescription: "Global ID of the deployment, as `deployment_id` of `gitlabdeploy_deployment` takes it.",
			Computed:            true,
		},
		"iid": schema.Int64Attribute{
			MarkdownDescription: "Number of the deployment within its project.",
			Computed:            true,
		},
		"ref":                    computedString("Branch or tag that was deployed."),
		"sha":                    computedString("SHA of the commit that was deployed."),
		"status":                 computedString("Status: " + enumMarkdown(listStatuses) + "."),
		"environment":            computedString("Name of the environment."),
		"created_at":             computedString("When the deployment was created (RFC 3339)."),
		"updated_at":             computedString("When the deployment last changed (RFC 3339)."),
		"user":                   user,
		"deployable":             deployable,
		"pending_approval_count": dataSourcePendingApprovalCountAttribute(includeApprovalsNote),
		"approvals":              approvals,
		"approval_summary":       summary,
		"merge_requests": schema.ListNestedAttribute{
			MarkdownDescription: "The merge requests the deployment shipped, newest created first. Null unless `include_merge_requests`.",
			Computed:            true,
			NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceMergeRequestAttributes()},
			CustomType:          types.ListType{ElemType: mergeRequestType},
		},
	}
}

func (d *deploymentsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = dataSourceClient(req, resp)
}

func (d *deploymentsDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{deploymentFilterPairing{}}
}

func (d *deploymentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config deploymentsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Values unknown at plan time are only now known: apply the plan-time rules again.
	resp.Diagnostics.Append(checkFilterPairing(config.deploymentFilters)...)
	opts, diags := config.listOptions(int(config.MaxResults.ValueInt64()))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	project := config.Project.ValueString()
	list, err := d.client.ListDeployments(ctx, project, opts)
	if err != nil {
		subject := fmt.Sprintf("the deployments of project %q", project)
		if errors.Is(err, gitlabapi.ErrProjectNotFound) {
			addGitLabAttributeError(&resp.Diagnostics, path.Root("project"), "Unable to List Deployments", subject, err, projectNotFoundAdvice)
		} else {
			addGitLabError(&resp.Diagnostics, "Unable to List Deployments", subject, err)
		}
		return
	}
	withApprovals, withMergeRequests := config.IncludeApprovals.ValueBool(), config.IncludeMergeRequests.ValueBool()
	var reads []deploymentRead
	if withApprovals || withMergeRequests {
		if reads, err = readIncludes(ctx, d.client, project, list, withApprovals, withMergeRequests); err != nil {
			addGitLabError(&resp.Diagnostics, "Unable to List Deployments", fmt.Sprintf("the deployments of project %q", project), err)
			return
		}
		resp.Diagnostics.Append(deletedWarning(project, list, reads)...)
	}
	// Lists can hold tens of thousands of deployments: each is built once, directly as a Terraform
	// value (DESIGN.md §B10).
	itemTypes := newDeploymentListItemTypes(ctx)
	elems := make([]tftypes.Value, 0, len(list))
	for i := range list {
		if reads == nil {
			elems = append(elems, itemTypes.value(&list[i]))
			continue
		}
		if reads[i].deleted {
			continue
		}
		elem, err := itemTypes.valueWith(ctx, &list[i], &reads[i], withMergeRequests)
		if err != nil {
			resp.Diagnostics.AddError("Unable to List Deployments", "Converting a deployment failed; this is a bug in the "+
				"provider, please report it: "+err.Error())
			return
		}
		elems = append(elems, elem)
	}
	var configAttrs map[string]tftypes.Value
	if err := req.Config.Raw.As(&configAttrs); err != nil {
		resp.Diagnostics.AddError("Unable to List Deployments", "Reading the configuration failed; this is a bug in the "+
			"provider, please report it: "+err.Error())
		return
	}
	// As hands out the configuration's own map: writing the list into it would make the
	// framework compare the whole list with itself after Read (a third of the time and memory).
	attrs := maps.Clone(configAttrs)
	attrs["deployments"] = tftypes.NewValue(tftypes.List{ElementType: itemTypes.item}, elems)
	if err := tftypes.ValidateValue(req.Config.Raw.Type(), attrs); err != nil {
		resp.Diagnostics.AddError("Unable to List Deployments", "The deployments do not fit the data source's schema; "+
			"this is a bug in the provider, please report it: "+err.Error())
		return
	}
	resp.State.Raw = tftypes.NewValue(req.Config.Raw.Type(), attrs)
}

// listOptions turns the filters into the list request for at most maxResults deployments (0: all).
func (config deploymentFilters) listOptions(maxResults int) (gitlabapi.ListDeploymentsOptions, diag.Diagnostics) {
	var diags diag.Diagnostics
	opts := gitlabapi.ListDeploymentsOptions{
		Environment: config.Environment.ValueString(),
		Status:      config.Status.ValueString(),
		OrderBy:     config.OrderBy.ValueString(),
		Sort:        config.Sort.ValueString(),
		MaxResults:  maxResults,
	}
	for _, f := range []struct {
		name  string
		value types.String
		dest  **time.Time
	}{
		{"updated_after", config.UpdatedAfter, &opts.UpdatedAfter},
		{"updated_before", config.UpdatedBefore, &opts.UpdatedBefore},
		{"finished_after", config.FinishedAfter, &opts.FinishedAfter},
		{"finished_before", config.FinishedBefore, &opts.FinishedBefore},
	} {
		if f.value.IsNull() {
			continue
		}
		t, err := parseRFC3339(f.value.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(f.name), "Invalid Date-Time", rfc3339Detail(f.name, f.value.ValueString()))
			continue
		}
		*f.dest = &t
	}
	return opts, diags
}

// finishedStatuses are the statuses that give a deployment a finish time.
var finishedStatuses = []string{gitlabapi.StatusSuccess, gitlabapi.StatusFailed, gitlabapi.StatusCanceled}

// deploymentFilterPairing checks GitLab's rules for combining the list filters with the sort
// order (DESIGN.md §A5) at plan time, so that no user meets GitLab's 400 for them.
type deploymentFilterPairing struct{}

func (deploymentFilterPairing) Description(ctx context.Context) string {
	return "GitLab's rules for combining the updated_* and finished_* filters with order_by and status."
}

func (v deploymentFilterPairing) MarkdownDescription(ctx context.Context) string {
	return "GitLab's rules for combining the `updated_*` and `finished_*` filters with `order_by` and `status`."
}

func (deploymentFilterPairing) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config deploymentsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkFilterPairing(config.deploymentFilters)...)
}

// checkFilterPairing applies GitLab's five pairing rules, with order_by defaulting to id. The
// first rule is reported alone, since its fix changes which of the others apply; the others
// never contradict each other, so all that fail are reported at once. A value unknown at plan
// time skips the check; Read runs it again.
func checkFilterPairing(config deploymentFilters) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range []attr.Value{
		config.Status, config.OrderBy, config.UpdatedAfter, config.UpdatedBefore, config.FinishedAfter, config.FinishedBefore,
	} {
		if v.IsUnknown() {
			return nil
		}
	}
	updated := setNames(map[string]types.String{"updated_after": config.UpdatedAfter, "updated_before": config.UpdatedBefore})
	finished := setNames(map[string]types.String{"finished_after": config.FinishedAfter, "finished_before": config.FinishedBefore})
	orderBy, orderByText := "id", "`order_by` is not set, so GitLab orders by `id`"
	if !config.OrderBy.IsNull() {
		orderBy = config.OrderBy.ValueString()
		orderByText = fmt.Sprintf("`order_by` is %q", orderBy)
	}
	status := config.Status.ValueString()
	statusText := "`status` is not set"
	if !config.Status.IsNull() {
		statusText = fmt.Sprintf("`status` is %q", status)
	}

	if len(updated) > 0 && len(finished) > 0 {
		diags.AddAttributeError(path.Root(finished[0]), "Conflicting Deployment Filters",
			fmt.Sprintf("GitLab cannot filter on the update time and the finish time at once, and the configuration sets %s and %s. "+
				"Keep either `updated_after`/`updated_before` or `finished_after`/`finished_before`.",
				codeList(updated), codeList(finished)))
		return diags
	}
	if len(updated) > 0 && orderBy != "updated_at" {
		diags.AddAttributeError(path.Root("order_by"), "Deployment Filter Needs Matching Order",
			fmt.Sprintf("GitLab filters on the update time only when it also orders by it: %s requires `order_by = \"updated_at\"`, but %s. "+
				"Set `order_by = \"updated_at\"`.", codeList(updated), orderByText))
	}
	if len(finished) > 0 && orderBy != "finished_at" {
		diags.AddAttributeError(path.Root("order_by"), "Deployment Filter Needs Matching Order",
			fmt.Sprintf("GitLab filters on the finish time only when it also orders by it: %s requires `order_by = \"finished_at\"`, but %s. "+
				"Set `order_by = \"finished_at\"`.", codeList(finished), orderByText))
	}
	if orderBy == "finished_at" && len(finished) == 0 && !slices.Contains(finishedStatuses, status) {
		diags.AddAttributeError(path.Root("order_by"), "Deployment Order Needs a Finished Filter",
			fmt.Sprintf("Only finished deployments have a finish time, so GitLab orders by it only when the list is limited to them: "+
				"`order_by = \"finished_at\"` requires `finished_after` or `finished_before`, or `status` set to %s, but neither is set "+
				"(%s). Add one of them, or order by another field.", enumMarkdown(finishedStatuses), statusText))
	}
	if len(finished) > 0 && status != gitlabapi.StatusSuccess {
		diags.AddAttributeError(path.Root("status"), "Deployment Filter Needs Success Status",
			fmt.Sprintf("GitLab filters on the finish time only together with the success status: %s requires `status = \"success\"`, but %s. "+
				"Set `status = \"success\"`.", codeList(finished), statusText))
	}
	return diags
}

// setNames returns the names of the values that are set, in name order.
func setNames(values map[string]types.String) []string {
	var names []string
	for _, name := range []string{"updated_after", "updated_before", "finished_after", "finished_before"} {
		if v, ok := values[name]; ok && !v.IsNull() {
			names = append(names, name)
		}
	}
	return names
}

// rfc3339StringValidator accepts RFC 3339 date-times such as 2026-01-31T00:00:00Z.
type rfc3339StringValidator struct{}

func (rfc3339StringValidator) Description(context.Context) string {
	return "value must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z"
}

func (v rfc3339StringValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be an RFC 3339 date-time such as `2026-01-31T00:00:00Z`"
}

func (rfc3339StringValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseRFC3339(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Date-Time", rfc3339Detail(req.Path.String(), req.ConfigValue.ValueString()))
	}
}

func parseRFC3339(s string) (time.Time, error) {
	return time.Parse(time.RFC3339, s)
}

func rfc3339Detail(name, value string) string {
	return fmt.Sprintf("`%s` is %q, which is not an RFC 3339 date-time. Write a date, a time and a UTC offset, "+
		"for example \"2026-01-31T00:00:00Z\" or \"2026-01-31T09:30:00+01:00\".", name, value)
}
