package fakegitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// SeedVersion is the seed format this fake reads. A seed without a version is read as version 1;
// the number changes only when a seed of the old format would mean something else
// (DESIGN.md §B29).
const SeedVersion = 1

// Seed is the document a server starts from: users, groups, job tokens and projects with their
// repositories, protected environments, merge requests and deployments.
type Seed struct {
	// Version is the seed format; 0 (absent) reads as 1.
	Version   int            `json:"version,omitempty"`
	Users     []SeedUser     `json:"users,omitempty"`
	Groups    []SeedGroup    `json:"groups,omitempty"`
	JobTokens []SeedJobToken `json:"job_tokens,omitempty"`
	Projects  []SeedProject  `json:"projects,omitempty"`
	// RateLimits overrides GitLab's application rate limits.
	RateLimits *SeedRateLimits `json:"rate_limits,omitempty"`
}

// SeedRateLimits sets application rate limits; zero turns one off.
type SeedRateLimits struct {
	// DeploymentDelete is deployment_delete: deletes per user per minute; GitLab's default is 500.
	DeploymentDelete *int `json:"deployment_delete,omitempty"`
}

// SeedUser is a user with its personal access tokens.
type SeedUser struct {
	ID       int64    `json:"id"`
	Username string   `json:"username"`
	Name     string   `json:"name,omitempty"`
	Admin    bool     `json:"admin,omitempty"`
	Tokens   []string `json:"tokens,omitempty"`
	// FineGrainedTokens are the user's fine-grained personal access tokens.
	FineGrainedTokens []SeedFineGrainedToken `json:"fine_grained_tokens,omitempty"`
}

// SeedFineGrainedToken is a fine-grained personal access token holding the permissions named as
// GitLab's token page and refusals name them, such as "Deployment: Read", over every project
// the user is a member of.
type SeedFineGrainedToken struct {
	Token       string   `json:"token"`
	Permissions []string `json:"permissions"`
}

// SeedGroup is a group; Path is its full path, whose projects its members reach.
type SeedGroup struct {
	ID      int64        `json:"id"`
	Name    string       `json:"name,omitempty"`
	Path    string       `json:"path,omitempty"`
	Members []SeedMember `json:"members,omitempty"`
}

// SeedMember gives a user an access level (10, 20, 30, 40 or 50).
type SeedMember struct {
	Username    string `json:"username"`
	AccessLevel int    `json:"access_level"`
}

// SeedJobToken is a CI job token acting as User from Project.
type SeedJobToken struct {
	Token   string `json:"token"`
	Project string `json:"project"`
	User    string `json:"user"`
}

// SeedProject is a private project. A project whose ID and PathWithNamespace both match an existing
// one extends it when merged with Server.AddSeed.
type SeedProject struct {
	ID                                    int64                      `json:"id"`
	PathWithNamespace                     string                     `json:"path_with_namespace"`
	AllowPipelineTriggerApproveDeployment bool                       `json:"allow_pipeline_trigger_approve_deployment,omitempty"`
	SharedWithGroups                      []int64                    `json:"shared_with_groups,omitempty"`
	JobTokenAllowlist                     []SeedAllowlistEntry       `json:"job_token_allowlist,omitempty"`
	Members                               []SeedMember               `json:"members,omitempty"`
	Branches                              map[string]string          `json:"branches,omitempty"`
	Tags                                  map[string]string          `json:"tags,omitempty"`
	Commits                               []string                   `json:"commits,omitempty"`
	ProtectedEnvironments                 []SeedProtectedEnvironment `json:"protected_environments,omitempty"`
	Environments                          []SeedEnvironment          `json:"environments,omitempty"`
	MergeRequests                         []SeedMergeRequest         `json:"merge_requests,omitempty"`
	Deployments                           []SeedDeployment           `json:"deployments,omitempty"`
}

