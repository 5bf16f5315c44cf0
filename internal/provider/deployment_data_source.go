package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var _ datasource.DataSourceWithConfigure = (*deploymentDataSource)(nil)

// NewDeploymentDataSource is the gitlabdeploy_deployment data source.
func NewDeploymentDataSource() datasource.DataSource {
	return &deploymentDataSource{}
}

type deploymentDataSource struct {
	client *gitlabapi.Client
}

type deploymentDataSourceModel struct {
	ID                   types.String `tfsdk:"id"`
	Project              types.String `tfsdk:"project"`
	DeploymentID         types.Int64  `tfsdk:"deployment_id"`
	IID                  types.Int64  `tfsdk:"iid"`
	Environment          types.String `tfsdk:"environment"`
	EnvironmentID        types.Int64  `tfsdk:"environment_id"`
	Ref                  types.String `tfsdk:"ref"`
	SHA                  types.String `tfsdk:"sha"`
	Tag                  types.Bool   `tfsdk:"tag"`
	Status               types.String `tfsdk:"status"`
	CreatedAt            types.String `tfsdk:"created_at"`
	UpdatedAt            types.String `tfsdk:"updated_at"`
	User                 types.Object `tfsdk:"user"`
	Deployable           types.Object `tfsdk:"deployable"`
	PendingApprovalCount types.Int64  `tfsdk:"pending_approval_count"`
	Approvals            types.List   `tfsdk:"approvals"`
	ApprovalSummary      types.Object `tfsdk:"approval_summary"`
}

func (d *deploymentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func (d *deploymentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one deployment with its approvals. Fails when the project or the deployment " +
			"does not exist.\n\n`approval_summary` lists the approval rules of the deployment's environment with, " +
			"under each rule, the decisions recorded for this deployment only (GitLab's own summary also lists " +
			"decisions made for other deployments under the same rule).",
		Attributes: map[string]schema.Attribute{
			"id": computedString("`<project>:<deployment_id>`, the import id of `gitlabdeploy_deployment`."),
			"project": schema.StringAttribute{
				MarkdownDescription: "ID or full path (`group/project`) of the project.",
				Required:            true,
				Validators:          []validator.String{projectValidator{}},
			},
			"deployment_id": schema.Int64Attribute{
				MarkdownDescription: "Global ID of the deployment (not its `iid`), as `gitlabdeploy_deployments` lists it.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"iid":            computedInt("Number of the deployment within its project."),
			"environment":    computedString("Name of the environment."),
			"environment_id": computedInt("ID of the environment."),
			"ref":            computedString("Branch or tag that was deployed."),
			"sha":            computedString("SHA of the commit that was deployed."),
			"tag": schema.BoolAttribute{
				MarkdownDescription: "Whether `ref` is a tag, as the CI job that made the deployment says, else as the " +
					"repository's tags say (a tag deleted since then reads `false`). Null, with a warning, when the " +
					"repository's tags cannot be read.",
				Computed: true,
			},
			"status":                 computedString("Status: " + enumMarkdown(listStatuses) + "."),
			"created_at":             computedString("When the deployment was created (RFC 3339)."),
			"updated_at":             computedString("When the deployment last changed (RFC 3339)."),
			"user":                   dataSourceUserAttribute("The user who created the deployment."),
			"deployable":             dataSourceJobAttribute(),
			"pending_approval_count": dataSourcePendingApprovalCountAttribute(""),
			"approvals":              dataSourceApprovalsAttribute(""),
			"approval_summary":       dataSourceApprovalSummaryAttribute(""),
		},
	}
}

func (d *deploymentDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = dataSourceClient(req, resp)
}

func (d *deploymentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config deploymentDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, id := config.Project.ValueString(), config.DeploymentID.ValueInt64()
	dep, err := d.client.GetDeployment(ctx, project, id)
	if err != nil {
		addDeploymentReadError(&resp.Diagnostics, "Unable to Read Deployment", project, id, err)
		return
	}
	config.setFromAPI(dep, deploymentTag(ctx, d.client, project, dep,
		fmt.Sprintf("\"tag\" of %s is null.", deploymentSubject(project, dep.ID)), &resp.Diagnostics))
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}

// setFromAPI fills every computed attribute from the deployment GitLab returned, through the
// resource's converter so that a deployment reads the same in both.
func (m *deploymentDataSourceModel) setFromAPI(d *gitlabapi.Deployment, tag types.Bool) {
	var r deploymentResourceModel
	r.Project = m.Project
	r.setFromAPI(d)
	m.ID, m.DeploymentID, m.IID = r.ID, r.DeploymentID, r.IID
	m.Environment, m.EnvironmentID = r.Environment, r.EnvironmentID
	m.Ref, m.SHA, m.Tag, m.Status = r.Ref, r.SHA, tag, r.Status
	m.CreatedAt, m.UpdatedAt = r.CreatedAt, r.UpdatedAt
	m.User, m.Deployable = r.User, r.Deployable
	m.PendingApprovalCount, m.Approvals = r.PendingApprovalCount, r.Approvals
	m.ApprovalSummary = approvalSummaryValue(d.ApprovalSummary, d.Approvals)
}

// dataSourceClient takes the client the provider configured; nil (before the provider is
// configured, as during validation) leaves the data source without one.
func dataSourceClient(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *gitlabapi.Client {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		return data.client
	}
	return nil
}

// addDeploymentReadError reports a failed read of one deployment, blaming the attribute that
// names what GitLab did not find; any other 404, as from a base_url that misses GitLab's API,
// gets the advice of its kind.
func addDeploymentReadError(diags *diag.Diagnostics, summary, project string, id int64, err error) {
	switch {
	case errors.Is(err, gitlabapi.ErrProjectNotFound):
		addGitLabAttributeError(diags, path.Root("project"), summary, fmt.Sprintf("project %q", project), err, projectNotFoundAdvice)
	case errors.Is(err, gitlabapi.ErrRecordNotFound):
		diags.AddAttributeError(path.Root("deployment_id"), summary,
			fmt.Sprintf("Project %q has no deployment with id %d. Check \"deployment_id\": it is the deployment's global id "+
				"(as gitlabdeploy_deployments lists it in deployment_id), not its iid, and the deployment may have been deleted.",
				project, id))
	default:
		addGitLabError(diags, summary, deploymentSubject(project, id), err)
	}
}

// projectNotFoundAdvice is what a user can do when GitLab does not find the project.
const projectNotFoundAdvice = "Check \"project\": it must be the numeric id or the full path (group/project) of a " +
	"project that the token's user is a member of, on the GitLab that \"base_url\" points at."

// Schema parts shared by the data sources; their types match the converters in convert.go.

func dataSourceUserAttribute(desc string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Attributes: dataSourceAttributes(userFields)}
}

func dataSourceJobAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{MarkdownDescription: jobDescription, Computed: true, Attributes: dataSourceAttributes(jobFields)}
}

func dataSourceApprovalAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"user":       dataSourceUserAttribute("Who decided."),
		"status":     schema.StringAttribute{MarkdownDescription: "`approved` or `rejected`.", Computed: true},
		"comment":    schema.StringAttribute{MarkdownDescription: "Comment given with the decision; may be null.", Computed: true},
		"created_at": schema.StringAttribute{MarkdownDescription: "When the decision was made (RFC 3339).", Computed: true},
	}
}

// The approval attributes of gitlabdeploy_deployment, which gitlabdeploy_deployments' items share;
// note ends their descriptions.

func dataSourcePendingApprovalCountAttribute(note string) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: "Approvals still needed under the environment's approval rules; " +
			"`0` when the environment is not protected or every rule is satisfied." + note,
		Computed: true,
	}
}

func dataSourceApprovalsAttribute(note string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: "Every approval and rejection recorded for this deployment, oldest first." + note,
		Computed:            true,
		NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceApprovalAttributes()},
	}
}

func dataSourceApprovalSummaryAttribute(note string) schema.SingleNestedAttribute {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "The approval rules that apply to the deployment, with this deployment's decisions under each." + note,
		Computed:            true,
		Attributes: map[string]schema.Attribute{
			"rules": schema.ListNestedAttribute{
				MarkdownDescription: "The rules, in GitLab's order; empty when the environment is not protected " +
					"or has no approval rules. A rule names exactly one of `user_id`, `group_id` and `access_level`.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                       computedInt("ID of the rule."),
					"user_id":                  computedInt("User who may approve; null for other kinds of rule."),
					"group_id":                 computedInt("Group whose members may approve; null for other kinds of rule."),
					"access_level":             computedInt("Minimum role that may approve (`30` Developer, `40` Maintainer, `60` administrators); null for other kinds of rule."),
					"access_level_description": computedString("GitLab's name for who may approve, for example `Maintainers` or a group's name; may be null."),
					"required_approvals":       computedInt("Approvals the rule needs."),
					"approvals": schema.ListNestedAttribute{
						MarkdownDescription: "This deployment's approvals and rejections under the rule, oldest first.",
						Computed:            true,
						NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceApprovalAttributes()},
					},
				}},
			},
		},
	}
}
