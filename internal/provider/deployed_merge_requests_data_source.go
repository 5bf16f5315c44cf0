package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ datasource.DataSourceWithConfigure      = (*deployedMergeRequestsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*deployedMergeRequestsDataSource)(nil)
)

// Values GitLab accepts for the merge-request list (DESIGN.md §A15). Of its orders, those by
// labels' priority, milestones and popularity are left out: they say nothing in an audit.
var (
	mergeRequestStates   = []string{"opened", "closed", "locked", "merged", "all"}
	mergeRequestOrderBys = []string{"created_at", "updated_at", "merged_at", "title"}
)

// noCommaPattern: GitLab splits labels on commas, so a label name holds none.
var noCommaPattern = regexp.MustCompile(`^[^,]*$`)

// NewDeployedMergeRequestsDataSource is the gitlabdeploy_deployed_merge_requests data source.
func NewDeployedMergeRequestsDataSource() datasource.DataSource {
	return &deployedMergeRequestsDataSource{}
}

type deployedMergeRequestsDataSource struct {
	client *gitlabapi.Client
}

type deployedMergeRequestsDataSourceModel struct {
	Project           types.String `tfsdk:"project"`
	Environment       types.String `tfsdk:"environment"`
	DeployedAfter     types.String `tfsdk:"deployed_after"`
	DeployedBefore    types.String `tfsdk:"deployed_before"`
	State             types.String `tfsdk:"state"`
	Labels            types.List   `tfsdk:"labels"`
	AuthorUsername    types.String `tfsdk:"author_username"`
	MergeUserUsername types.String `tfsdk:"merge_user_username"`
	SourceBranch      types.String `tfsdk:"source_branch"`
	TargetBranch      types.String `tfsdk:"target_branch"`
	Search            types.String `tfsdk:"search"`
	OrderBy           types.String `tfsdk:"order_by"`
	Sort              types.String `tfsdk:"sort"`
	MaxResults        types.Int64  `tfsdk:"max_results"`
	MergeRequests     types.List   `tfsdk:"merge_requests"`
}

func (d *deployedMergeRequestsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployed_merge_requests"
}

func (d *deployedMergeRequestsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	optionalString := func(desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: validators}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the merge requests deployed to one environment, optionally within a period, " +
			"through GitLab's merge-request list and its deployment filters. A merge request counts as deployed when " +
			"a successful deployment to the environment that shipped it finished inside the period.\n\n" +
			"Costs one request per 100 merge requests, the pages read concurrently.",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "ID or full path (`group/project`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Name of the environment (case-sensitive).",
				Required:            true,
				Validators:          environmentNameValidators(),
			},
			"deployed_after": optionalString("Only merge requests shipped by a deployment that finished after this time "+
				"(exclusive). An RFC 3339 date-time, for example `2026-01-01T00:00:00Z`.", rfc3339StringValidator{}),
			"deployed_before": optionalString("Only merge requests shipped by a deployment that finished before this "+
				"time (exclusive). An RFC 3339 date-time.", rfc3339StringValidator{}),
			"state": optionalString("Only merge requests in this state: "+enumMarkdown(mergeRequestStates)+"; default `all`.",
				stringvalidator.OneOf(mergeRequestStates...)),
			"labels": schema.ListAttribute{
				MarkdownDescription: "Only merge requests with every one of these labels; `[\"None\"]` for none, `[\"Any\"]` for some.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(
					stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(noCommaPattern, "must not contain a comma"))},
			},
			"author_username":     optionalString("Only merge requests by this author (username).", stringvalidator.LengthAtLeast(1)),
			"merge_user_username": optionalString("Only merge requests merged by this user (username).", stringvalidator.LengthAtLeast(1)),
			"source_branch":       optionalString("Only merge requests from this branch.", stringvalidator.LengthAtLeast(1)),
			"target_branch":       optionalString("Only merge requests into this branch.", stringvalidator.LengthAtLeast(1)),
			"search":              optionalString("Only merge requests whose title or description contains this text.", stringvalidator.LengthAtLeast(1)),
			"order_by": optionalString("Field to order by: "+enumMarkdown(mergeRequestOrderBys)+"; default `created_at`.",
				stringvalidator.OneOf(mergeRequestOrderBys...)),
			"sort": optionalString("Direction: "+enumMarkdown(listSorts)+"; default `desc`.", stringvalidator.OneOf(listSorts...)),
			"max_results": schema.Int64Attribute{
				MarkdownDescription: "Read at most this many merge requests, the first ones in the requested order. Default: all of them.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"merge_requests": schema.ListNestedAttribute{
				MarkdownDescription: "The merge requests, in the requested order.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceMergeRequestAttributes()},
			},
		},
	}
}

