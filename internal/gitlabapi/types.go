// Package gitlabapi is the one place that talks to GitLab. It wraps client-go, adds the
// deployment fields client-go lacks, turns GitLab's refusals into typed errors, retries what is
// safe to retry and reconciles writes whose outcome is unknown.
package gitlabapi

import "time"

// Deployment statuses, as GitLab names them.
const (
	StatusCreated  = "created"
	StatusRunning  = "running"
	StatusSuccess  = "success"
	StatusFailed   = "failed"
	StatusCanceled = "canceled"
	StatusSkipped  = "skipped"
	StatusBlocked  = "blocked"
)

// Approval decisions.
const (
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// User is GitLab's UserBasic.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// Environment is GitLab's EnvironmentBasic.
type Environment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// Job is the CI job behind a deployment created by a pipeline.
type Job struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Stage  string `json:"stage"`
	Status string `json:"status"`
	Ref    string `json:"ref"`
	Tag    bool   `json:"tag"`
	WebURL string `json:"web_url"`
}

// Approval is one user's decision on a deployment.
type Approval struct {
	User      User      `json:"user"`
	Status    string    `json:"status"`
	Comment   *string   `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

// ApprovalRule is one rule of a protected environment, as listed in a deployment's summary.
type ApprovalRule struct {
	ID                     int64      `json:"id"`
	UserID                 *int64     `json:"user_id"`
	GroupID                *int64     `json:"group_id"`
	AccessLevel            *int64     `json:"access_level"`
	AccessLevelDescription *string    `json:"access_level_description"`
	RequiredApprovals      int64      `json:"required_approvals"`
	GroupInheritanceType   *int64     `json:"group_inheritance_type"`
	DeploymentApprovals    []Approval `json:"deployment_approvals"`
}

// ApprovalSummary lists the approval rules that apply to a deployment.
type ApprovalSummary struct {
	Rules []ApprovalRule `json:"rules"`
}

// Deployment is GitLab's DeploymentExtended. List answers leave the approval fields empty.
type Deployment struct {
	ID                   int64            `json:"id"`
	IID                  int64            `json:"iid"`
	Ref                  string           `json:"ref"`
	SHA                  string           `json:"sha"`
	Status               string           `json:"status"`
	CreatedAt            time.Time        `json:"created_at"`
	UpdatedAt            time.Time        `json:"updated_at"`
	User                 User             `json:"user"`
	Environment          Environment      `json:"environment"`
	Deployable           *Job             `json:"deployable"`
	PendingApprovalCount int64            `json:"pending_approval_count"`
	Approvals            []Approval       `json:"approvals"`
	ApprovalSummary      *ApprovalSummary `json:"approval_summary"`
}

// CreatedByCI reports whether a pipeline job created the deployment; GitLab refuses to update
// those through the API.
func (d *Deployment) CreatedByCI() bool { return d.Deployable != nil }

// MergeRequest is GitLab's MergeRequestBasic, reduced to what the provider shows.
type MergeRequest struct {
	ID           int64      `json:"id"`
	IID          int64      `json:"iid"`
	Title        string     `json:"title"`
	State        string     `json:"state"`
	SourceBranch string     `json:"source_branch"`
	TargetBranch string     `json:"target_branch"`
	Author       User       `json:"author"`
	MergeUser    *User      `json:"merge_user"`
	Labels       []string   `json:"labels"`
	WebURL       string     `json:"web_url"`
	MergedAt     *time.Time `json:"merged_at"`
}

// Project is the part of GitLab's project that the provider needs.
type Project struct {
	ID                                    int64  `json:"id"`
	PathWithNamespace                     string `json:"path_with_namespace"`
	AllowPipelineTriggerApproveDeployment bool   `json:"allow_pipeline_trigger_approve_deployment"`
}
