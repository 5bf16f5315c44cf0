package fakegitlab

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SeededDeployment identifies a deployment that a seed added.
type SeededDeployment struct {
	ID        int64 `json:"id"`
	IID       int64 `json:"iid"`
	ProjectID int64 `json:"project_id"`
}

// apply adds a validated seed to the store. It cannot fail: validateSeed has checked everything.
func (s *store) apply(sd *Seed) []SeededDeployment {
	for _, su := range sd.Users {
		u := &user{id: su.ID, username: su.Username, name: cmp.Or(su.Name, su.Username), admin: su.Admin, createdAt: s.tick()}
		s.users = append(s.users, u)
		s.userByID[u.id], s.userByName[u.username] = u, u
		for _, t := range su.Tokens {
			s.tokens[t] = u
		}
		for _, ft := range su.FineGrainedTokens {
			s.tokens[ft.Token] = u
			s.fineGrained[ft.Token] = map[string]bool{}
			for _, perm := range ft.Permissions {
				s.fineGrained[ft.Token][perm] = true
			}
		}
	}
	for _, sg := range sd.Groups {
		g := &group{id: sg.ID, name: cmp.Or(sg.Name, sg.Path, fmt.Sprintf("group-%d", sg.ID)), members: map[int64]int{}}
		g.path = cmp.Or(sg.Path, g.name)
		for _, m := range sg.Members {
			g.members[s.userByName[m.Username].id] = m.AccessLevel
		}
		s.groups = append(s.groups, g)
		s.groupByID[g.id] = g
	}
	for _, sp := range sd.Projects {
		if s.projectByID[sp.ID] == nil {
			p := &project{id: sp.ID, path: sp.PathWithNamespace, members: map[int64]int{}, repo: newRepo(), nextIID: 1, createdAt: s.tick()}
			s.projects = append(s.projects, p)
			s.projectByID[p.id] = p
			s.projectByPath[strings.ToLower(p.path)] = p
			delete(s.redirects, strings.ToLower(p.path)) // a new project's path ends a redirect
		}
	}
	for _, jt := range sd.JobTokens {
		s.jobTokens[jt.Token] = &jobToken{token: jt.Token, project: s.projectByPath[strings.ToLower(jt.Project)], user: s.userByName[jt.User]}
	}
	if sd.RateLimits != nil && sd.RateLimits.DeploymentDelete != nil {
		s.deploymentDeleteLimit = *sd.RateLimits.DeploymentDelete
	}
	var added []SeededDeployment
	for _, sp := range sd.Projects {
		p := s.projectByID[sp.ID]
		p.allowSelfApprove = p.allowSelfApprove || sp.AllowPipelineTriggerApproveDeployment
		for _, id := range sp.SharedWithGroups {
			if !slices.Contains(p.sharedWithGroups, id) {
				p.sharedWithGroups = append(p.sharedWithGroups, id)
			}
		}
		for _, e := range sp.JobTokenAllowlist {
			entry := allowlistEntry{path: e.Path, fineGrained: e.FineGrained, policies: e.JobTokenPolicies}
			i := slices.IndexFunc(p.jobTokenAllowlist, func(x allowlistEntry) bool { return strings.EqualFold(x.path, e.Path) })
			if i < 0 {
				p.jobTokenAllowlist = append(p.jobTokenAllowlist, entry)
			} else {
				p.jobTokenAllowlist[i] = entry
			}
		}
		for _, m := range sp.Members {
			p.members[s.userByName[m.Username].id] = m.AccessLevel
		}
		p.repo.add(sp.Branches, sp.Tags, sp.Commits)
		for _, spe := range sp.ProtectedEnvironments {
			s.applyProtectedEnv(p, spe)
		}
		for _, se := range sp.Environments {
			s.applyEnvironment(p, se)
		}
		for _, smr := range sp.MergeRequests {
			s.applyMergeRequest(p, smr)
		}
		for _, sd := range sp.Deployments {
			d := s.applyDeployment(p, sd)
			added = append(added, SeededDeployment{ID: d.id, IID: d.iid, ProjectID: p.id})
		}
	}
	return added
}