// SeedAllowlistEntry is one entry of a project's job-token allowlist: the full path of a project,
// or of a group whose projects (subgroups' included) it admits. Written as a string, it gives the
// job token its default permissions; written as {"path": ..., "job_token_policies": [...]}, only
// those fine-grained policies (none when the list is empty or absent).
type SeedAllowlistEntry struct {
	Path             string   `json:"path"`
	JobTokenPolicies []string `json:"job_token_policies,omitempty"`
	// FineGrained is true for the object form.
	FineGrained bool `json:"-"`
}

// UnmarshalJSON reads a path string or an object.
func (e *SeedAllowlistEntry) UnmarshalJSON(b []byte) error {
	var path string
	if err := json.Unmarshal(b, &path); err == nil {
		*e = SeedAllowlistEntry{Path: path}
		return nil
	}
	type entry SeedAllowlistEntry
	var obj entry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return err
	}
	*e = SeedAllowlistEntry(obj)
	e.FineGrained = true
	return nil
}

// MarshalJSON writes the string form for an entry with default permissions.
func (e SeedAllowlistEntry) MarshalJSON() ([]byte, error) {
	if !e.FineGrained {
		return json.Marshal(e.Path)
	}
	return json.Marshal(map[string]any{"path": e.Path, "job_token_policies": append([]string{}, e.JobTokenPolicies...)})
}

// SeedProtectedEnvironment protects the environment of that name.
type SeedProtectedEnvironment struct {
	Name               string                  `json:"name"`
	DeployAccessLevels []SeedDeployAccessLevel `json:"deploy_access_levels,omitempty"`
	ApprovalRules      []SeedApprovalRule      `json:"approval_rules,omitempty"`
}

// SeedDeployAccessLevel names exactly one of AccessLevel, UserID and GroupID.
type SeedDeployAccessLevel struct {
	AccessLevel          *int   `json:"access_level,omitempty"`
	UserID               *int64 `json:"user_id,omitempty"`
	GroupID              *int64 `json:"group_id,omitempty"`
	GroupInheritanceType *int   `json:"group_inheritance_type,omitempty"`
}

// SeedApprovalRule names exactly one of AccessLevel, UserID and GroupID; RequiredApprovals
// defaults to 1.
type SeedApprovalRule struct {
	AccessLevel          *int   `json:"access_level,omitempty"`
	UserID               *int64 `json:"user_id,omitempty"`
	GroupID              *int64 `json:"group_id,omitempty"`
	GroupInheritanceType *int   `json:"group_inheritance_type,omitempty"`
	RequiredApprovals    *int   `json:"required_approvals,omitempty"`
}

// SeedMergeRequest is a merge request of the project; Author and MergeUser are usernames.
type SeedMergeRequest struct {
	IID          int64    `json:"iid"`
	Title        string   `json:"title,omitempty"`
	Description  string   `json:"description,omitempty"`
	State        string   `json:"state,omitempty"`
	SourceBranch string   `json:"source_branch,omitempty"`
	TargetBranch string   `json:"target_branch,omitempty"`
	Author       string   `json:"author,omitempty"`
	MergeUser    string   `json:"merge_user,omitempty"`
	Labels       []string `json:"labels,omitempty"`
	CreatedAt    SeedTime `json:"created_at,omitzero"`
	MergedAt     SeedTime `json:"merged_at,omitzero"`
}

// SeedDeployment is a deployment as CI (CIJob set) or the API (CIJob nil) would have made it.
type SeedDeployment struct {
	Environment string     `json:"environment"`
	Ref         string     `json:"ref"`
	SHA         string     `json:"sha"`
	Tag         bool       `json:"tag,omitempty"`
	Status      string     `json:"status"`
	User        string     `json:"user,omitempty"`
	CIJob       *SeedCIJob `json:"ci_job,omitempty"`
	// DeploymentTier is the tier the CI job declared (environment:deployment_tier); it sets the
	// tier of an environment this deployment creates. Empty: GitLab's guess from the name.
	DeploymentTier string   `json:"deployment_tier,omitempty"`
	MergeRequests  []int64  `json:"merge_requests,omitempty"`
	CreatedAt      SeedTime `json:"created_at,omitzero"`
	UpdatedAt      SeedTime `json:"updated_at,omitzero"`
	FinishedAt     SeedTime `json:"finished_at,omitzero"`
}

