package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = (*gitlabDeployProvider)(nil)

type gitlabDeployProvider struct {
	version string
}

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &gitlabDeployProvider{version: version} }
}

func (p *gitlabDeployProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gitlabdeploy"
	resp.Version = p.version
}

func (p *gitlabDeployProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{}
}

func (p *gitlabDeployProvider) Configure(_ context.Context, _ provider.ConfigureRequest, _ *provider.ConfigureResponse) {
}

func (p *gitlabDeployProvider) Resources(_ context.Context) []func() resource.Resource { return nil }

func (p *gitlabDeployProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return nil
}
