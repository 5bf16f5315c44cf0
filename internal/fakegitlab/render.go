package fakegitlab

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// apiTime is GitLab's time format: UTC, three fractional digits, Z.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

type userJSON struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	Locked    bool   `json:"locked"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

func (c *call) userJSON(u *user) userJSON {
	sum := md5.Sum([]byte(u.username + "@example.com"))
	return userJSON{
		ID: u.id, Username: u.username, Name: u.name, State: "active",
		AvatarURL: "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=80&d=identicon",
		WebURL:    c.srv.baseURL + "/" + u.username,
	}
}

type environmentJSON struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	ExternalURL *string `json:"external_url"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

type commitJSON struct {
	ID      string `json:"id"`
	ShortID string `json:"short_id"`
	Title   string `json:"title"`
}

func commitOf(sha string) commitJSON {
	short := sha[:min(len(sha), 8)]
	return commitJSON{ID: sha, ShortID: short, Title: "Commit " + short}
}

type pipelineJSON struct {
	ID     int64  `json:"id"`
	SHA    string `json:"sha"`
	Ref    string `json:"ref"`
	Status string `json:"status"`
}

type jobJSON struct {
	ID           int64          `json:"id"`
	Status       string         `json:"status"`
	Stage        string         `json:"stage"`
	Name         string         `json:"name"`
	Ref          string         `json:"ref"`
	Tag          bool           `json:"tag"`
	Coverage     *float64       `json:"coverage"`
	AllowFailure bool           `json:"allow_failure"`
	CreatedAt    string         `json:"created_at"`
	StartedAt    *string        `json:"started_at"`
	FinishedAt   *string        `json:"finished_at"`
	Duration     *float64       `json:"duration"`
	User         userJSON       `json:"user"`
	Commit       commitJSON     `json:"commit"`
	Pipeline     pipelineJSON   `json:"pipeline"`
	WebURL       string         `json:"web_url"`
	Project      map[string]any `json:"project"`
	Runner       *struct{}      `json:"runner"`
}

// jobStatus is the CI job's status as the deployment implies it: a blocked deployment waits on a
// manual job.
func jobStatus(d *deployment) string {
	if d.status == "blocked" {
		return "manual"
	}
	return d.status
}

func (c *call) jobJSON(d *deployment) *jobJSON {
	if d.job == nil {
		return nil
	}
	status := jobStatus(d)
	j := &jobJSON{
		ID: d.job.id, Status: status, Stage: d.job.stage, Name: d.job.name, Ref: d.ref, Tag: d.tag,
		CreatedAt: apiTime(d.job.createdAt), User: c.userJSON(d.user), Commit: commitOf(d.sha),
		Pipeline: pipelineJSON{ID: d.job.pipelineID, SHA: d.sha, Ref: d.ref, Status: status},
		WebURL:   fmt.Sprintf("%s/%s/-/jobs/%d", c.srv.baseURL, d.project.path, d.job.id),
		Project:  map[string]any{"ci_job_token_scope_enabled": false},
	}
	if status != "created" && status != "manual" && status != "skipped" {
		j.StartedAt = apiTimePtr(&d.job.createdAt)
		if d.finishedAt != nil {
			j.FinishedAt = apiTimePtr(d.finishedAt)
			dur := d.finishedAt.Sub(d.job.createdAt).Seconds()
			j.Duration = &dur
		}
	}
	return j
}