// SeedCIJob is the CI job that created a deployment.
type SeedCIJob struct {
	Name  string `json:"name,omitempty"`
	Stage string `json:"stage,omitempty"`
}

// SeedTime is a seed timestamp that tells an absent key (the zero value) from an explicit null.
type SeedTime struct {
	Time time.Time
	Null bool
	bad  string // text that did not parse; validation reports it with the field's path
}

// At is a SeedTime holding t.
func At(t time.Time) SeedTime { return SeedTime{Time: t} }

// IsZero reports whether the time was not given at all.
func (t SeedTime) IsZero() bool { return t.Time.IsZero() && !t.Null && t.bad == "" }

// MarshalJSON writes null or an RFC 3339 time.
func (t SeedTime) MarshalJSON() ([]byte, error) {
	if t.Null || t.Time.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Time.UTC().Format(time.RFC3339Nano))
}

// UnmarshalJSON reads null or an RFC 3339 time.
func (t *SeedTime) UnmarshalJSON(b []byte) error {
	*t = SeedTime{}
	if string(b) == "null" {
		t.Null = true
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.bad = string(b)
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.bad = strconv.Quote(s)
		return nil
	}
	t.Time = v
	return nil
}

// ParseSeed decodes and validates a seed document. Unknown keys, dangling references and bad
// values are errors naming the field, e.g. `projects[0].deployments[2].status: "bogus" is not a
// deployment status`.
func ParseSeed(data []byte) (*Seed, error) {
	s, err := decodeSeed(data)
	if err != nil {
		return nil, err
	}
	if err := validateSeed(s, newStore(nil)); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeSeed decodes a seed document, refusing unknown keys, without checking its references.
func decodeSeed(data []byte) (*Seed, error) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("seed: unexpected data after the document")
	}
	if err := checkSeedVersion(raw); err != nil {
		return nil, err
	}
	if err := checkKeys(raw, reflect.TypeFor[Seed](), ""); err != nil {
		return nil, err
	}
	var s Seed
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: got a JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("seed: %w", err)
	}
	return &s, nil
}

// checkKeys walks the decoded document beside the Go type so that an unknown key is reported with
// its full path, which encoding/json does not do.
func checkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for k, e := range val {
				if err := checkKeys(e, t.Elem(), joinPath(path, k)); err != nil {
					return err
				}
			}
			return nil
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeFor[SeedTime]() {
			return nil // a type error, reported by the decoder
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for _, k := range sortedKeys(val) {
			ft, ok := fields[k]
			if !ok {
				if path == "" {
					return fmt.Errorf("%s: unknown key", k)
				}
				return fmt.Errorf("%s: unknown key %q", path, k)
			}
			if err := checkKeys(val[k], ft, joinPath(path, k)); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() == reflect.Slice {
			for i, e := range val {
				if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkSeedVersion refuses a seed of a format this fake does not read, before its keys are checked:
// a newer format's keys would otherwise be reported as typos.
func checkSeedVersion(raw any) error {
	doc, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	v, present := doc["version"]
	if !present {
		return nil
	}
	n, ok := v.(json.Number)
	version, err := n.Int64()
	if !ok || err != nil || version < 1 {
		return fmt.Errorf("version: %v is not a seed format version (a whole number, 1 or more)", v)
	}
	if version > SeedVersion {
		return fmt.Errorf("version: this seed is format version %d, and this fakegitlab reads versions up to %d: "+
			"install the fakegitlab of the provider release the seed was written for (go install "+
			"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/cmd/fakegitlab@<version>)", version, SeedVersion)
	}
	return nil
}