func (d *deployedMergeRequestsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = dataSourceClient(req, resp)
}

// ValidateConfig refuses a period that ends before it starts: GitLab would answer nothing.
func (d *deployedMergeRequestsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config deployedMergeRequestsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkPeriod(config.DeployedAfter, config.DeployedBefore)...)
}

// checkPeriod reports a deployed_before that is not after deployed_after; values unknown or
// not RFC 3339 are left to the attribute validators.
func checkPeriod(after, before types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	if after.IsNull() || after.IsUnknown() || before.IsNull() || before.IsUnknown() {
		return diags
	}
	from, err1 := parseRFC3339(after.ValueString())
	to, err2 := parseRFC3339(before.ValueString())
	if err1 == nil && err2 == nil && !to.After(from) {
		diags.AddAttributeError(path.Root("deployed_before"), "Empty Deployment Period",
			fmt.Sprintf("`deployed_before` (%s) is not after `deployed_after` (%s), and both bounds are exclusive, so no "+
				"merge request can match. Swap them or widen the period.", before.ValueString(), after.ValueString()))
	}
	return diags
}

func (d *deployedMergeRequestsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config deployedMergeRequestsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Values unknown at plan time are only now known: check them again.
	resp.Diagnostics.Append(checkPeriod(config.DeployedAfter, config.DeployedBefore)...)
	opts := gitlabapi.ListMergeRequestsOptions{
		Environment:       config.Environment.ValueString(),
		State:             config.State.ValueString(),
		OrderBy:           config.OrderBy.ValueString(),
		Sort:              config.Sort.ValueString(),
		AuthorUsername:    config.AuthorUsername.ValueString(),
		MergeUserUsername: config.MergeUserUsername.ValueString(),
		SourceBranch:      config.SourceBranch.ValueString(),
		TargetBranch:      config.TargetBranch.ValueString(),
		Search:            config.Search.ValueString(),
		MaxResults:        int(config.MaxResults.ValueInt64()),
	}
	resp.Diagnostics.Append(config.Labels.ElementsAs(ctx, &opts.Labels, false)...)
	for _, bound := range []struct {
		name  string
		value types.String
		dest  **time.Time
	}{
		{"deployed_after", config.DeployedAfter, &opts.DeployedAfter},
		{"deployed_before", config.DeployedBefore, &opts.DeployedBefore},
	} {
		if bound.value.IsNull() {
			continue
		}
		t, err := parseRFC3339(bound.value.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(bound.name), "Invalid Date-Time", rfc3339Detail(bound.name, bound.value.ValueString()))
			continue
		}
		*bound.dest = &t
	}
	if resp.Diagnostics.HasError() {
		return
	}
	project := config.Project.ValueString()
	mrs, err := d.client.ListMergeRequests(ctx, project, opts)
	if err != nil {
		subject := fmt.Sprintf("the merge requests deployed to %q in project %q", opts.Environment, project)
		if errors.Is(err, gitlabapi.ErrProjectNotFound) {
			addGitLabAttributeError(&resp.Diagnostics, path.Root("project"), "Unable to List Deployed Merge Requests", subject, err, projectNotFoundAdvice)
		} else {
			addGitLabError(&resp.Diagnostics, "Unable to List Deployed Merge Requests", subject, err)
		}
		return
	}
	config.MergeRequests = mergeRequestsValue(mrs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}