func (s *store) applyProtectedEnv(p *project, spe SeedProtectedEnvironment) {
	pe := &protectedEnv{name: spe.Name, updatedAt: s.tick()}
	for _, e := range spe.DeployAccessLevels {
		pe.deployAccess = append(pe.deployAccess, s.newAccessEntry(e.AccessLevel, e.UserID, e.GroupID, e.GroupInheritanceType, nil))
	}
	for _, r := range spe.ApprovalRules {
		pe.rules = append(pe.rules, s.newAccessEntry(r.AccessLevel, r.UserID, r.GroupID, r.GroupInheritanceType, r.RequiredApprovals))
	}
	p.protectedEnvs = append(p.protectedEnvs, pe)
}

func (s *store) newAccessEntry(level *int, userID, groupID *int64, inheritance, required *int) *accessEntry {
	e := &accessEntry{id: s.nextAccessID, requiredApprovals: 1}
	s.nextAccessID++
	if level != nil {
		e.accessLevel = *level
	}
	if userID != nil {
		e.userID = *userID
	}
	if groupID != nil {
		e.groupID = *groupID
	}
	if inheritance != nil {
		e.groupInheritanceType = *inheritance
	}
	if required != nil {
		e.requiredApprovals = *required
	}
	return e
}

func (s *store) applyMergeRequest(p *project, smr SeedMergeRequest) {
	t := s.tick()
	mr := &mergeRequest{
		id: s.nextMRID, iid: smr.IID, projectID: p.id, title: cmp.Or(smr.Title, fmt.Sprintf("Merge request %d", smr.IID)),
		description: smr.Description, state: cmp.Or(smr.State, "opened"),
		sourceBranch: cmp.Or(smr.SourceBranch, fmt.Sprintf("feature-%d", smr.IID)),
		targetBranch: cmp.Or(smr.TargetBranch, p.repo.defaultBranch(), "main"),
		author:       s.users[0], createdAt: seedTimeOr(smr.CreatedAt, t),
	}
	s.nextMRID++
	if smr.Author != "" {
		mr.author = s.userByName[smr.Author]
	}
	if smr.MergeUser != "" {
		mr.mergeUser = s.userByName[smr.MergeUser]
	}
	mr.labels = slices.Sorted(slices.Values(smr.Labels))
	mr.updatedAt = later(mr.createdAt, t)
	if !smr.MergedAt.Time.IsZero() {
		m := smr.MergedAt.Time.UTC()
		mr.mergedAt = &m
	} else if mr.state == "merged" && !smr.MergedAt.Null {
		m := mr.updatedAt
		mr.mergedAt = &m
	}
	p.mergeRequests = append(p.mergeRequests, mr)
}

func (s *store) applyDeployment(p *project, sd SeedDeployment) *deployment {
	t := s.tick()
	u := s.users[0]
	if sd.User != "" {
		u = s.userByName[sd.User]
	}
	created := seedTimeOr(sd.CreatedAt, t)
	env := s.findOrCreateEnvironment(p, sd.Environment, sd.DeploymentTier, created)
	d := s.newDeployment(p, env, u, created)
	d.ref, d.sha, d.tag, d.status = sd.Ref, sd.SHA, sd.Tag, sd.Status
	d.updatedAt = seedTimeOr(sd.UpdatedAt, later(d.createdAt, t))
	switch {
	case !sd.FinishedAt.Time.IsZero():
		f := sd.FinishedAt.Time.UTC()
		d.finishedAt = &f
	case !sd.FinishedAt.Null && isFinished(d.status):
		f := d.updatedAt
		d.finishedAt = &f
	}
	if sd.CIJob != nil {
		d.job = &job{id: s.nextJobID, pipelineID: s.nextPipelineID, name: cmp.Or(sd.CIJob.Name, "deploy"),
			stage: cmp.Or(sd.CIJob.Stage, "deploy"), createdAt: d.createdAt}
		s.nextJobID++
		s.nextPipelineID++
	}
	for _, iid := range sd.MergeRequests {
		d.mrs = append(d.mrs, p.mergeRequest(iid))
	}
	return d
}

func seedTimeOr(st SeedTime, def time.Time) time.Time {
	if st.Time.IsZero() {
		return def
	}
	return st.Time.UTC()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
