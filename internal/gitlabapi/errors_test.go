package gitlabapi

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allKinds is every kind newError can give, so that each case can check it matches only its own.
var allKinds = []error{
	ErrNotFound, ErrRecordNotFound, ErrProjectNotFound, ErrRouteNotFound, ErrUnauthorized, ErrForbidden,
	ErrConflict, ErrRateLimited, ErrServer, ErrBadRequest, ErrJobTokenScope, ErrCIDeployment,
	ErrInvalidTransition, ErrDeploymentRunning, ErrCurrentlyDeployed, ErrRefNotFound, ErrCommitNotFound,
	ErrInvalidEnvironment, ErrNotProtected, ErrApprovalsNotSetUp, ErrNotWaitingForApproval, ErrSelfApproval,
	ErrNoApprovalPermission, ErrNoMatchingRule, ErrCommentTooLong, ErrTokenPermission,
}

// TestNewError_verbatimGitLabAnswers classifies every refusal of GitLab that DESIGN.md §A describes, in its exact words.
func TestNewError_verbatimGitLabAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		status  int
		body    string
		message string  // the readable text
		kinds   []error // every kind it must match; nil: none
	}{
		// §A1 and §A6: authentication and permission.
		{"unauthorized", 401, `{"message":"401 Unauthorized"}`, "401 Unauthorized", []error{ErrUnauthorized}},
		{"expired token", 401,
			`{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}`,
			"invalid_token: Token is expired. You can either do re-authorization or token refresh.", []error{ErrUnauthorized}},
		{"revoked token", 401,
			`{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}`,
			"invalid_token: Token was revoked. You have to re-authorize from the user.", []error{ErrUnauthorized}},
		{"forbidden", 403, `{"message":"403 Forbidden"}`, "403 Forbidden", []error{ErrForbidden}},
		{"job token not allowed", 403,
			`{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from acme/tools to acme/app."}`,
			"403 Forbidden - Authentication by CI/CD job token not allowed from acme/tools to acme/app.", []error{ErrJobTokenScope}},
		{"job token permission", 403,
			`{"message":"403 Forbidden - Insufficient permissions to access this resource in project acme/app. The following token permission is required: admin_deployments."}`,
			"403 Forbidden - Insufficient permissions to access this resource in project acme/app. The following token permission is required: admin_deployments.",
			[]error{ErrTokenPermission}},

		// §A1: the three 404s.
		{"project not found", 404, `{"message":"404 Project Not Found"}`, "404 Project Not Found",
			[]error{ErrProjectNotFound, ErrNotFound}},
		{"deployment not found", 404, `{"message":"404 Not found"}`, "404 Not found",
			[]error{ErrRecordNotFound, ErrNotFound}},
		{"tag not found", 404, `{"message":"404 Tag Not Found"}`, "404 Tag Not Found",
			[]error{ErrRecordNotFound, ErrNotFound}},
		{"no such route", 404, `{"error":"404 Not Found"}`, "404 Not Found", []error{ErrRouteNotFound, ErrNotFound}},
		{"web server page", 404, `<html><body>Not Found</body></html>`, "<html><body>Not Found</body></html>",
			[]error{ErrRouteNotFound, ErrNotFound}},
		{"empty 404", 404, ``, "", []error{ErrRouteNotFound, ErrNotFound}},

		// §A1: parameter errors.
		{"create without body", 400,
			`{"error":"environment is missing, sha is missing, ref is missing, tag is missing, status is missing, status does not have a valid value"}`,
			"environment is missing, sha is missing, ref is missing, tag is missing, status is missing, status does not have a valid value",
			[]error{ErrBadRequest}},
		{"empty sha", 400, `{"error":"sha is empty"}`, "sha is empty", []error{ErrBadRequest}},
		{"bad tag", 400, `{"error":"tag is invalid"}`, "tag is invalid", []error{ErrBadRequest}},
		{"bad status", 400, `{"error":"status does not have a valid value"}`, "status does not have a valid value",
			[]error{ErrBadRequest}},
		{"bad deployment id", 400, `{"error":"deployment_id is invalid"}`, "deployment_id is invalid", []error{ErrBadRequest}},
		{"per_page zero", 400, `{"error":"per_page has a value not allowed"}`, "per_page has a value not allowed",
			[]error{ErrBadRequest}},
		{"bad order_by", 400, `{"error":"order_by does not have a valid value"}`, "order_by does not have a valid value",
			[]error{ErrBadRequest}},
		{"bad date", 400, `{"error":"updated_after is invalid"}`, "updated_after is invalid", []error{ErrBadRequest}},
		{"bad access level", 400, `{"error":"deploy_access_levels[0][access_level] does not have a valid value"}`,
			"deploy_access_levels[0][access_level] does not have a valid value", []error{ErrBadRequest}},

		// §A5: list filter combinations.
		{"both filters", 400,
			"{\"message\":\"400 Bad request - Both `updated_at` filter and `finished_at` filter can not be specified\"}",
			"400 Bad request - Both `updated_at` filter and `finished_at` filter can not be specified", []error{ErrBadRequest}},
		{"updated filter without sort", 400,
			"{\"message\":\"400 Bad request - `updated_at` filter requires `updated_at` sort\"}",
			"400 Bad request - `updated_at` filter requires `updated_at` sort", []error{ErrBadRequest}},
		{"finished filter without sort", 400,
			"{\"message\":\"400 Bad request - `finished_at` filter requires `finished_at` sort.\"}",
			"400 Bad request - `finished_at` filter requires `finished_at` sort.", []error{ErrBadRequest}},
		{"finished sort without filter", 400,
			"{\"message\":\"400 Bad request - `finished_at` sort requires `finished_at` filter or a filter with at least one of the finished statuses.\"}",
			"400 Bad request - `finished_at` sort requires `finished_at` filter or a filter with at least one of the finished statuses.",
			[]error{ErrBadRequest}},
		{"finished filter without success", 400,
			"{\"message\":\"400 Bad request - `finished_at` filter must be combined with `success` status filter.\"}",
			"400 Bad request - `finished_at` filter must be combined with `success` status filter.", []error{ErrBadRequest}},

		// §A2: create.
		{"unknown ref", 400, `{"message":{"ref":["The branch or tag does not exist"]}}`,
			"ref The branch or tag does not exist", []error{ErrRefNotFound}},
		{"unknown sha", 400, `{"message":{"sha":["The commit does not exist"]}}`,
			"sha The commit does not exist", []error{ErrCommitNotFound}},
		{"environment name too long", 400, `{"message":{"name":["is too long (maximum is 255 characters)"]}}`,
			"name is too long (maximum is 255 characters)", []error{ErrInvalidEnvironment}},
		{"environment name characters", 400,
			`{"message":{"name":["can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'"]}}`,
			"name can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'",
			[]error{ErrInvalidEnvironment}},

		// §A2: update.
		{"CI deployment", 403, `{"message":"403 Forbidden - Deployments created using GitLab CI can not be updated using the API"}`,
			"403 Forbidden - Deployments created using GitLab CI can not be updated using the API", []error{ErrCIDeployment}},
		{"transition run", 400, `{"message":{"status":["cannot transition via \"run\""]}}`,
			`status cannot transition via "run"`, []error{ErrInvalidTransition}},
		{"transition succeed", 400, `{"message":{"status":["cannot transition via \"succeed\""]}}`,
			`status cannot transition via "succeed"`, []error{ErrInvalidTransition}},
		{"transition drop", 400, `{"message":{"status":["cannot transition via \"drop\""]}}`,
			`status cannot transition via "drop"`, []error{ErrInvalidTransition}},
		{"transition cancel", 400, `{"message":{"status":["cannot transition via \"cancel\""]}}`,
			`status cannot transition via "cancel"`, []error{ErrInvalidTransition}},

		// §A3: delete.
		{"running", 400, `{"message":"Cannot destroy running deployment"}`, "Cannot destroy running deployment",
			[]error{ErrDeploymentRunning}},
		{"currently deployed", 400, `{"message":"Deployment currently deployed to environment"}`,
			"Deployment currently deployed to environment", []error{ErrCurrentlyDeployed}},
		{"precondition", 412, `{"message":"412 Precondition Failed"}`, "412 Precondition Failed", nil},

		// §A4: approvals.
		{"unrecognized status", 400, `{"message":"Unrecognized approval status."}`, "Unrecognized approval status.",
			[]error{ErrBadRequest}},
		{"not protected", 400, `{"message":"This environment is not protected."}`, "This environment is not protected.",
			[]error{ErrNotProtected}},
		{"self approval", 400,
			`{"message":"You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."}`,
			"You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings.",
			[]error{ErrSelfApproval}},
		{"approvals not configured", 400, `{"message":"Deployment approvals is not configured for this environment."}`,
			"Deployment approvals is not configured for this environment.", []error{ErrApprovalsNotSetUp}},
		{"not waiting", 400, `{"message":"This deployment is not waiting for approvals."}`,
			"This deployment is not waiting for approvals.", []error{ErrNotWaitingForApproval}},
		{"no permission", 400,
			`{"message":"You don't have permission to approve this deployment. Contact the project or group owner for help."}`,
			"You don't have permission to approve this deployment. Contact the project or group owner for help.",
			[]error{ErrNoApprovalPermission}},
		{"no rule for represented_as", 400,
			"{\"message\":\"There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead.\"}",
			"There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead.",
			[]error{ErrNoMatchingRule}},
		{"comment too long", 400, `{"message":["Comment is too long (maximum is 255 characters)"]}`,
			"Comment is too long (maximum is 255 characters)", []error{ErrCommentTooLong}},
		{"rejection of a finished CI deployment", 500, `{"message":"500 Internal Server Error"}`,
			"500 Internal Server Error", []error{ErrServer}},

		// §A7: protected environments.
		{"deprecated count", 422,
			`{"message":"Parameter 'required_approval_count' is deprecated and shouldn't be used. See https://gitlab.com/groups/gitlab-org/-/epics/9662"}`,
			"Parameter 'required_approval_count' is deprecated and shouldn't be used. See https://gitlab.com/groups/gitlab-org/-/epics/9662",
			[]error{ErrBadRequest}},
		{"already protected", 409, `{"message":"Environment 'production' is already protected"}`,
			"Environment 'production' is already protected", []error{ErrConflict}},
		{"no deploy access left", 422, `{"message":["Deploy access levels is too short (minimum is 1 character)"]}`,
			"Deploy access levels is too short (minimum is 1 character)", []error{ErrBadRequest}},
		{"several model errors", 422,
			`{"message":["Approval rules required approvals must be greater than or equal to 1","Deploy access levels base Exactly one of access_level, group_id, user_id must be present"]}`,
			"Approval rules required approvals must be greater than or equal to 1; Deploy access levels base Exactly one of access_level, group_id, user_id must be present",
			[]error{ErrBadRequest}},
		{"rule without id", 400,
			`{"error":"approval_rules[0][access_level], approval_rules[0][user_id], approval_rules[0][group_id] are missing, at least one parameter must be provided"}`,
			"approval_rules[0][access_level], approval_rules[0][user_id], approval_rules[0][group_id] are missing, at least one parameter must be provided",
			[]error{ErrBadRequest}},

		// §A9, §A10: a token that lacks a permission GitLab names.
		{"fine-grained token", 403,
			`{"error":"insufficient_granular_scope","error_description":"Access denied: This operation requires a fine-grained personal access token with the following project permissions: [Deployment: Create]."}`,
			"insufficient_granular_scope: Access denied: This operation requires a fine-grained personal access token with the following project permissions: [Deployment: Create].",
			[]error{ErrTokenPermission}},
		{"deployment_delete limit", 429,
			`{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`,
			"error This endpoint has been requested too many times. Try again later.", []error{ErrRateLimited}},

		// §A6 and the fake's faults: throttling and server errors.
		{"throttled", 429, `Retry later`, "Retry later", []error{ErrRateLimited}},
		{"bad gateway", 502, `{"message":"502 Bad Gateway"}`, "502 Bad Gateway", []error{ErrServer}},
		{"unavailable", 503, `{"message":"503 Service Unavailable"}`, "503 Service Unavailable", []error{ErrServer}},
		{"proxy page", 504, "<html>" + strings.Repeat("x", 400) + "</html>",
			"<html>" + strings.Repeat("x", 294) + "…", []error{ErrServer}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := newError("PUT", "/projects/1/deployments/7", tc.status, []byte(tc.body))
			if err.Message != tc.message {
				t.Errorf("message:\n got %q\nwant %q", err.Message, tc.message)
			}
			if got := readableBody([]byte(tc.body)); got != tc.message {
				t.Errorf("readableBody:\n got %q\nwant %q", got, tc.message)
			}
			for _, kind := range allKinds {
				want := false
				for _, k := range tc.kinds {
					want = want || errors.Is(k, kind)
				}
				if got := errors.Is(err, kind); got != want {
					t.Errorf("errors.Is(err, %q) = %v, want %v", kind, got, want)
				}
			}
			if StatusCode(err) != tc.status {
				t.Errorf("StatusCode = %d, want %d", StatusCode(err), tc.status)
			}
			want := "PUT /projects/1/deployments/7: GitLab answered " + strconv.Itoa(tc.status)
			if tc.message != "" {
				want += ": " + tc.message
			}
			if err.Error() != want {
				t.Errorf("Error():\n got %q\nwant %q", err.Error(), want)
			}
		})
	}
}

