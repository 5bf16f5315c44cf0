package provider

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// tokenPermissionAdvice explains a 403 that names permissions the token lacks (DESIGN.md §A9,
// §A10, §B25): the permissions as GitLab names them, the operation, and the fix for that kind
// of token.
func tokenPermissionAdvice(r gitlabapi.TokenPermissionRefusal) string {
	needed := "a permission GitLab did not name"
	if len(r.Permissions) > 0 {
		needed = quotedList(r.Permissions)
	}
	op := fmt.Sprintf("%s (%s %s)", operationOf(r.Method, r.Path), r.Method, r.Path)
	if r.JobToken() {
		return fmt.Sprintf("The CI/CD job token lacks %s, which %s needs: the job's project is on this project's "+
			"job token allowlist with fine-grained permissions that leave it out. In this project, open Settings > "+
			"CI/CD > Job token permissions and add %s to the allowlist entry of the job's project, or give that "+
			"entry the default permissions. The provider page lists the permissions each resource, data source and "+
			"action needs.", needed, op, needed)
	}
	return fmt.Sprintf("The %s lacks %s, which %s needs. The permissions of a fine-grained token cannot be "+
		"changed after it is created: create a token that also holds %s (the provider page lists the permissions "+
		"each resource, data source and action needs), or use a classic token with the api scope.",
		r.Token, needed, op, needed)
}

// quotedList writes `"a"`, `"a" and "b"`, `"a", "b" and "c"`.
func quotedList(items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = fmt.Sprintf("%q", it)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
}

// operationOf names, for people, what the request to path does.
func operationOf(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := segs[len(segs)-1]
	switch {
	case path == "/user":
		return "asking GitLab which user the token acts for"
	case len(segs) == 2 && segs[0] == "projects":
		return "reading the project"
	case len(segs) > 2 && segs[2] == "repository":
		return "reading the project's repository tags"
	case last == "stop":
		return "stopping an environment"
	case len(segs) > 2 && segs[2] == "environments":
		return "looking up an environment"
	case len(segs) == 3 && segs[2] == "merge_requests":
		return "listing the project's merge requests"
	case last == "approval":
		return "approving or rejecting a deployment"
	case last == "merge_requests":
		return "listing the merge requests of a deployment"
	case last == "deployments" && method == http.MethodPost:
		return "recording a deployment"
	case last == "deployments":
		return "listing deployments"
	case method == http.MethodPut:
		return "changing the status of a deployment"
	case method == http.MethodDelete:
		return "deleting a deployment"
	}
	return "reading a deployment"
}
