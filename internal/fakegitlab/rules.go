package fakegitlab

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// GitLab's access levels; levelAdmin appears only in deploy access levels and approval rules.
const (
	levelGuest      = 10
	levelReporter   = 20
	levelDeveloper  = 30
	levelMaintainer = 40
	levelAdmin      = 60
)

// projectLevel is the user's access level in the project: the highest of the direct membership,
// a membership of the namespace group or one of its ancestors, and a membership of a group the
// project is shared with (or one of its ancestors). Administrators get no level from being admin.
func (s *store) projectLevel(u *user, p *project) int {
	level := max(p.members[u.id], s.namespaceLevel(u, p))
	for _, id := range p.sharedWithGroups {
		if g := s.groupByID[id]; g != nil {
			level = max(level, s.groupLevel(u, g, true))
		}
	}
	return level
}

// namespaceLevel is the user's highest membership of the project's namespace group or its ancestors.
func (s *store) namespaceLevel(u *user, p *project) int {
	level := 0
	for _, g := range s.groups {
		if isPathWithin(p.path, g.path) {
			level = max(level, g.members[u.id])
		}
	}
	return level
}

// groupLevel is the user's level in g, counting memberships of ancestor groups when inherited.
func (s *store) groupLevel(u *user, g *group, inherited bool) int {
	level := g.members[u.id]
	if inherited {
		for _, a := range s.groups {
			if a != g && isPathWithin(g.path, a.path) {
				level = max(level, a.members[u.id])
			}
		}
	}
	return level
}

// isPathWithin reports whether path lies strictly under the namespace ns.
func isPathWithin(path, ns string) bool {
	return len(path) > len(ns) && strings.EqualFold(path[:len(ns)], ns) && path[len(ns)] == '/'
}

// can reports whether u has at least min in the project; administrators always do.
func (s *store) can(u *user, p *project, min int) bool {
	return u.admin || s.projectLevel(u, p) >= min
}

// matches is the deploy-access test (DESIGN.md §A1), also used to match approval rules (§A4).
func (s *store) matches(u *user, p *project, e *accessEntry) bool {
	switch {
	case u.admin:
		return true
	case e.userID != 0:
		return e.userID == u.id
	case e.groupID != 0:
		g := s.groupByID[e.groupID]
		return g != nil && s.groupLevel(u, g, e.groupInheritanceType == 1) > 0
	default:
		return e.accessLevel <= s.projectLevel(u, p)
	}
}

// hasDeployAccess reports whether every protected environment matching the name grants u deploy
// access. The fake knows only project-level protected environments, matched by exact name.
func (s *store) hasDeployAccess(u *user, p *project, envName string) bool {
	pe := p.protectedEnv(envName)
	if pe == nil {
		return true
	}
	return slices.ContainsFunc(pe.deployAccess, func(e *accessEntry) bool { return s.matches(u, p, e) })
}

// displayName is a rule's or deploy access level's access_level_description; nil is JSON null.
func (s *store) displayName(e *accessEntry) *string {
	var name string
	switch {
	case e.userID != 0:
		u := s.userByID[e.userID]
		if u == nil {
			return nil
		}
		name = u.name
	case e.groupID != 0:
		g := s.groupByID[e.groupID]
		if g == nil {
			return nil
		}
		name = g.name
	case e.accessLevel == levelMaintainer:
		name = "Maintainers"
	case e.accessLevel == levelDeveloper:
		name = "Developers + Maintainers"
	default:
		return nil
	}
	return &name
}

// approvalRules are the rules of the protected environment matching the deployment's
// environment, in rule-id order.
func (d *deployment) approvalRules() []*accessEntry {
	pe := d.project.protectedEnv(d.env.name)
	if pe == nil {
		return nil
	}
	rules := slices.Clone(pe.rules)
	slices.SortFunc(rules, func(a, b *accessEntry) int { return int(a.id - b.id) })
	return rules
}

// ruleState is one rule's standing for one deployment (DESIGN.md §A4).
type ruleState struct {
	rule     *accessEntry
	approved int
	pending  int
	status   string // approved, rejected or pending_approval
}

// approvalState computes the per-rule states and pending_approval_count from the current rules.
func (d *deployment) approvalState() (states []ruleState, pending int) {
	for _, r := range d.approvalRules() {
		st := ruleState{rule: r, status: "pending_approval"}
		rejected := false
		for _, a := range d.approvals {
			if a.ruleID != r.id {
				continue
			}
			switch a.status {
			case "approved":
				st.approved++
			case "rejected":
				rejected = true
			}
		}
		st.pending = max(r.requiredApprovals-st.approved, 0)
		switch {
		case rejected:
			st.status = "rejected"
		case st.approved >= r.requiredApprovals:
			st.status = "approved"
		}
		pending += st.pending
		states = append(states, st)
	}
	return states, pending
}

var isFinishedStatus = map[string]bool{"success": true, "failed": true, "canceled": true}

func isFinished(status string) bool { return isFinishedStatus[status] }

// updateEvents maps the statuses a PUT may ask for to the state-machine event it fires.
var updateEvents = map[string]string{"running": "run", "success": "succeed", "failed": "drop", "canceled": "cancel"}

// canTransition reports whether the event for status `to` may fire from `from` (DESIGN.md §A2).
func canTransition(from, to string) bool {
	if to == "running" {
		return from == "created" || from == "blocked"
	}
	return from != to
}

// currentDeployment is the environment's success deployment with the latest finished_at, ties by
// highest id, a nil finished_at counting as latest (DESIGN.md §A3).
func currentDeployment(p *project, env *environment) *deployment {
	var cur *deployment
	for _, d := range p.deployments {
		if d.env != env || d.status != "success" {
			continue
		}
		if cur == nil || finishedLater(d, cur) {
			cur = d
		}
	}
	return cur
}

func finishedLater(a, b *deployment) bool {
	switch {
	case a.finishedAt == nil && b.finishedAt == nil:
		return a.id > b.id
	case a.finishedAt == nil:
		return true
	case b.finishedAt == nil:
		return false
	case a.finishedAt.Equal(*b.finishedAt):
		return a.id > b.id
	default:
		return a.finishedAt.After(*b.finishedAt)
	}
}

var environmentNamePattern = regexp.MustCompile(`\A[a-zA-Z0-9_\$\{\}\. -]([a-zA-Z0-9_/\$\{\}\. -]*[a-zA-Z0-9_\$\{\}\. -])?\z`)

// environmentNameErrors are GitLab's model errors for an environment name, in its order.
func environmentNameErrors(name string) []string {
	var msgs []string
	if strings.TrimSpace(name) == "" {
		msgs = append(msgs, "can't be blank")
	}
	if utf8.RuneCountInString(name) > 255 {
		msgs = append(msgs, "is too long (maximum is 255 characters)")
	}
	if !environmentNamePattern.MatchString(name) {
		msgs = append(msgs, "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'")
	}
	return msgs
}
