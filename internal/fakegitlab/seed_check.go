package fakegitlab

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	memberLevels   = []int{10, 20, 30, 40, 50}
	accessLevels   = []int{20, 30, 40, 60} // deploy access levels and approval rules
	statuses       = []string{"created", "running", "success", "failed", "canceled", "skipped", "blocked"}
	mrStates       = []string{"opened", "closed", "merged", "locked"}
	shaPattern     = regexp.MustCompile(`\A[0-9a-f]{40}\z`)
	projectPattern = regexp.MustCompile(`\A[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+\z`)
)

// seedChecker validates a seed against itself and, for Server.AddSeed, against the running store.
type seedChecker struct {
	st         *store
	userIDs    map[int64]bool
	usernames  map[string]bool
	tokens     map[string]bool
	groupIDs   map[int64]bool
	groupPaths map[string]bool  // lower-cased full paths
	projects   map[string]int64 // lower-cased path -> id
}

func errorf(path, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// validateSeed checks sd as an addition to st (an empty store for a fresh server). It reads st only.
func validateSeed(sd *Seed, st *store) error {
	if sd.Version < 0 || sd.Version > SeedVersion {
		return checkSeedVersion(map[string]any{"version": json.Number(fmt.Sprint(sd.Version))})
	}
	c := &seedChecker{st: st, userIDs: map[int64]bool{}, usernames: map[string]bool{}, tokens: map[string]bool{},
		groupIDs: map[int64]bool{}, groupPaths: map[string]bool{}, projects: map[string]int64{}}
	for _, u := range st.users {
		c.userIDs[u.id], c.usernames[u.username] = true, true
	}
	for t := range st.tokens {
		c.tokens[t] = true
	}
	for t := range st.jobTokens {
		c.tokens[t] = true
	}
	for _, g := range st.groups {
		c.groupIDs[g.id] = true
		c.groupPaths[strings.ToLower(g.path)] = true
	}
	for _, p := range st.projects {
		c.projects[strings.ToLower(p.path)] = p.id
	}
	if rl := sd.RateLimits; rl != nil && rl.DeploymentDelete != nil && *rl.DeploymentDelete < 0 {
		return errorf("rate_limits.deployment_delete", "%d is negative; 0 turns the limit off", *rl.DeploymentDelete)
	}
	for i := range sd.Users {
		if err := c.user(fmt.Sprintf("users[%d]", i), &sd.Users[i]); err != nil {
			return err
		}
	}
	for i := range sd.Groups {
		if err := c.group(fmt.Sprintf("groups[%d]", i), &sd.Groups[i]); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	for i := range sd.Projects {
		if err := c.projectIdentity(fmt.Sprintf("projects[%d]", i), &sd.Projects[i], seen); err != nil {
			return err
		}
	}
	for i, jt := range sd.JobTokens {
		path := fmt.Sprintf("job_tokens[%d]", i)
		if err := c.token(path+".token", jt.Token); err != nil {
			return err
		}
		if _, ok := c.projects[strings.ToLower(jt.Project)]; !ok {
			return errorf(path+".project", "unknown project %q", jt.Project)
		}
		if !c.usernames[jt.User] {
			return errorf(path+".user", "unknown user %q", jt.User)
		}
	}
	for i := range sd.Projects {
		if err := c.project(fmt.Sprintf("projects[%d]", i), &sd.Projects[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *seedChecker) token(path, t string) error {
	if t == "" {
		return errorf(path, "must not be empty")
	}
	if c.tokens[t] {
		return errorf(path, "token %q is used twice", t)
	}
	c.tokens[t] = true
	return nil
}

func (c *seedChecker) user(path string, u *SeedUser) error {
	if u.ID <= 0 {
		return errorf(path+".id", "must be a positive integer")
	}
	if c.userIDs[u.ID] {
		return errorf(path+".id", "user id %d is used twice", u.ID)
	}
	if u.Username == "" {
		return errorf(path+".username", "must not be empty")
	}
	if c.usernames[u.Username] {
		return errorf(path+".username", "username %q is used twice", u.Username)
	}
	c.userIDs[u.ID], c.usernames[u.Username] = true, true
	for i, t := range u.Tokens {
		if err := c.token(fmt.Sprintf("%s.tokens[%d]", path, i), t); err != nil {
			return err
		}
	}
	for i, ft := range u.FineGrainedTokens {
		tp := fmt.Sprintf("%s.fine_grained_tokens[%d]", path, i)
		if err := c.token(tp+".token", ft.Token); err != nil {
			return err
		}
		for j, perm := range ft.Permissions {
			if !slices.Contains(grantablePermissions, perm) {
				return errorf(fmt.Sprintf("%s.permissions[%d]", tp, j), "%q is not a permission the fake knows (%s)",
					perm, strings.Join(grantablePermissions, ", "))
			}
		}
	}
	return nil
}

func (c *seedChecker) group(path string, g *SeedGroup) error {
	if g.ID <= 0 {
		return errorf(path+".id", "must be a positive integer")
	}
	if c.groupIDs[g.ID] {
		return errorf(path+".id", "group id %d is used twice", g.ID)
	}
	c.groupIDs[g.ID] = true
	c.groupPaths[strings.ToLower(cmp.Or(g.Path, g.Name, fmt.Sprintf("group-%d", g.ID)))] = true
	return c.members(path+".members", g.Members)
}

func (c *seedChecker) members(path string, ms []SeedMember) error {
	seen := map[string]bool{}
	for i, m := range ms {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !c.usernames[m.Username] {
			return errorf(p+".username", "unknown user %q", m.Username)
		}
		if seen[m.Username] {
			return errorf(p+".username", "user %q is listed twice", m.Username)
		}
		seen[m.Username] = true
		if !slices.Contains(memberLevels, m.AccessLevel) {
			return errorf(p+".access_level", "%d is not an access level (10, 20, 30, 40 or 50)", m.AccessLevel)
		}
	}
	return nil
}

// projectIdentity registers the project's path first, so that job tokens and allowlists may name
// projects that come later in the document.
func (c *seedChecker) projectIdentity(path string, p *SeedProject, seen map[int64]bool) error {
	if p.ID <= 0 {
		return errorf(path+".id", "must be a positive integer")
	}
	if !projectPattern.MatchString(p.PathWithNamespace) {
		return errorf(path+".path_with_namespace", "%q is not a project path like \"group/project\"", p.PathWithNamespace)
	}
	if seen[p.ID] {
		return errorf(path+".id", "project id %d is used twice", p.ID)
	}
	seen[p.ID] = true
	lower := strings.ToLower(p.PathWithNamespace)
	if existing := c.st.projectByID[p.ID]; existing != nil {
		if strings.ToLower(existing.path) != lower {
			return errorf(path+".id", "project id %d is already %q", p.ID, existing.path)
		}
		return nil
	}
	if _, ok := c.projects[lower]; ok {
		return errorf(path+".path_with_namespace", "project %q is used twice", p.PathWithNamespace)
	}
	c.projects[lower] = p.ID
	return nil
}

func (c *seedChecker) project(path string, p *SeedProject) error {
	existing := c.st.projectByID[p.ID]
	for i, id := range p.SharedWithGroups {
		if !c.groupIDs[id] {
			return errorf(fmt.Sprintf("%s.shared_with_groups[%d]", path, i), "unknown group id %d", id)
		}
	}
	// An allowlist may name projects outside the seed (the contract's own example does): only
	// their job tokens could use the entry, so a path that is well formed is enough. A path
	// without a slash names a top-level group, which the seed must hold.
	for i, e := range p.JobTokenAllowlist {
		ep := fmt.Sprintf("%s.job_token_allowlist[%d]", path, i)
		if !strings.Contains(strings.Trim(e.Path, "/"), "/") && !c.groupPaths[strings.ToLower(e.Path)] {
			return errorf(ep, "%q is neither a full project path such as group/project nor a group of the seed", e.Path)
		}
		for j, policy := range e.JobTokenPolicies {
			if !slices.Contains(jobTokenPolicyNames, policy) {
				return errorf(fmt.Sprintf("%s.job_token_policies[%d]", ep, j), "%q is not a job token policy the fake knows (%s)",
					policy, strings.Join(jobTokenPolicyNames, ", "))
			}
		}
	}
	if err := c.members(path+".members", p.Members); err != nil {
		return err
	}
	for _, kind := range []struct {
		name string
		refs map[string]string
	}{{"branches", p.Branches}, {"tags", p.Tags}} {
		for _, name := range sortedKeys(kind.refs) {
			if strings.TrimSpace(name) == "" {
				return errorf(path+"."+kind.name, "a name must not be empty")
			}
			if !shaPattern.MatchString(kind.refs[name]) {
				return errorf(path+"."+kind.name+"."+name, "%q is not a 40-character lower-case hex commit sha", kind.refs[name])
			}
		}
	}
	for i, sha := range p.Commits {
		if !shaPattern.MatchString(sha) {
			return errorf(fmt.Sprintf("%s.commits[%d]", path, i), "%q is not a 40-character lower-case hex commit sha", sha)
		}
	}
	r := newRepo()
	mrs := map[int64]bool{}
	protected := map[string]bool{}
	if existing != nil {
		r = existing.repo.clone()
		for _, mr := range existing.mergeRequests {
			mrs[mr.iid] = true
		}
		for _, pe := range existing.protectedEnvs {
			protected[pe.name] = true
		}
	}
	r.add(p.Branches, p.Tags, p.Commits)
	for i, pe := range p.ProtectedEnvironments {
		if err := c.protectedEnv(fmt.Sprintf("%s.protected_environments[%d]", path, i), pe, protected); err != nil {
			return err
		}
	}
	if err := checkSeedEnvironments(path, p.Environments); err != nil {
		return err
	}
	for i, mr := range p.MergeRequests {
		mp := fmt.Sprintf("%s.merge_requests[%d]", path, i)
		if mr.IID <= 0 {
			return errorf(mp+".iid", "must be a positive integer")
		}
		if mrs[mr.IID] {
			return errorf(mp+".iid", "merge request iid %d is used twice", mr.IID)
		}
		mrs[mr.IID] = true
		if mr.State != "" && !slices.Contains(mrStates, mr.State) {
			return errorf(mp+".state", "%q is not a merge request state (%s)", mr.State, strings.Join(mrStates, ", "))
		}
		if mr.Author != "" && !c.usernames[mr.Author] {
			return errorf(mp+".author", "unknown user %q", mr.Author)
		}
		if mr.MergeUser != "" && !c.usernames[mr.MergeUser] {
			return errorf(mp+".merge_user", "unknown user %q", mr.MergeUser)
		}
		for j, l := range mr.Labels {
			if strings.TrimSpace(l) == "" || strings.Contains(l, ",") {
				return errorf(fmt.Sprintf("%s.labels[%d]", mp, j), "%q is not a label name (not blank, no comma)", l)
			}
		}
		if err := c.times(mp, map[string]SeedTime{"created_at": mr.CreatedAt, "merged_at": mr.MergedAt}); err != nil {
			return err
		}
	}
	if (len(p.MergeRequests) > 0 || len(p.Deployments) > 0) && len(c.usernames) == 0 {
		return errorf(path, "merge requests and deployments need a user, and the seed has none")
	}
	for i, d := range p.Deployments {
		if err := c.deployment(fmt.Sprintf("%s.deployments[%d]", path, i), d, r, mrs); err != nil {
			return err
		}
	}
	return nil
}

func (c *seedChecker) protectedEnv(path string, pe SeedProtectedEnvironment, protected map[string]bool) error {
	if pe.Name == "" {
		return errorf(path+".name", "must not be empty")
	}
	if protected[pe.Name] {
		return errorf(path+".name", "environment %q is protected twice", pe.Name)
	}
	protected[pe.Name] = true
	for i, e := range pe.DeployAccessLevels {
		if err := c.accessEntry(fmt.Sprintf("%s.deploy_access_levels[%d]", path, i), e.AccessLevel, e.UserID, e.GroupID, e.GroupInheritanceType); err != nil {
			return err
		}
	}
	for i, r := range pe.ApprovalRules {
		rp := fmt.Sprintf("%s.approval_rules[%d]", path, i)
		if err := c.accessEntry(rp, r.AccessLevel, r.UserID, r.GroupID, r.GroupInheritanceType); err != nil {
			return err
		}
		if r.RequiredApprovals != nil && (*r.RequiredApprovals < 1 || *r.RequiredApprovals > 5) {
			return errorf(rp+".required_approvals", "%d is not between 1 and 5", *r.RequiredApprovals)
		}
	}
	return nil
}

func (c *seedChecker) accessEntry(path string, level *int, userID, groupID *int64, inheritance *int) error {
	n := 0
	for _, set := range []bool{level != nil, userID != nil, groupID != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errorf(path, "needs exactly one of access_level, user_id and group_id")
	}
	switch {
	case level != nil && !slices.Contains(accessLevels, *level):
		return errorf(path+".access_level", "%d is not an access level (20, 30, 40 or 60)", *level)
	case userID != nil && !c.userIDs[*userID]:
		return errorf(path+".user_id", "unknown user id %d", *userID)
	case groupID != nil && !c.groupIDs[*groupID]:
		return errorf(path+".group_id", "unknown group id %d", *groupID)
	case inheritance != nil && *inheritance != 0 && *inheritance != 1:
		return errorf(path+".group_inheritance_type", "%d is not 0 or 1", *inheritance)
	}
	return nil
}

func (c *seedChecker) deployment(path string, d SeedDeployment, r *repo, mrs map[int64]bool) error {
	if msgs := environmentNameErrors(d.Environment); len(msgs) > 0 {
		return errorf(path+".environment", "%q: name %s", d.Environment, msgs[0])
	}
	if d.Ref == "" {
		return errorf(path+".ref", "must not be empty")
	}
	if _, ok := r.resolve(d.Ref); !ok {
		return errorf(path+".ref", "%q is not a branch, tag or known commit of the project", d.Ref)
	}
	if d.SHA == "" {
		return errorf(path+".sha", "must not be empty")
	}
	if _, ok := r.resolve(d.SHA); !ok {
		return errorf(path+".sha", "%q is not a known commit of the project", d.SHA)
	}
	if !slices.Contains(statuses, d.Status) {
		return errorf(path+".status", "%q is not a deployment status (%s)", d.Status, strings.Join(statuses, ", "))
	}
	if d.User != "" && !c.usernames[d.User] {
		return errorf(path+".user", "unknown user %q", d.User)
	}
	if d.DeploymentTier != "" && !slices.Contains(tiers, d.DeploymentTier) {
		return errorf(path+".deployment_tier", "%q is not an environment tier (%s)", d.DeploymentTier, strings.Join(tiers, ", "))
	}
	for i, iid := range d.MergeRequests {
		if !mrs[iid] {
			return errorf(fmt.Sprintf("%s.merge_requests[%d]", path, i), "unknown merge request iid %d", iid)
		}
	}
	return c.times(path, map[string]SeedTime{"created_at": d.CreatedAt, "updated_at": d.UpdatedAt, "finished_at": d.FinishedAt})
}

func (c *seedChecker) times(path string, ts map[string]SeedTime) error {
	for _, name := range sortedKeys(ts) {
		if ts[name].bad != "" {
			return errorf(path+"."+name, "%s is not an RFC 3339 time like \"2026-01-02T03:04:05Z\"", ts[name].bad)
		}
	}
	return nil
}
