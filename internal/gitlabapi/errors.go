package gitlabapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kinds of GitLab refusal the provider explains. Test with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrUnauthorized  = errors.New("unauthorized")
	ErrForbidden     = errors.New("forbidden")
	ErrRateLimited   = errors.New("rate limited")
	ErrServer        = errors.New("server error")
	ErrBadRequest    = errors.New("bad request")
	ErrJobTokenScope = errors.New("job token not allowed for this project")

	ErrCIDeployment          = errors.New("deployment created by GitLab CI")
	ErrInvalidTransition     = errors.New("status transition refused")
	ErrDeploymentRunning     = errors.New("deployment is running")
	ErrCurrentlyDeployed     = errors.New("deployment currently deployed to environment")
	ErrRefNotFound           = errors.New("ref does not exist")
	ErrCommitNotFound        = errors.New("commit does not exist")
	ErrInvalidEnvironment    = errors.New("invalid environment name")
	ErrNotProtected          = errors.New("environment not protected")
	ErrApprovalsNotSetUp     = errors.New("deployment approvals not configured")
	ErrNotWaitingForApproval = errors.New("deployment not waiting for approvals")
	ErrSelfApproval          = errors.New("cannot approve own deployment")
	ErrNoApprovalPermission  = errors.New("no permission to approve")
	ErrNoMatchingRule        = errors.New("no approval rule for represented_as")
	ErrCommentTooLong        = errors.New("comment too long")
)

// Error is a GitLab answer other than success. Message is GitLab's own text, made readable; it
// never holds a credential, since credentials travel only in headers.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
	kind       error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: GitLab answered %d", e.Method, e.Path, e.StatusCode)
	}
	return fmt.Sprintf("%s %s: GitLab answered %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// Unwrap lets errors.Is match the kind of refusal.
func (e *Error) Unwrap() error { return e.kind }

// StatusCode returns the HTTP status of a GitLab error, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// messageKinds maps GitLab's verbatim refusals (behaviour spec §1.3–§4.6) to kinds.
var messageKinds = []struct {
	contains string
	kind     error
}{
	{"Deployments created using GitLab CI can not be updated", ErrCIDeployment},
	{"cannot transition via", ErrInvalidTransition},
	{"Cannot destroy running deployment", ErrDeploymentRunning},
	{"Deployment currently deployed to environment", ErrCurrentlyDeployed},
	{"The branch or tag does not exist", ErrRefNotFound},
	{"The commit does not exist", ErrCommitNotFound},
	{"This environment is not protected", ErrNotProtected},
	{"You cannot approve your own deployment", ErrSelfApproval},
	{"Deployment approvals is not configured", ErrApprovalsNotSetUp},
	{"This deployment is not waiting for approvals", ErrNotWaitingForApproval},
	{"You don't have permission to approve this deployment", ErrNoApprovalPermission},
	{"There are no approval rules for the given", ErrNoMatchingRule},
	{"Comment is too long", ErrCommentTooLong},
	{"Authentication by CI/CD job token not allowed", ErrJobTokenScope},
}

func newError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status, Message: readableBody(body)}
	for _, mk := range messageKinds {
		if strings.Contains(e.Message, mk.contains) {
			e.kind = mk.kind
			break
		}
	}
	if e.kind == nil {
		switch {
		case status == 404:
			e.kind = ErrNotFound
		case status == 401:
			e.kind = ErrUnauthorized
		case status == 403:
			e.kind = ErrForbidden
		case status == 429:
			e.kind = ErrRateLimited
		case status >= 500:
			e.kind = ErrServer
		case status == 400 && strings.Contains(e.Message, "name"):
			e.kind = ErrInvalidEnvironment
		case status == 400:
			e.kind = ErrBadRequest
		}
	}
	return e
}

// readableBody flattens GitLab's two error shapes ({"message": ...} and {"error": ...}) into
// one line: `{"message":{"status":["cannot transition via \"run\""]}}` reads
// `status cannot transition via "run"`.
func readableBody(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		return text
	}
	for _, key := range []string{"message", "error"} {
		if v, ok := raw[key]; ok {
			msg := flatten(v)
			if d, ok := raw["error_description"].(string); ok {
				msg += ": " + d
			}
			return msg
		}
	}
	return text
}

func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, item := range v {
			parts = append(parts, flatten(item))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+" "+flatten(v[k]))
		}
		return strings.Join(parts, "; ")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
