package provider

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A base_url that does not lead to GitLab's API is named as the cause by every resource and data
// source, never taken for a missing project or deployment: a path on a GitLab that is not GitLab's
// (GitLab answers {"error":"404 Not Found"}), and a web server that is not GitLab (Go's
// plain-text "404 page not found").
func TestAccProvider_baseURLMissesAPI(t *testing.T) {
	t.Parallel()
	readers := []struct{ name, config, summary string }{
		{"resource gitlabdeploy_deployment", recording("test", "staging", "failed"), "Unable to Create Deployment"},
		{"resource gitlabdeploy_deployment_approval", `
resource "gitlabdeploy_deployment_approval" "test" {
  project       = "acme/app"
  deployment_id = 5
  status        = "approved"
}
`, "Unable to Record Deployment Decision"},
		{"data source gitlabdeploy_deployment", `
data "gitlabdeploy_deployment" "test" {
  project       = "acme/app"
  deployment_id = 1
}
`, "Unable to Read Deployment"},
		{"data source gitlabdeploy_deployments", `
data "gitlabdeploy_deployments" "test" {
  project = "acme/app"
}
`, "Unable to List Deployments"},
		{"data source gitlabdeploy_deployment_merge_requests", `
data "gitlabdeploy_deployment_merge_requests" "test" {
  project       = "acme/app"
  deployment_id = 2
}
`, "Unable to Read Deployment Merge Requests"},
		{"data source gitlabdeploy_deployed_merge_requests", `
data "gitlabdeploy_deployed_merge_requests" "test" {
  project     = "acme/app"
  environment = "production"
}
`, "Unable to List Deployed Merge Requests"},
	}
	for _, reader := range readers {
		t.Run(reader.name, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			notGitLab := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(notGitLab.Close)
			var steps []resource.TestStep
			for _, url := range []string{fake.URL() + "/gitlab", notGitLab.URL} {
				steps = append(steps, resource.TestStep{
					Config: providerBlock(url, tokenMaintainer) + reader.config,
					ExpectError: errorMatching(reader.summary, "GitLab answered 404", `The answer did not come from GitLab's API. `+
						`Check that "base_url" (or GITLAB_BASE_URL) is the address of your GitLab`),
				})
			}
			resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
		})
	}
}

// Importing a deployment that does not exist says so, and that nothing was imported, with the
// cause of each kind of 404: a missing deployment in a readable project, a project out of reach.
func TestAccDeploymentResource_importMissing(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	config := providerBlock(fake.URL(), tokenMaintainer) + recording("test", "staging", "success")
	importing := func(id string, want ...string) resource.TestStep {
		return resource.TestStep{
			Config: config, ResourceName: "gitlabdeploy_deployment.test", ImportState: true, ImportStateId: id,
			ExpectError: errorMatching(want...),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			importing("acme/app:999", "Unable to Read Deployment", `Project "acme/app" has no deployment with id 999`,
				"Nothing was imported.", "Check the import id, written <project>:<deployment_id>", "not the number GitLab's pages show as #N"),
			importing("acme/gone:1", "Unable to Read Deployment", "404 Project Not Found",
				"GitLab shows no such project to these credentials", "Nothing was imported."),
		},
	})
}

func TestAccDeploymentApprovalResource_importMissing(t *testing.T) {
	t.Parallel()
	fake := startFake(t, approvalSeed)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(fake.URL(), tokenMaintainer) + `
resource "gitlabdeploy_deployment_approval" "test" {
  project       = "acme/app"
  deployment_id = 999
  status        = "approved"
}
`,
			ResourceName: "gitlabdeploy_deployment_approval.test", ImportState: true, ImportStateId: "acme/app:999:2",
			ExpectError: errorMatching("Unable to Read Deployment Decision", `Project "acme/app" has no deployment with id 999`,
				"Nothing was imported.", "written <project>:<deployment_id>[:<user_id>[:<rule_id>]]"),
		}},
	})
}