// TestMissingTokenPermissions reads the permissions out of GitLab's refusals (DESIGN.md §A9, §A10),
// whatever their number.
func TestMissingTokenPermissions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		token      string
		want       []string
	}{
		{"fine-grained, one", `{"error":"insufficient_granular_scope","error_description":"Access denied: This operation requires a fine-grained personal access token with the following project permissions: [Deployment: Read]."}`,
			"fine-grained personal access token", []string{"Deployment: Read"}},
		{"fine-grained, two", `{"error":"insufficient_granular_scope","error_description":"Access denied: This operation requires a fine-grained personal access token with the following user permissions: [User: Read, Personal Access Token: Read]."}`,
			"fine-grained personal access token", []string{"User: Read", "Personal Access Token: Read"}},
		{"fine-grained, another wording", `{"error":"insufficient_granular_scope","error_description":"Access denied"}`,
			"fine-grained personal access token", nil},
		{"job token, one", `{"message":"403 Forbidden - Insufficient permissions to access this resource in project app. The following token permission is required: read_deployments."}`,
			"CI/CD job token", []string{"read_deployments"}},
		{"job token, two", `{"message":"403 Forbidden - Insufficient permissions to access this resource in project app. The following token permissions are required: admin_deployments and admin_environments."}`,
			"CI/CD job token", []string{"admin_deployments", "admin_environments"}},
		{"job token, three", `{"message":"403 Forbidden - Insufficient permissions to access this resource in project app. The following token permissions are required: a, b, and c."}`,
			"CI/CD job token", []string{"a", "b", "c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("wrapped: %w", newError("POST", "/projects/1/deployments", 403, []byte(tc.body)))
			r, ok := MissingTokenPermissions(err)
			if !ok {
				t.Fatalf("MissingTokenPermissions(%v) found nothing", err)
			}
			if r.Token != tc.token || !slices.Equal(r.Permissions, tc.want) || r.Method != "POST" || r.Path != "/projects/1/deployments" {
				t.Errorf("got %+v, want token %q, permissions %q", r, tc.token, tc.want)
			}
			if r.JobToken() != (tc.token == "CI/CD job token") {
				t.Errorf("JobToken() = %v", r.JobToken())
			}
		})
	}
	if _, ok := MissingTokenPermissions(newError("GET", "/user", 403, []byte(`{"message":"403 Forbidden"}`))); ok {
		t.Error("a plain 403 names no permission")
	}
}
