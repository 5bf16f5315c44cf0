package gitlabapi

import (
	"errors"
	"strings"
)

// ErrTokenPermission is a 403 that names permissions the credentials lack: a fine-grained
// personal access token's (insufficient_granular_scope) or a CI/CD job token's fine-grained
// policies (DESIGN.md §A9, §A10). MissingTokenPermissions tells which.
var ErrTokenPermission = errors.New("the token lacks a permission GitLab names")

// TokenPermissionRefusal is what a 403 of kind ErrTokenPermission says.
type TokenPermissionRefusal struct {
	// Token is the kind of credential GitLab names: "fine-grained personal access token" (or
	// another fine-grained token type, as GitLab words it) or "CI/CD job token".
	Token string
	// Permissions are the permissions GitLab names, in its words: "Deployment: Create" for a
	// fine-grained token, "admin_deployments" for a job token.
	Permissions []string
	// Method and Path are the refused request, such as POST /projects/acme%2Fapp/deployments.
	Method, Path string
}

// JobToken reports whether the refusal is about a CI/CD job token's policies.
func (r TokenPermissionRefusal) JobToken() bool { return r.Token == jobTokenKind }

const jobTokenKind = "CI/CD job token"

// MissingTokenPermissions returns what a 403 of kind ErrTokenPermission names, if err is one.
func MissingTokenPermissions(err error) (TokenPermissionRefusal, bool) {
	var e *Error
	if !errors.As(err, &e) || !errors.Is(e.kind, ErrTokenPermission) || e.refusal == nil {
		return TokenPermissionRefusal{}, false
	}
	r := *e.refusal
	r.Method, r.Path = e.Method, e.Path
	return r, true
}

// Fixed parts of GitLab's sentences (DESIGN.md §A9, §A10).
const (
	granularCode         = "insufficient_granular_scope"
	granularRequires     = "requires a fine-grained "
	granularWith         = " with the following "
	jobTokenPermission   = "The following token permission is required: "
	jobTokenPermissions  = "The following token permissions are required: "
	jobTokenInsufficient = "Insufficient permissions to access this resource"
)

// parseTokenRefusal reads the permissions a 403 body names, or returns nil.
func parseTokenRefusal(b body) *TokenPermissionRefusal {
	switch {
	case b.code == granularCode:
		r := &TokenPermissionRefusal{Token: "fine-grained personal access token"}
		if _, rest, ok := strings.Cut(b.description, granularRequires); ok {
			if kind, _, ok := strings.Cut(rest, granularWith); ok {
				r.Token = "fine-grained " + kind
			}
		}
		open, end := strings.LastIndexByte(b.description, '['), strings.LastIndexByte(b.description, ']')
		if open >= 0 && end > open {
			r.Permissions = splitList(b.description[open+1 : end])
		}
		return r
	case b.isMessage && strings.Contains(b.text, jobTokenInsufficient):
		list := ""
		if _, rest, ok := strings.Cut(b.text, jobTokenPermission); ok {
			list = rest
		} else if _, rest, ok := strings.Cut(b.text, jobTokenPermissions); ok {
			list = rest
		}
		return &TokenPermissionRefusal{Token: jobTokenKind, Permissions: splitList(strings.TrimSuffix(list, "."))}
	}
	return nil
}

// splitList splits "a", "a, b", "a and b" and "a, b, and c" into their items.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ", ") {
		for _, item := range strings.Split(strings.TrimPrefix(part, "and "), " and ") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
