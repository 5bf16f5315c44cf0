package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

var (
	_ list.ListResourceWithConfigure      = (*deploymentListResource)(nil)
	_ list.ListResourceWithValidateConfig = (*deploymentListResource)(nil)
)

// NewDeploymentListResource is the gitlabdeploy_deployment list resource, for terraform query.
func NewDeploymentListResource() list.ListResource {
	return &deploymentListResource{}
}

type deploymentListResource struct {
	client *gitlabapi.Client
}

// deploymentFilterNames are the filters of the gitlabdeploy_deployments data source that the list
// resource takes too, with the same descriptions, validators and pairing rules.
var deploymentFilterNames = []string{
	"project", "environment", "status", "updated_after", "updated_before", "finished_after", "finished_before",
	"order_by", "sort",
}

func (r *deploymentListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func (r *deploymentListResource) ListResourceConfigSchema(ctx context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	var ds datasource.SchemaResponse
	(&deploymentsDataSource{}).Schema(ctx, datasource.SchemaRequest{}, &ds)
	attributes := make(map[string]listschema.Attribute, len(deploymentFilterNames))
	for _, name := range deploymentFilterNames {
		filter, ok := ds.Schema.Attributes[name].(dsschema.StringAttribute)
		if !ok {
			resp.Diagnostics.AddError("Invalid List Resource Schema", fmt.Sprintf(
				"The gitlabdeploy_deployments data source has no string attribute %q; this is a bug in the provider, please report it.", name))
			return
		}
		attributes[name] = listschema.StringAttribute{
			MarkdownDescription: filter.MarkdownDescription,
			Required:            filter.Required,
			Optional:            filter.Optional,
			Validators:          filter.Validators,
		}
	}
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds a project's deployments for `terraform query` (Terraform 1.14 and later), with the " +
			"filters, order and plan-time rules of the `gitlabdeploy_deployments` data source. Each result carries " +
			"the deployment's identity and a display name such as `#42 production success main@e83c5163`; " +
			"`terraform query -generate-config-out=FILE` writes configuration that adopts the results as pure imports.",
		Attributes: attributes,
	}
}

func (r *deploymentListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.client = data.client
	}
}

func (r *deploymentListResource) ValidateListResourceConfig(ctx context.Context, req list.ValidateConfigRequest, resp *list.ValidateConfigResponse) {
	var config deploymentFilters
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkFilterPairing(config)...)
}

func (r *deploymentListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config deploymentFilters
	diags := req.Config.Get(ctx, &config)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	diags.Append(checkFilterPairing(config)...)
	opts, optsDiags := config.listOptions(int(max(req.Limit, 0)))
	diags.Append(optsDiags...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // Terraform may stop reading early: stop the reads ahead too
		q := deploymentQuery{client: r.client, req: req, project: config.Project.ValueString(), tags: map[string]types.Bool{}}
		deployments, diags := q.find(ctx, opts)
		if diags.HasError() {
			push(list.ListResult{Diagnostics: diags})
			return
		}
		var full []chan fullRead
		var taken func()
		if req.IncludeResource {
			full, taken = q.readAhead(ctx, deployments)
		}
		for i := range deployments {
			result := q.result(ctx, &deployments[i])
			if full != nil && !result.Diagnostics.HasError() {
				q.fill(ctx, &result, <-full[i])
			}
			if !push(result) {
				return
			}
			if taken != nil {
				taken()
			}
		}
	}
}

// listReadAhead bounds the deployments include_resource reads at once.
const listReadAhead = 8

// fullRead is one deployment as GET answers it, with approvals.
type fullRead struct {
	id         int64
	deployment *gitlabapi.Deployment
	err        error
}

// readAhead reads the listed deployments, each into its own channel, so that results go out in
// the list's order while the next reads are under way. At most listReadAhead reads run ahead of
// the stream: the caller calls taken once Terraform has taken each result.
func (q *deploymentQuery) readAhead(ctx context.Context, deployments []gitlabapi.Deployment) (reads []chan fullRead, taken func()) {
	reads = make([]chan fullRead, len(deployments))
	for i := range reads {
		reads[i] = make(chan fullRead, 1)
	}
	slots := make(chan struct{}, listReadAhead)
	go func() {
		for i := range deployments {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				id := deployments[i].ID
				d, err := q.client.GetDeployment(ctx, q.project, id)
				reads[i] <- fullRead{id, d, err}
			}()
		}
	}()
	return reads, func() { <-slots }
}

// deploymentQuery is one List call: the project as GitLab names it and the tags learnt so far.
type deploymentQuery struct {
	client    *gitlabapi.Client
	req       list.ListRequest
	project   string // as configured: what the requests name
	projectID int64
	spelling  string // what the results' "project" holds, as an import by identity writes it
	tags      map[string]types.Bool
}

