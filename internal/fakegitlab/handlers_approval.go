package fakegitlab

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// POST /projects/:id/deployments/:deployment_id/approval (DESIGN.md §A4).
func handleApproval(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("deployment_id", true)
	status := g.values("status", true, []string{"approved", "rejected"}, "")
	comment := g.optionalString("comment")
	representedAs := g.optionalString("represented_as")
	if rep := g.result(); rep != nil {
		return *rep
	}
	d, rep := c.findReadableDeployment()
	if rep != nil {
		return *rep
	}
	rule, refusal := c.approvalRule(d.project, d, status, representedAs)
	if refusal != "" {
		return msgReply(http.StatusBadRequest, refusal)
	}

	i := slices.IndexFunc(d.approvals, func(a *approval) bool { return a.user == c.user && a.ruleID == rule.id })
	if i >= 0 && d.approvals[i].status == status {
		return jsonReply(http.StatusCreated, c.approvalJSON(d.approvals[i]))
	}
	if comment != nil && utf8.RuneCountInString(*comment) > 255 {
		return msgReply(http.StatusBadRequest, []string{"Comment is too long (maximum is 255 characters)"})
	}
	var a *approval
	if i >= 0 {
		a = d.approvals[i]
		a.status, a.comment = status, comment
	} else {
		a = &approval{id: c.st.nextApprovalID, user: c.user, status: status, comment: comment, createdAt: c.st.tick(), ruleID: rule.id}
		c.st.nextApprovalID++
		d.approvals = append(d.approvals, a)
	}
	// A rejection drops a CI deployment's job, failing the deployment; API-created deployments
	// never change status here.
	if status == "rejected" && d.job != nil {
		switch d.status {
		case "blocked", "created", "running":
			c.st.setStatus(d, "failed", c.st.tick())
		default:
			return internalError // GitLab stores the rejection, then fails to drop a finished job
		}
	}
	return jsonReply(http.StatusCreated, c.approvalJSON(a))
}

// approvalRule runs the checks of DESIGN.md §A4 in GitLab's order and picks the rule the approval counts
// for (DESIGN.md §A4); refusal is the 400 message when one fails.
func (c *call) approvalRule(p *project, d *deployment, status string, representedAs *string) (rule *accessEntry, refusal string) {
	if p.protectedEnv(d.env.name) == nil {
		return nil, "This environment is not protected."
	}
	if c.user == d.user && status == "approved" && !p.allowSelfApprove {
		return nil, "You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."
	}
	rules := d.approvalRules()
	if len(rules) == 0 {
		return nil, "Deployment approvals is not configured for this environment."
	}
	if _, pending := d.approvalState(); pending == 0 {
		return nil, "This deployment is not waiting for approvals."
	}
	matching := slices.DeleteFunc(rules, func(r *accessEntry) bool { return !c.st.matches(c.user, p, r) })
	if len(matching) == 0 {
		return nil, "You don't have permission to approve this deployment. Contact the project or group owner for help."
	}
	if representedAs == nil {
		return matching[0], ""
	}
	for _, r := range matching {
		if name := c.st.displayName(r); name != nil && strings.Contains(*name, *representedAs) {
			return r, ""
		}
	}
	return nil, "There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead."
}
