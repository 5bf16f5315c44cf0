package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
)

func TestDeploymentMergeRequestsDataSource_basic(t *testing.T) {
	t.Parallel()
	h := newProtocolHarnessFor(t, startFake(t, "ds_approvals.json"), tokenReporter)
	h.planDataOK("gitlabdeploy_deployment_merge_requests", resourceArgs{"project": "acme/app", "deployment_id": 1}, map[string]knownvalue.Check{
		// Newest created first.
		"merge_requests": knownvalue.ListExact([]knownvalue.Check{
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
		}),
	})
	h.planDataOK("gitlabdeploy_deployment_merge_requests", resourceArgs{"project": "acme/app", "deployment_id": 3}, map[string]knownvalue.Check{
		"merge_requests": knownvalue.ListExact([]knownvalue.Check{}),
	})
}

// GitLab lists no merge requests for a deployment that does not exist; the data source fails
// instead of reading as a deployment that shipped nothing.
func TestDeploymentMergeRequestsDataSource_notFound(t *testing.T) {
	t.Parallel()
	h := newProtocolHarnessFor(t, startFake(t, "ds_approvals.json"), tokenReporter)
	for _, c := range []struct {
		project string
		id      int
		want    *regexp.Regexp
	}{
		{"acme/app", 999, phrase("Unable to Read Deployment Merge Requests", `Project "acme/app" has no deployment with id 999`)},
		{"acme/nope", 1, phrase("Unable to Read Deployment Merge Requests", `project "acme/nope"`, "404 Project Not Found")},
	} {
		res := h.planData("gitlabdeploy_deployment_merge_requests", resourceArgs{"project": c.project, "deployment_id": c.id})
		if res.failed == "" || !c.want.MatchString(res.errorText()) {
			t.Errorf("%s %d: failed at %q, want an error matching %s:\n%s", c.project, c.id, res.failed, c.want, res.errorText())
		}
	}
}
