package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// protectedEnvCall runs the common start of every protected-environments endpoint (DESIGN.md §A7): job
// tokens count as no credentials, then the project lookup and the Maintainer check, both before
// parameter validation.
func (c *call) protectedEnvCall() (*project, *reply) {
	if rep := c.authenticate(authNoJobToken); rep != nil {
		return nil, rep
	}
	p, rep := c.findProject()
	if rep != nil {
		return nil, rep
	}
	if !c.st.can(c.user, p, levelMaintainer) {
		return nil, &forbidden
	}
	return p, nil
}

// GET /projects/:id/protected_environments.
func handleListProtectedEnvs(c *call) reply {
	p, rep := c.protectedEnvCall()
	if rep != nil {
		return *rep
	}
	g := c.grape()
	pg := g.pagination()
	if rep := g.result(); rep != nil {
		return *rep
	}
	list := slices.SortedFunc(slices.Values(p.protectedEnvs), func(a, b *protectedEnv) int { return strings.Compare(a.name, b.name) })
	from, to, h := c.paginate(len(list), pg, nil)
	out := make([]protectedEnvJSON, 0, to-from)
	for _, pe := range list[from:to] {
		out = append(out, c.protectedEnvJSON(pe))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}

// GET /projects/:id/protected_environments/:name.
func handleGetProtectedEnv(c *call) reply {
	p, rep := c.protectedEnvCall()
	if rep != nil {
		return *rep
	}
	pe := p.protectedEnv(c.vars["name"])
	if pe == nil {
		return recordNotFound
	}
	return jsonReply(http.StatusOK, c.protectedEnvJSON(pe))
}

// DELETE /projects/:id/protected_environments/:name. Deployments and approvals stay.
func handleDeleteProtectedEnv(c *call) reply {
	p, rep := c.protectedEnvCall()
	if rep != nil {
		return *rep
	}
	pe := p.protectedEnv(c.vars["name"])
	if pe == nil {
		return recordNotFound
	}
	if c.modifiedSince(pe.updatedAt) {
		return msgReply(http.StatusPreconditionFailed, "412 Precondition Failed")
	}
	p.protectedEnvs = slices.DeleteFunc(p.protectedEnvs, func(x *protectedEnv) bool { return x == pe })
	return reply{status: http.StatusNoContent}
}

// POST /projects/:id/protected_environments.
func handleCreateProtectedEnv(c *call) reply {
	return c.saveProtectedEnv(true)
}

// PUT /projects/:id/protected_environments/:name.
func handleUpdateProtectedEnv(c *call) reply {
	return c.saveProtectedEnv(false)
}

// entryParam is one element of deploy_access_levels or approval_rules as the request gives it.
type entryParam struct {
	present map[string]bool  // keys given, null values included
	ints    map[string]int64 // integer values given (not null)
	destroy bool
}

func (e entryParam) int(name string) (int64, bool) {
	v, ok := e.ints[name]
	return v, ok
}

// entryAttr is a declared attribute of an array element, in declaration order.
type entryAttr struct {
	name    string
	boolean bool
	allowed []int64
}

var (
	accessEntryAttrs = []entryAttr{
		{name: "access_level", allowed: []int64{20, 30, 40, 60}},
		{name: "user_id"},
		{name: "group_id"},
		{name: "group_inheritance_type", allowed: []int64{0, 1}},
	}
	ruleEntryAttrs = append(slices.Clone(accessEntryAttrs), entryAttr{name: "required_approvals"})
	updateAttrs    = []entryAttr{{name: "id"}, {name: "_destroy", boolean: true}}
)

// entries validates an Array of Hash parameter the Grape way: each attribute validator runs over
// every element before the next attribute's, coercion errors before value errors.
func (g *grape) entries(name string, required bool, attrs []entryAttr, atLeastOne bool) ([]entryParam, bool) {
	v, ok := g.p[name]
	if !ok || v == nil {
		if required {
			g.fail(name, "is missing")
		}
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		g.fail(name, "is invalid")
		return nil, false
	}
	elems := make([]map[string]any, len(arr))
	for i, e := range arr {
		if elems[i], ok = e.(map[string]any); !ok {
			g.fail(name, "is invalid")
			return nil, false
		}
	}
	out := make([]entryParam, len(arr))
	for i := range out {
		out[i] = entryParam{present: map[string]bool{}, ints: map[string]int64{}}
		for k := range elems[i] {
			out[i].present[k] = true
		}
	}
	for _, attr := range attrs {
		valid := make([]bool, len(arr))
		for i, e := range elems {
			raw, ok := e[attr.name]
			if s, isStr := raw.(string); !ok || raw == nil || (isStr && strings.TrimSpace(s) == "") {
				continue
			}
			if attr.boolean {
				b, ok := coerceBool(raw)
				if !ok {
					g.fail(fmt.Sprintf("%s[%d][%s]", name, i, attr.name), "is invalid")
				}
				out[i].destroy = b
				continue
			}
			n, ok := coerceInt(raw)
			if !ok {
				g.fail(fmt.Sprintf("%s[%d][%s]", name, i, attr.name), "is invalid")
				continue
			}
			out[i].ints[attr.name] = n
			valid[i] = true
		}
		if attr.allowed == nil {
			continue
		}
		for i := range elems {
			if valid[i] && !slices.Contains(attr.allowed, out[i].ints[attr.name]) {
				g.fail(fmt.Sprintf("%s[%d][%s]", name, i, attr.name), "does not have a valid value")
			}
		}
	}
	if atLeastOne {
		for i, e := range out {
			if !e.present["access_level"] && !e.present["user_id"] && !e.present["group_id"] {
				g.errs = append(g.errs, fmt.Sprintf("%[1]s[%[2]d][access_level], %[1]s[%[2]d][user_id], %[1]s[%[2]d][group_id] are missing, at least one parameter must be provided", name, i))
			}
		}
	}
	return out, true
}

// saveProtectedEnv is POST (create) and PUT, checked in the order of DESIGN.md §A7.
func (c *call) saveProtectedEnv(create bool) reply {
	p, rep := c.protectedEnvCall()
	if rep != nil {
		return *rep
	}
	g := c.grape()
	name := c.vars["name"]
	deployAttrs, ruleAttrs := accessEntryAttrs, ruleEntryAttrs
	if create {
		if _, ok := g.p["name"]; !ok {
			g.fail("name", "is missing")
		} else if s := g.optionalString("name"); s != nil {
			name = *s
		}
	} else {
		deployAttrs = append(slices.Clone(deployAttrs), updateAttrs...)
		ruleAttrs = append(slices.Clone(ruleAttrs), updateAttrs...)
	}
	deploy, _ := g.entries("deploy_access_levels", create, deployAttrs, false)
	count, _ := g.integer("required_approval_count", false)
	rules, _ := g.entries("approval_rules", false, ruleAttrs, create)
	if rep := g.result(); rep != nil {
		return *rep
	}

	var pe *protectedEnv
	if !create {
		if pe = p.protectedEnv(name); pe == nil {
			return recordNotFound
		}
	}
	if count > 0 {
		return msgReply(http.StatusUnprocessableEntity, "Parameter 'required_approval_count' is deprecated and shouldn't be used. See https://gitlab.com/groups/gitlab-org/-/epics/9662")
	}
	if create && p.protectedEnv(name) != nil {
		return msgReply(http.StatusConflict, fmt.Sprintf("Environment '%s' is already protected", name))
	}

	var oldDeploy, oldRules []*accessEntry
	if pe != nil {
		oldDeploy, oldRules = pe.deployAccess, pe.rules
	}
	newDeploy, ok := c.applyEntries(p, oldDeploy, deploy)
	if !ok {
		return recordNotFound
	}
	newRules, ok := c.applyEntries(p, oldRules, rules)
	if !ok {
		return recordNotFound
	}
	if msgs := entryErrors(create, name, newDeploy, newRules); len(msgs) > 0 {
		return msgReply(http.StatusUnprocessableEntity, msgs)
	}

	for _, e := range slices.Concat(newDeploy, newRules) {
		if e.id == 0 {
			e.id = c.st.nextAccessID
			c.st.nextAccessID++
		}
	}
	if pe == nil {
		pe = &protectedEnv{name: name}
		p.protectedEnvs = append(p.protectedEnvs, pe)
	}
	pe.deployAccess, pe.rules, pe.updatedAt = newDeploy, newRules, c.st.tick()
	if create {
		return jsonReply(http.StatusCreated, c.protectedEnvJSON(pe))
	}
	return jsonReply(http.StatusOK, c.protectedEnvJSON(pe))
}

// applyEntries returns copies of old with the request's entries applied: _destroy removes, id
// updates, others are added (with id 0 until saved). Entries naming a user below Developer or a
// group the project is not shared with are dropped silently, as GitLab does. ok is false for an id
// that is not one of old's.
func (c *call) applyEntries(p *project, old []*accessEntry, params []entryParam) (out []*accessEntry, ok bool) {
	for _, e := range old {
		cp := *e
		out = append(out, &cp)
	}
	for _, ep := range params {
		var target *accessEntry
		if id, has := ep.int("id"); has {
			i := slices.IndexFunc(out, func(e *accessEntry) bool { return e.id == id })
			if i < 0 {
				return nil, false
			}
			if ep.destroy {
				out = slices.Delete(out, i, i+1)
				continue
			}
			target = out[i]
		}
		if ep.destroy {
			continue // nothing to destroy without an id
		}
		if !c.grantable(p, ep) {
			continue
		}
		if target == nil {
			target = &accessEntry{requiredApprovals: 1}
			out = append(out, target)
		}
		for key, field := range map[string]*int{"access_level": &target.accessLevel, "group_inheritance_type": &target.groupInheritanceType} {
			if ep.present[key] {
				v, _ := ep.int(key)
				*field = int(v)
			}
		}
		if v, has := ep.int("required_approvals"); has {
			target.requiredApprovals = int(v)
		}
		for key, field := range map[string]*int64{"user_id": &target.userID, "group_id": &target.groupID} {
			if ep.present[key] {
				*field, _ = ep.int(key)
			}
		}
	}
	return out, true
}

// grantable is the silent filter of DESIGN.md §A7: a user must be at least a Developer of the
// project, a group must be one the project is shared with.
func (c *call) grantable(p *project, ep entryParam) bool {
	if id, ok := ep.int("user_id"); ok {
		u := c.st.userByID[id]
		if u == nil || c.st.projectLevel(u, p) < levelDeveloper {
			return false
		}
	}
	if id, ok := ep.int("group_id"); ok && !slices.Contains(p.sharedWithGroups, id) {
		return false
	}
	return true
}

// entryErrors is the model validation of DESIGN.md §A7, as Rails' full messages.
func entryErrors(create bool, name string, deploy, rules []*accessEntry) []string {
	var msgs []string
	add := func(m string) {
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	if create && strings.TrimSpace(name) == "" {
		add("Name can't be blank")
	}
	if len(deploy) == 0 {
		add("Deploy access levels is too short (minimum is 1 character)")
	}
	for _, e := range deploy {
		if !exactlyOne(e) {
			add("Deploy access levels base Exactly one of access_level, group_id, user_id must be present")
		}
	}
	for _, e := range rules {
		if !exactlyOne(e) {
			add("Approval rules base Exactly one of access_level, group_id, user_id must be present")
		}
		switch {
		case e.requiredApprovals < 1:
			add("Approval rules required approvals must be greater than or equal to 1")
		case e.requiredApprovals > 5:
			add("Approval rules required approvals must be less than or equal to 5")
		}
	}
	return msgs
}

func exactlyOne(e *accessEntry) bool {
	n := 0
	for _, set := range []bool{e.accessLevel != 0, e.userID != 0, e.groupID != 0} {
		if set {
			n++
		}
	}
	return n == 1
}
