package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/envslug"
)

var _ function.Function = environmentSlugFunction{}

// environmentSlugFunction is provider::gitlabdeploy::environment_slug: GitLab's
// CI_ENVIRONMENT_SLUG of an environment name, computed without GitLab (DESIGN.md §A13).
type environmentSlugFunction struct{}

// NewEnvironmentSlugFunction returns the environment_slug function.
func NewEnvironmentSlugFunction() function.Function {
	return environmentSlugFunction{}
}

func (environmentSlugFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "environment_slug"
}

func (environmentSlugFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "GitLab's slug of an environment name (CI_ENVIRONMENT_SLUG)",
		MarkdownDescription: "Returns the slug GitLab derives from an environment name, the value of " +
			"`CI_ENVIRONMENT_SLUG` in its CI jobs and of `slug` in its API: at most 24 characters, lower-case " +
			"letters, digits and `-`, starting with a letter. Needs no request to GitLab.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "name",
				MarkdownDescription: "The environment's name, for example `review/feature-login`.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (environmentSlugFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var name types.String
	resp.Error = req.Arguments.Get(ctx, &name)
	if resp.Error != nil {
		return
	}
	// Terraform refuses a null argument before calling; this guards other callers of the protocol.
	if name.IsNull() || name.IsUnknown() {
		resp.Error = function.NewArgumentFuncError(0, "Invalid Environment Name: name must be a known string, "+
			"the environment's name.")
		return
	}
	resp.Error = resp.Result.Set(ctx, envslug.Slug(name.ValueString()))
}
