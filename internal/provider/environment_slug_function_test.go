package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Slugs of GitLab's own examples (its spec of Gitlab::Slug::Environment) with the real digest:
// each suffix is the last six base-36 digits of the name's SHA-256, computed with sha256sum and a
// base-36 conversion outside the code under test.
var gitLabSlugExamples = map[string]string{
	"staging-12345678901234567": "staging-123456789-s729ne",
	"9-staging-123456789012345": "env-9-staging-123-f6hm7j",
	"staging-1234567890123456":  "staging-1234567890123456",
	"production":                "production",
	"PRODUCTION":                "production-vl4voz",
	"review/1-foo":              "review-1-foo-9tdj0u",
	"foo-":                      "foo",
	"*-foo":                     "env-foo-i1o6om",
	"":                          "env-qhkd3p",
}

// callEnvironmentSlug calls the function as Terraform does, without configuring the provider.
func callEnvironmentSlug(t *testing.T, arg tftypes.Value) (string, *tfprotov6.FunctionError) {
	t.Helper()
	server := newProviderServer(t)
	functions, ok := server.(tfprotov6.FunctionServer)
	if !ok {
		t.Fatalf("the provider server %T serves no functions", server)
	}
	dv, err := tfprotov6.NewDynamicValue(tftypes.String, arg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := functions.CallFunction(context.Background(), &tfprotov6.CallFunctionRequest{
		Name: "environment_slug", Arguments: []*tfprotov6.DynamicValue{&dv},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		return "", resp.Error
	}
	v, err := resp.Result.Unmarshal(tftypes.String)
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	if err := v.As(&slug); err != nil {
		t.Fatal(err)
	}
	return slug, nil
}

func newProviderServer(t *testing.T) tfprotov6.ProviderServer {
	t.Helper()
	server, err := testAccProtoV6ProviderFactories["gitlabdeploy"]()
	if err != nil {
		t.Fatal(err)
	}
	return server
}

func TestEnvironmentSlugFunction_gitLabExamples(t *testing.T) {
	t.Parallel()
	for name, want := range gitLabSlugExamples {
		got, ferr := callEnvironmentSlug(t, tftypes.NewValue(tftypes.String, name))
		if ferr != nil || got != want {
			t.Errorf("environment_slug(%q) = %q, %v; want %q", name, got, ferr, want)
		}
	}
}

// GitLab has no slug for a missing name: a null argument is an error naming the parameter.
func TestEnvironmentSlugFunction_nullNameIsAnError(t *testing.T) {
	t.Parallel()
	_, ferr := callEnvironmentSlug(t, tftypes.NewValue(tftypes.String, nil))
	if ferr == nil || !errorMatching("name").MatchString(ferr.Text) {
		t.Errorf("environment_slug(null) error = %v, want one naming the parameter", ferr)
	}
}

// The function names environments as the fake GitLab does: the slug of a deployment's
// environment in GitLab's answer is the function's.
func TestEnvironmentSlugFunction_sameAsGitLabsAnswer(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	client := apiClient(t, fake, tokenMaintainer)
	for _, env := range []string{"review/Feature_Login", "production"} {
		d, _, err := client.CreateDeployment(context.Background(), "acme/app", gitlabapi.CreateDeploymentOptions{
			Environment: env, Ref: "main", SHA: shaMain, Status: gitlabapi.StatusSuccess,
		})
		if err != nil {
			t.Fatal(err)
		}
		got, ferr := callEnvironmentSlug(t, tftypes.NewValue(tftypes.String, env))
		if ferr != nil || got != d.Environment.Slug {
			t.Errorf("environment_slug(%q) = %q, %v; GitLab's slug is %q", env, got, ferr, d.Environment.Slug)
		}
	}
}

// Through the CLI (Terraform 1.8 or later, OpenTofu 1.7 or later), with no provider block at all:
// the function needs no configuration and sends nothing.
func TestAccEnvironmentSlugFunction_fromTheCLI(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureFunctions)
	cli.writeConfig(`
output "slugs" {
  value = {
    review     = provider::gitlabdeploy::environment_slug("review/1-foo")
    production = provider::gitlabdeploy::environment_slug("production")
    upper      = provider::gitlabdeploy::environment_slug("PRODUCTION")
  }
}
`)
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	data, err := os.ReadFile(filepath.Join(cli.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Outputs struct {
			Slugs struct{ Value map[string]string } `json:"slugs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"review": "review-1-foo-9tdj0u", "production": "production", "upper": "production-vl4voz"}
	if got := state.Outputs.Slugs.Value; len(got) != len(want) || got["review"] != want["review"] ||
		got["production"] != want["production"] || got["upper"] != want["upper"] {
		t.Errorf("slugs = %v, want %v", got, want)
	}
}