// find learns the project's numeric id, which every result's identity holds, and lists the
// deployments.
func (q *deploymentQuery) find(ctx context.Context, opts gitlabapi.ListDeploymentsOptions) ([]gitlabapi.Deployment, diag.Diagnostics) {
	var diags diag.Diagnostics
	p, err := q.client.Project(ctx, q.project)
	switch {
	case err == nil:
		q.projectID, q.spelling = p.ID, p.PathWithNamespace
	case isDigits(q.project):
		// The identity needs only the id; the results name the project by it too.
		q.projectID, _ = strconv.ParseInt(q.project, 10, 64)
		q.spelling = q.project
	case q.client.UsesJobToken() && (errors.Is(err, gitlabapi.ErrProjectNotFound) || errors.Is(err, gitlabapi.ErrUnauthorized)):
		addGitLabAttributeError(&diags, path.Root("project"), "Unable to Learn the Project's Numeric ID",
			fmt.Sprintf("project %q", q.project), err, "Every result carries the project's numeric id in its "+
				"identity, and GitLab did not tell it. GitLab does not show projects to a CI job token: set "+
				"\"project\" to the numeric id (CI_PROJECT_ID in the job's own project).")
		return nil, diags
	default:
		// A misspelt project, a wrong base_url: the general advice names the cause.
		addGitLabError(&diags, "Unable to Learn the Project's Numeric ID", fmt.Sprintf("project %q", q.project), err)
		return nil, diags
	}
	deployments, err := q.client.ListDeployments(ctx, q.project, opts)
	if err != nil {
		subject := fmt.Sprintf("the deployments of project %q", q.project)
		if errors.Is(err, gitlabapi.ErrProjectNotFound) {
			addGitLabAttributeError(&diags, path.Root("project"), "Unable to List Deployments", subject, err, projectNotFoundAdvice)
		} else {
			addGitLabError(&diags, "Unable to List Deployments", subject, err)
		}
	}
	return deployments, diags
}

// result is one listed deployment: its identity and display name.
func (q *deploymentQuery) result(ctx context.Context, d *gitlabapi.Deployment) list.ListResult {
	result := q.req.NewListResult(ctx)
	result.DisplayName = deploymentDisplayName(d)
	result.Diagnostics.Append(result.Identity.Set(ctx, deploymentIdentity{
		ProjectID: types.Int64Value(q.projectID), DeploymentID: types.Int64Value(d.ID),
	})...)
	return result
}

// fill gives a result the resource as an import's refresh would read it, from the deployment read
// in full (the list leaves out approvals).
func (q *deploymentQuery) fill(ctx context.Context, result *list.ListResult, read fullRead) {
	full, err := read.deployment, read.err
	if err != nil {
		addGitLabError(&result.Diagnostics, "Unable to Read Deployment", deploymentSubject(q.project, read.id), err)
		return
	}
	noTimeouts, diags := nullTimeouts(ctx, q.req.ResourceSchema)
	result.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	m := deploymentResourceModel{
		Project:         types.StringValue(q.spelling),
		SHA:             types.StringNull(),
		Tag:             q.tag(ctx, full, &result.Diagnostics),
		OnDestroy:       types.StringValue(onDestroyKeep),
		WaitForApproval: types.BoolValue(false),
		Timeouts:        noTimeouts,
	}
	m.setFromAPI(full)
	if full.CreatedByCI() {
		// Its pipeline drives the status; a configuration that names one would fight it.
		m.Status = types.StringNull()
	}
	result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
}

// nullTimeouts is the resource's timeouts block left out.
func nullTimeouts(ctx context.Context, schema interface {
	TypeAtPath(context.Context, path.Path) (attr.Type, diag.Diagnostics)
}) (timeouts.Value, diag.Diagnostics) {
	typ, diags := schema.TypeAtPath(ctx, path.Root("timeouts"))
	if diags.HasError() {
		return timeouts.Value{}, diags
	}
	v, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), nil))
	null, ok := v.(timeouts.Value)
	if err != nil || !ok {
		diags.AddError("Unable to Read Deployment", fmt.Sprintf("The resource's timeouts block is a %T (%v); "+
			"this is a bug in the provider, please report it.", v, err))
	}
	return null, diags
}

// tag learns whether the deployment's ref is a tag as an import does, asking GitLab once per ref.
func (q *deploymentQuery) tag(ctx context.Context, d *gitlabapi.Deployment, diags *diag.Diagnostics) types.Bool {
	if d.Deployable != nil {
		return types.BoolValue(d.Deployable.Tag)
	}
	if tag, ok := q.tags[d.Ref]; ok {
		return tag
	}
	tag := deploymentTag(ctx, q.client, q.project, d, tagFromConfiguration(q.project, d), diags)
	q.tags[d.Ref] = tag
	return tag
}

// deploymentDisplayName is how terraform query shows a deployment: `#42 production success
// main@e83c5163`.
func deploymentDisplayName(d *gitlabapi.Deployment) string {
	sha := d.SHA
	if len(sha) > 8 {
		sha = sha[:8]
	}
	return fmt.Sprintf("#%d %s %s %s@%s", d.IID, d.Environment.Name, d.Status, d.Ref, sha)
}