// deploymentJSON is a list item (DESIGN.md §A5).
type deploymentJSON struct {
	ID          int64           `json:"id"`
	IID         int64           `json:"iid"`
	Ref         string          `json:"ref"`
	SHA         string          `json:"sha"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	User        userJSON        `json:"user"`
	Environment environmentJSON `json:"environment"`
	Deployable  *jobJSON        `json:"deployable"`
	Status      string          `json:"status"`
}

// deploymentExtendedJSON is GET one, POST and PUT (DESIGN.md §A5).
type deploymentExtendedJSON struct {
	deploymentJSON
	PendingApprovalCount int             `json:"pending_approval_count"`
	Approvals            []approvalJSON  `json:"approvals"`
	ApprovalSummary      approvalSummary `json:"approval_summary"`
}

type approvalJSON struct {
	User      userJSON `json:"user"`
	Status    string   `json:"status"`
	CreatedAt string   `json:"created_at"`
	Comment   *string  `json:"comment"`
}

type approvalSummary struct {
	Rules []ruleSummaryJSON `json:"rules"`
}

type ruleJSON struct {
	ID                     int64   `json:"id"`
	UserID                 *int64  `json:"user_id"`
	GroupID                *int64  `json:"group_id"`
	AccessLevel            *int    `json:"access_level"`
	AccessLevelDescription *string `json:"access_level_description"`
	RequiredApprovals      int     `json:"required_approvals"`
	GroupInheritanceType   int     `json:"group_inheritance_type"`
}

type ruleSummaryJSON struct {
	ruleJSON
	DeploymentApprovals []approvalJSON `json:"deployment_approvals"`
}

type deployAccessJSON struct {
	ID                     int64   `json:"id"`
	AccessLevel            *int    `json:"access_level"`
	AccessLevelDescription *string `json:"access_level_description"`
	UserID                 *int64  `json:"user_id"`
	GroupID                *int64  `json:"group_id"`
	GroupInheritanceType   int     `json:"group_inheritance_type"`
}

type protectedEnvJSON struct {
	Name                  string             `json:"name"`
	DeployAccessLevels    []deployAccessJSON `json:"deploy_access_levels"`
	RequiredApprovalCount int                `json:"required_approval_count"`
	ApprovalRules         []ruleJSON         `json:"approval_rules"`
}

func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func (c *call) environmentJSON(e *environment) environmentJSON {
	return environmentJSON{ID: e.id, Name: e.name, Slug: e.slug, ExternalURL: e.externalURL, CreatedAt: apiTime(e.createdAt), UpdatedAt: apiTime(e.updatedAt)}
}

func (c *call) deploymentJSON(d *deployment) deploymentJSON {
	return deploymentJSON{
		ID: d.id, IID: d.iid, Ref: d.ref, SHA: d.sha, CreatedAt: apiTime(d.createdAt), UpdatedAt: apiTime(d.updatedAt),
		User: c.userJSON(d.user), Environment: c.environmentJSON(d.env), Deployable: c.jobJSON(d), Status: d.status,
	}
}

func (c *call) approvalJSON(a *approval) approvalJSON {
	return approvalJSON{User: c.userJSON(a.user), Status: a.status, CreatedAt: apiTime(a.createdAt), Comment: a.comment}
}

func (c *call) ruleJSON(e *accessEntry) ruleJSON {
	return ruleJSON{
		ID: e.id, UserID: nonZero(e.userID), GroupID: nonZero(e.groupID), AccessLevel: nonZero(e.accessLevel),
		AccessLevelDescription: c.st.displayName(e), RequiredApprovals: e.requiredApprovals, GroupInheritanceType: e.groupInheritanceType,
	}
}

func (c *call) deploymentExtendedJSON(d *deployment) deploymentExtendedJSON {
	states, pending := d.approvalState()
	out := deploymentExtendedJSON{deploymentJSON: c.deploymentJSON(d), PendingApprovalCount: pending,
		Approvals: []approvalJSON{}, ApprovalSummary: approvalSummary{Rules: []ruleSummaryJSON{}}}
	for _, a := range d.approvals {
		out.Approvals = append(out.Approvals, c.approvalJSON(a))
	}
	for _, st := range states {
		// GitLab lists the rule's approvals of every deployment here, not only this one's.
		var all []*approval
		for _, other := range d.project.deployments {
			for _, a := range other.approvals {
				if a.ruleID == st.rule.id {
					all = append(all, a)
				}
			}
		}
		slices.SortFunc(all, func(a, b *approval) int { return int(a.id - b.id) })
		rs := ruleSummaryJSON{ruleJSON: c.ruleJSON(st.rule), DeploymentApprovals: []approvalJSON{}}
		for _, a := range all {
			rs.DeploymentApprovals = append(rs.DeploymentApprovals, c.approvalJSON(a))
		}
		out.ApprovalSummary.Rules = append(out.ApprovalSummary.Rules, rs)
	}
	return out
}

func (c *call) protectedEnvJSON(pe *protectedEnv) protectedEnvJSON {
	out := protectedEnvJSON{Name: pe.name, DeployAccessLevels: []deployAccessJSON{}, ApprovalRules: []ruleJSON{}}
	for _, e := range pe.deployAccess {
		out.DeployAccessLevels = append(out.DeployAccessLevels, deployAccessJSON{
			ID: e.id, AccessLevel: nonZero(e.accessLevel), AccessLevelDescription: c.st.displayName(e),
			UserID: nonZero(e.userID), GroupID: nonZero(e.groupID), GroupInheritanceType: e.groupInheritanceType,
		})
	}
	for _, e := range pe.rules {
		out.ApprovalRules = append(out.ApprovalRules, c.ruleJSON(e))
	}
	return out
}

type mergeRequestJSON struct {
	ID           int64     `json:"id"`
	IID          int64     `json:"iid"`
	ProjectID    int64     `json:"project_id"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	State        string    `json:"state"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
	MergedAt     *string   `json:"merged_at"`
	TargetBranch string    `json:"target_branch"`
	SourceBranch string    `json:"source_branch"`
	Author       userJSON  `json:"author"`
	MergedBy     *userJSON `json:"merged_by"`
	MergeUser    *userJSON `json:"merge_user"`
	Labels       []string  `json:"labels"`
	WebURL       string    `json:"web_url"`
}

func (c *call) mergeRequestJSON(p *project, mr *mergeRequest) mergeRequestJSON {
	return mergeRequestJSON{
		ID: mr.id, IID: mr.iid, ProjectID: mr.projectID, Title: mr.title, Description: mr.description, State: mr.state,
		CreatedAt: apiTime(mr.createdAt), UpdatedAt: apiTime(mr.updatedAt), MergedAt: apiTimePtr(mr.mergedAt),
		TargetBranch: mr.targetBranch, SourceBranch: mr.sourceBranch, Author: c.userJSON(mr.author),
		MergedBy: c.userPtrJSON(mr.mergeUser), MergeUser: c.userPtrJSON(mr.mergeUser), Labels: append([]string{}, mr.labels...),
		WebURL: fmt.Sprintf("%s/%s/-/merge_requests/%d", c.srv.baseURL, p.path, mr.iid),
	}
}

func (c *call) userPtrJSON(u *user) *userJSON {
	if u == nil {
		return nil
	}
	j := c.userJSON(u)
	return &j
}

// namespaceOf splits "acme/sub/app" into "acme/sub" and "app".
func namespaceOf(path string) (ns, name string) {
	i := strings.LastIndexByte(path, '/')
	return path[:i], path[i+1:]
}
