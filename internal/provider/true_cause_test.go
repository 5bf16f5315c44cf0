package provider

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A base_url that does not lead to GitLab's API is named as the cause by every resource and data
// source, never taken for a missing project or deployment: a path on a GitLab that is not GitLab's
// (GitLab answers {"error":"404 Not Found"}), and a web server that is not GitLab (Go's
// plain-text "404 page not found").
func TestProvider_baseURLMissesAPI(t *testing.T) {
	t.Parallel()
	readers := []struct {
		name, typeName string
		resource       bool
		args           resourceArgs
		summary        string
	}{
		{"resource gitlabdeploy_deployment", "gitlabdeploy_deployment", true, resourceArgs{
			"project": "acme/app", "environment": "staging", "ref": "main", "sha": shaMain, "status": "failed",
		}, "Unable to Create Deployment"},
		{"resource gitlabdeploy_deployment_approval", "gitlabdeploy_deployment_approval", true, resourceArgs{
			"project": "acme/app", "deployment_id": 5, "status": "approved",
		}, "Unable to Record Deployment Decision"},
		{"data source gitlabdeploy_deployment", "gitlabdeploy_deployment", false, resourceArgs{
			"project": "acme/app", "deployment_id": 1,
		}, "Unable to Read Deployment"},
		{"data source gitlabdeploy_deployments", "gitlabdeploy_deployments", false, resourceArgs{
			"project": "acme/app",
		}, "Unable to List Deployments"},
		{"data source gitlabdeploy_deployment_merge_requests", "gitlabdeploy_deployment_merge_requests", false, resourceArgs{
			"project": "acme/app", "deployment_id": 2,
		}, "Unable to Read Deployment Merge Requests"},
		{"data source gitlabdeploy_deployed_merge_requests", "gitlabdeploy_deployed_merge_requests", false, resourceArgs{
			"project": "acme/app", "environment": "production",
		}, "Unable to List Deployed Merge Requests"},
	}
	for _, reader := range readers {
		t.Run(reader.name, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, "basic.json")
			notGitLab := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(notGitLab.Close)
			h := newProtocolHarnessFor(t, fake, tokenMaintainer)
			want := errorMatching(reader.summary, "GitLab answered 404", `The answer did not come from GitLab's API. `+
				`Check that "base_url" (or GITLAB_BASE_URL) is the address of your GitLab`)
			for _, url := range []string{fake.URL() + "/gitlab", notGitLab.URL} {
				h.reconfigureURL(url, tokenMaintainer)
				var res *lifecycleResult
				if reader.resource {
					res = h.lifecycle(reader.typeName).apply(reader.args)
				} else {
					res = h.planData(reader.typeName, reader.args)
				}
				if res.failed == "" || !want.MatchString(res.errorText()) {
					t.Errorf("base_url %s: failed at %q, want an error matching %s:\n%s", url, res.failed, want, res.errorText())
				}
			}
		})
	}
}

// Importing a deployment that does not exist says so, and that nothing was imported, with the
// cause of each kind of 404: a missing deployment in a readable project, a project out of reach.
func TestDeploymentResource_importMissing(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t, tokenMaintainer)
	args := resourceArgs{"project": "acme/app", "environment": "staging", "ref": "main", "sha": shaMain, "status": "success"}
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment"), []protoStep{
		{args: args, importID: "acme/app:999", expectError: errorMatching("Unable to Read Deployment", `Project "acme/app" has no deployment with id 999`,
			"Nothing was imported.", "Check the import id, written <project>:<deployment_id>", "not the number GitLab's pages show as #N")},
		{args: args, importID: "acme/gone:1", expectError: errorMatching("Unable to Read Deployment", "404 Project Not Found",
			"GitLab shows no such project to these credentials", "Nothing was imported.")},
	}, nil)
}

func TestDeploymentApprovalResource_importMissing(t *testing.T) {
	t.Parallel()
	h := newProtocolHarnessFor(t, startFake(t, approvalSeed), tokenMaintainer)
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment_approval"), []protoStep{{
		args:     resourceArgs{"project": "acme/app", "deployment_id": 999, "status": "approved"},
		importID: "acme/app:999:2",
		expectError: errorMatching("Unable to Read Deployment Decision", `Project "acme/app" has no deployment with id 999`,
			"Nothing was imported.", "written <project>:<deployment_id>[:<user_id>[:<rule_id>]]"),
	}}, nil)
}
