package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// grant is the fine-grained permission a route asks of a fine-grained personal access token,
// spelt as GitLab's refusal names it ("Resource: Action"), and the kind of boundary it is held
// at (DESIGN.md §A9).
type grant struct {
	permission string
	boundary   string // "project" or "user"
}

var (
	userRead           = grant{"User: Read", "user"}
	projectRead        = grant{"Project: Read", "project"}
	codeRead           = grant{"Code: Read", "project"}
	mergeRequestRead   = grant{"Merge Request: Read", "project"}
	deploymentRead     = grant{"Deployment: Read", "project"}
	deploymentCreate   = grant{"Deployment: Create", "project"}
	deploymentUpdate   = grant{"Deployment: Update", "project"}
	deploymentDelete   = grant{"Deployment: Delete", "project"}
	deploymentApprove  = grant{"Deployment: Approve", "project"}
	environmentRead    = grant{"Environment: Read", "project"}
	environmentStop    = grant{"Environment: Stop", "project"}
	protectedEnvRead   = grant{"Protected Environment: Read", "project"}
	protectedEnvCreate = grant{"Protected Environment: Create", "project"}
	protectedEnvUpdate = grant{"Protected Environment: Update", "project"}
	protectedEnvDelete = grant{"Protected Environment: Delete", "project"}
)

// grantablePermissions are the permissions a seed may give a fine-grained token.
var grantablePermissions = []string{
	userRead.permission, projectRead.permission, codeRead.permission, mergeRequestRead.permission,
	deploymentRead.permission, deploymentCreate.permission, deploymentUpdate.permission,
	deploymentDelete.permission, deploymentApprove.permission, environmentRead.permission, environmentStop.permission,
	protectedEnvRead.permission, protectedEnvCreate.permission, protectedEnvUpdate.permission,
	protectedEnvDelete.permission,
}

// Job-token policies of the routes (DESIGN.md §A10).
var (
	readMergeRequests = []string{"read_merge_requests"}
	readDeployments   = []string{"read_deployments"}
	adminDeployments  = []string{"admin_deployments"}
	createDeployments = []string{"admin_deployments", "admin_environments"}
	readEnvironments  = []string{"read_environments"}
	adminEnvironments = []string{"admin_environments"}
)

// jobTokenPolicyNames are the policies a seed's allowlist entry may give; an admin_ policy also
// grants the read_ policy of its resource ("Read and write").
var jobTokenPolicyNames = []string{"read_deployments", "admin_deployments", "read_environments", "admin_environments",
	"read_merge_requests"}

// checkGrant refuses a fine-grained personal access token that lacks the route's permission,
// with GitLab's 403 (DESIGN.md §A9).
func (c *call) checkGrant() *reply {
	if c.fineGrained == nil || c.rt == nil || c.rt.grant.permission == "" || c.fineGrained[c.rt.grant.permission] {
		return nil
	}
	rep := reply{status: http.StatusForbidden, body: map[string]any{
		"error": "insufficient_granular_scope",
		"error_description": fmt.Sprintf("Access denied: This operation requires a fine-grained personal access "+
			"token with the following %s permissions: [%s].", c.rt.grant.boundary, c.rt.grant.permission),
	}}
	return &rep
}

// allowlistEntry is one entry of a project's job-token allowlist: a project or a group (every
// project under it), with the job token's default permissions or fine-grained policies.
type allowlistEntry struct {
	path        string
	fineGrained bool
	policies    []string
}

// admits reports whether a job token from project src may reach the project the entry is of.
func (e allowlistEntry) admits(src *project) bool {
	return strings.EqualFold(e.path, src.path) || isPathWithin(src.path, e.path)
}

// allows reports whether the entry's policies cover every policy in needed.
func (e allowlistEntry) allows(needed []string) bool {
	if !e.fineGrained {
		return true
	}
	for _, n := range needed {
		admin := strings.Replace(n, "read_", "admin_", 1)
		if !slices.Contains(e.policies, n) && !slices.Contains(e.policies, admin) {
			return false
		}
	}
	return true
}

// jobTokenEntry is the allowlist entry of p that admits the job token's project; the token's own
// project needs none. ok is false when nothing admits it.
func (p *project) jobTokenEntry(jt *jobToken) (e allowlistEntry, ok bool) {
	if jt.project == p {
		return allowlistEntry{path: p.path}, true
	}
	for _, e := range p.jobTokenAllowlist {
		if e.admits(jt.project) {
			return e, true
		}
	}
	return allowlistEntry{}, false
}

// checkJobTokenPolicies refuses a job token whose allowlist entry lacks the route's policies,
// with GitLab's 403 naming them and the project (DESIGN.md §A10).
func (c *call) checkJobTokenPolicies(p *project) *reply {
	if c.jobToken == nil || c.rt == nil || len(c.rt.jobTokenPolicies) == 0 {
		return nil
	}
	e, _ := p.jobTokenEntry(c.jobToken)
	if e.allows(c.rt.jobTokenPolicies) {
		return nil
	}
	needed := c.rt.jobTokenPolicies
	_, name := namespaceOf(p.path)
	var msg string
	if len(needed) == 1 {
		msg = fmt.Sprintf("The following token permission is required: %s.", needed[0])
	} else {
		msg = fmt.Sprintf("The following token permissions are required: %s.", toSentence(needed))
	}
	rep := msgReply(http.StatusForbidden, fmt.Sprintf(
		"403 Forbidden - Insufficient permissions to access this resource in project %s. %s", name, msg))
	return &rep
}

// toSentence joins words as Rails' Array#to_sentence does: "a", "a and b", "a, b, and c".
func toSentence(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	case 2:
		return words[0] + " and " + words[1]
	}
	return strings.Join(words[:len(words)-1], ", ") + ", and " + words[len(words)-1]
}
