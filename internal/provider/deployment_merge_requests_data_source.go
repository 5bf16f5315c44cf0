package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var _ datasource.DataSourceWithConfigure = (*deploymentMergeRequestsDataSource)(nil)

// NewDeploymentMergeRequestsDataSource is the gitlabdeploy_deployment_merge_requests data source.
func NewDeploymentMergeRequestsDataSource() datasource.DataSource {
	return &deploymentMergeRequestsDataSource{}
}

type deploymentMergeRequestsDataSource struct {
	client *gitlabapi.Client
}

type deploymentMergeRequestsDataSourceModel struct {
	Project       types.String `tfsdk:"project"`
	DeploymentID  types.Int64  `tfsdk:"deployment_id"`
	MergeRequests types.List   `tfsdk:"merge_requests"`
}

func (d *deploymentMergeRequestsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment_merge_requests"
}

func (d *deploymentMergeRequestsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the merge requests shipped with a deployment: those GitLab linked to it when it " +
			"succeeded, newest first. Fails when the deployment does not exist.",
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				MarkdownDescription: "ID or full path (`group/project`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"deployment_id": schema.Int64Attribute{
				MarkdownDescription: "Global ID of the deployment (not its `iid`).",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"merge_requests": schema.ListNestedAttribute{
				MarkdownDescription: "The merge requests, newest created first; empty when none was linked.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceMergeRequestAttributes()},
			},
		},
	}
}

func (d *deploymentMergeRequestsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = dataSourceClient(req, resp)
}

func (d *deploymentMergeRequestsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config deploymentMergeRequestsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := config.Project.ValueString(), config.DeploymentID.ValueInt64()
	// GitLab answers an empty list for a deployment that does not exist; reading it first makes a
	// wrong id fail instead of looking like a deployment that shipped nothing.
	if _, err := d.client.GetDeployment(ctx, project, id); err != nil {
		addDeploymentReadError(&resp.Diagnostics, "Unable to Read Deployment Merge Requests", project, id, err)
		return
	}
	mrs, err := d.client.ListDeploymentMergeRequests(ctx, project, id)
	if err != nil {
		addGitLabError(&resp.Diagnostics, "Unable to Read Deployment Merge Requests",
			"the merge requests of "+deploymentSubject(project, id), err)
		return
	}
	config.MergeRequests = mergeRequestsValue(mrs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}

// dataSourceMergeRequestAttributes are the attributes of a merge request wherever a data source
// lists one; they match mergeRequestValue.
func dataSourceMergeRequestAttributes() map[string]schema.Attribute {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		"id":            schema.Int64Attribute{MarkdownDescription: "Global ID of the merge request.", Computed: true},
		"iid":           schema.Int64Attribute{MarkdownDescription: "Number of the merge request within its project (`!iid`).", Computed: true},
		"title":         computedString("Title."),
		"state":         computedString("State, for example `merged`."),
		"source_branch": computedString("Branch that was merged."),
		"target_branch": computedString("Branch it was merged into."),
		"author":        computedString("Username of the author."),
		"merge_user":    computedString("Username of who merged it; null when nobody did."),
		"labels": schema.ListAttribute{
			MarkdownDescription: "Names of its labels, sorted.", ElementType: types.StringType, Computed: true,
		},
		"web_url":   computedString("Link to the merge request in GitLab."),
		"merged_at": computedString("When it was merged (RFC 3339); null if GitLab does not say."),
	}
}
