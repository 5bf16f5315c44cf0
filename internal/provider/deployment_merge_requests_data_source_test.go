package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccDeploymentMergeRequestsDataSource_basic(t *testing.T) {
	fake := startFake(t, "ds_approvals.json")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(fake.URL(), tokenReporter) + `
data "gitlabdeploy_deployment_merge_requests" "shipped" {
  project       = "acme/app"
  deployment_id = 1
}

data "gitlabdeploy_deployment_merge_requests" "none" {
  project       = "acme/app"
  deployment_id = 3
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				// Newest created first.
				statecheck.ExpectKnownValue("data.gitlabdeploy_deployment_merge_requests.shipped", tfjsonpath.New("merge_requests"),
					knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":            knownvalue.NotNull(),
							"iid":           knownvalue.Int64Exact(2),
							"title":         knownvalue.StringExact("Fix logout"),
							"state":         knownvalue.StringExact("merged"),
							"source_branch": knownvalue.StringExact("fix/logout"),
							"target_branch": knownvalue.StringExact("main"),
							"author":        knownvalue.StringExact("mae"),
							"merge_user":    knownvalue.Null(),
							"labels":        knownvalue.ListExact([]knownvalue.Check{}),
							"web_url":       knownvalue.StringRegexp(phrase("/acme/app/-/merge_requests/2")),
							"merged_at":     knownvalue.StringExact("2026-01-06T11:15:00.5Z"),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"iid":       knownvalue.Int64Exact(1),
							"author":    knownvalue.StringExact("dev"),
							"merged_at": knownvalue.StringExact("2026-01-04T16:30:00Z"),
						}),
					})),
				statecheck.ExpectKnownValue("data.gitlabdeploy_deployment_merge_requests.none", tfjsonpath.New("merge_requests"),
					knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

// GitLab lists no merge requests for a deployment that does not exist; the data source fails
// instead of reading as a deployment that shipped nothing.
func TestAccDeploymentMergeRequestsDataSource_notFound(t *testing.T) {
	fake := startFake(t, "ds_approvals.json")
	config := func(project string, id int) string {
		return providerBlock(fake.URL(), tokenReporter) + fmt.Sprintf(`
data "gitlabdeploy_deployment_merge_requests" "test" {
  project       = %[1]q
  deployment_id = %[2]d
}
`, project, id)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("acme/app", 999), ExpectError: phrase("Unable to Read Deployment Merge Requests", `Project "acme/app" has no deployment with id 999`)},
			{Config: config("acme/nope", 1), ExpectError: phrase("Unable to Read Deployment Merge Requests", `project "acme/nope"`, "404 Project Not Found")},
		},
	})
}
