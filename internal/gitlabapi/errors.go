package gitlabapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Kinds of failure the provider explains. Test with errors.Is.
var (
	// ErrNotFound is any 404; the three kinds below tell them apart.
	ErrNotFound = errors.New("not found")
	// ErrRecordNotFound is GitLab's "404 Not found" about a deployment or tag in a project the
	// credentials can read (GitLab looks the project up first): the record is gone. It also
	// matches ErrNotFound.
	ErrRecordNotFound = errors.New("record not found")
	// ErrProjectNotFound is "404 Project Not Found": the project does not exist, moved, or the
	// credentials cannot see it. It also matches ErrNotFound.
	ErrProjectNotFound = errors.New("project not found or not visible with these credentials")
	// ErrRouteNotFound is a 404 that is not GitLab's answer about a project or record: the base
	// URL does not lead to GitLab's API. It also matches ErrNotFound.
	ErrRouteNotFound = errors.New("no such API route: check that the base URL points at GitLab")
	ErrUnauthorized  = errors.New("unauthorized")
	ErrForbidden     = errors.New("forbidden")
	ErrConflict      = errors.New("conflict")
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
	ErrStopNotApplied        = errors.New("environment already stopping or stopped")

	// ErrOutcomeUnknown marks a write that GitLab may or may not have applied: its answer was
	// lost and looking at GitLab afterwards did not settle the question.
	ErrOutcomeUnknown = errors.New("the outcome of the request is unknown")
	// ErrUnreachable is a request that never reached GitLab: the address is wrong (refused, no
	// such host, not a TLS server) or GitLab is down.
	ErrUnreachable = errors.New("GitLab could not be reached")
	// ErrUntrustedCertificate is a TLS certificate this machine does not trust.
	ErrUntrustedCertificate = errors.New("GitLab's TLS certificate is not trusted")
	// ErrNotJSON is a successful answer that is not GitLab's JSON, as from a web page at the
	// base URL.
	ErrNotJSON = errors.New("the answer is not GitLab API JSON")
)

// Error is a GitLab answer other than success. Message is GitLab's own text, made readable; it
// never holds a credential, since credentials travel only in headers.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
	kind       error
	refusal    *TokenPermissionRefusal // set for ErrTokenPermission
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: GitLab answered %d", e.Method, e.Path, e.StatusCode)
	}
	return fmt.Sprintf("%s %s: GitLab answered %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// Unwrap lets errors.Is match the kind of refusal.
func (e *Error) Unwrap() []error {
	switch {
	case e.kind == nil:
		return nil
	case errors.Is(e.kind, ErrRecordNotFound), errors.Is(e.kind, ErrProjectNotFound), errors.Is(e.kind, ErrRouteNotFound):
		return []error{e.kind, ErrNotFound}
	}
	return []error{e.kind}
}

// StatusCode returns the HTTP status of a GitLab error, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// messageKinds maps GitLab's verbatim refusals (DESIGN.md §A1 to §A6) to kinds.
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
	{"Attempted to stop the environment but failed to change the status", ErrStopNotApplied},
}

func newError(method, path string, status int, body []byte) *Error {
	b := parseBody(body)
	e := &Error{Method: method, Path: path, StatusCode: status, Message: b.text}
	if status == http.StatusForbidden {
		if e.refusal = parseTokenRefusal(b); e.refusal != nil {
			e.kind = ErrTokenPermission
			return e
		}
	}
	for _, mk := range messageKinds {
		if strings.Contains(e.Message, mk.contains) {
			e.kind = mk.kind
			return e
		}
	}
	switch {
	case status == http.StatusNotFound:
		e.kind = notFoundKind(b)
	case status == http.StatusBadRequest && b.fields["name"]:
		// Only the environment has a name among create's parameters.
		e.kind = ErrInvalidEnvironment
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		e.kind = ErrBadRequest
	case status == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case status == http.StatusForbidden:
		e.kind = ErrForbidden
	case status == http.StatusConflict:
		e.kind = ErrConflict
	case status == http.StatusTooManyRequests:
		e.kind = ErrRateLimited
	case status >= 500:
		e.kind = ErrServer
	}
	return e
}

// notFoundKind tells GitLab's three 404s apart: a missing record ({"message":"404 Not found"},
// "404 Tag Not Found"), a missing project ("404 Project Not Found") and anything else, such as
// the route catch-all ({"error":"404 Not Found"}) or a web server that is not GitLab.
func notFoundKind(b body) error {
	switch {
	case !b.isMessage || !strings.HasPrefix(b.text, "404 "):
		return ErrRouteNotFound
	case b.text == "404 Project Not Found":
		return ErrProjectNotFound
	default:
		return ErrRecordNotFound
	}
}

// body is an error answer made readable.
type body struct {
	text      string
	isMessage bool            // GitLab's own shape {"message": ...}, not Grape's {"error": ...}
	fields    map[string]bool // the keys of an object message, e.g. {"message":{"name":[...]}}
	// code and description are an OAuth error's {"error": code, "error_description": ...}.
	code, description string
}

// readableBody flattens GitLab's two error shapes ({"message": ...} and {"error": ...}) into
// one line: `{"message":{"status":["cannot transition via \"run\""]}}` reads
// `status cannot transition via "run"`.
func readableBody(raw []byte) string { return parseBody(raw).text }

func parseBody(raw []byte) body {
	text := strings.TrimSpace(string(raw))
	if text == "" {
		return body{}
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		return body{text: text}
	}
	if v, ok := obj["message"]; ok {
		b := body{text: flatten(v), isMessage: true, fields: map[string]bool{}}
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				b.fields[k] = true
			}
		}
		return b
	}
	if v, ok := obj["error"]; ok {
		text := flatten(v)
		d, hasDescription := obj["error_description"].(string)
		if hasDescription {
			text += ": " + d
		}
		code, _ := v.(string)
		return body{text: text, code: code, description: d}
	}
	return body{text: text}
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
