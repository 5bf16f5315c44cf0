package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ApprovalOptions is the body of POST .../deployments/:deployment_id/approval.
type ApprovalOptions struct {
	Status        string  `json:"status"`
	Comment       *string `json:"comment,omitempty"`
	RepresentedAs *string `json:"represented_as,omitempty"`
}

// Decision is one approver's decision on a deployment: GitLab's approval, the rule it counts
// for and the deployment as GitLab showed it right after.
type Decision struct {
	Approval Approval
	// Rule is nil when the deployment's approval summary does not show the decision, for
	// example because its rule was deleted since.
	Rule       *ApprovalRule
	Deployment *Deployment
	// AlreadyInPlace is set when the user had made this decision, with this status, before the
	// request: GitLab answered with it unchanged (DESIGN.md §B22).
	AlreadyInPlace bool
}

// recentSlack is how far back a decision may have been recorded by a request whose answer was
// lost, when GitLab's clock is unknown.
const recentSlack = time.Minute

// Decide posts an approval or rejection as the client's user (userID, or 0 when unknown). It
// reads the deployment before, to tell a decision already in place, and after, for the rule it
// counts for and the approvals still pending (not after a repeat, which changed nothing). A lost
// answer is settled by reading before sending again: the decision may itself have ended the
// wait, after which GitLab refuses every decision.
func (c *Client) Decide(ctx context.Context, project string, id int64, opts ApprovalOptions, userID int64) (*Decision, error) {
	// GitLab's answer to a repeat is the decision as it was, which alone cannot be told from a
	// decision just made or changed: only the deployment's approvals before the request can.
	before, err := c.GetDeployment(ctx, project, id)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	var a Approval
	var read *Deployment
	_, err = c.send(ctx, call{
		method: http.MethodPost, path: deploymentPath(project, id) + "/approval", body: opts, out: &a,
		settle: func(ctx context.Context) (bool, error) {
			d, err := c.GetDeployment(ctx, project, id)
			if err != nil {
				return false, err
			}
			if userID == 0 && c.cfg.JobToken == "" {
				// Only worth a request on this rare path; GitLab refuses GET /user to job tokens.
				if u, userErr := c.CurrentUser(ctx); userErr == nil {
					userID = u.ID
				}
			}
			found, err := c.lostDecision(d, opts, userID, started)
			if found == nil || err != nil {
				return false, err
			}
			c.log(ctx, "found the decision a lost approval request recorded", map[string]any{
				"deployment_id": id, "status": found.Status,
			})
			a, read = *found, d
			return true, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if heldBefore(before, &a) {
		// Nothing changed in GitLab: the deployment as read before is as it is now.
		return &Decision{Approval: a, Rule: RuleOf(before, &a), Deployment: before, AlreadyInPlace: true}, nil
	}
	if read == nil {
		if read, err = c.GetDeployment(ctx, project, id); err != nil {
			return nil, fmt.Errorf("GitLab recorded the %s decision, but reading deployment %d afterwards failed: %w",
				opts.Status, id, err)
		}
	}
	return &Decision{Approval: a, Rule: RuleOf(read, &a), Deployment: read}, nil
}

// heldBefore reports whether d, read before a decision was sent, held that decision as GitLab
// answered it: same user, status and creation time (kept when a status is changed).
func heldBefore(d *Deployment, a *Approval) bool {
	for _, prior := range d.Approvals {
		if prior.User.ID == a.User.ID && prior.Status == a.Status && prior.CreatedAt.Equal(a.CreatedAt) {
			return true
		}
	}
	return false
}

// lostDecision finds on d the decision that a request with opts, whose answer was lost, may have
// recorded. Nil without an error means that sending the request again is safe.
func (c *Client) lostDecision(d *Deployment, opts ApprovalOptions, userID int64, started time.Time) (*Approval, error) {
	if userID != 0 {
		// Not found: GitLab did not record it; sent again, it is recorded or refused for good.
		return ownDecision(d, userID, opts), nil
	}
	// Whose decisions are whose is unknown to a CI job token. The only decision as asked that
	// GitLab recorded since the request was sent, by GitLab's clock, is taken for this one.
	since, known := c.clock.earliest(started)
	if !known {
		since = started.Add(-recentSlack) // a GitLab that sends no Date header
	}
	if found := recentDecision(d, opts, since); found != nil {
		return found, nil
	}
	if d.PendingApprovalCount > 0 {
		// None, or several alike: GitLab returns a decision sent twice unchanged.
		return nil, nil
	}
	return nil, fmt.Errorf("deployment %d no longer waits for approvals, and a CI job token cannot ask GitLab which user "+
		"it acts for, so whether this %s decision was recorded is unknown: check the deployment's approvals in GitLab",
		d.ID, opts.Status)
}

// CurrentUser reads the user the client acts for, once for the life of the client: its answer,
// or its failure (GitLab refuses a CI job token), is kept, except a caller's own cancellation.
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	c.user.mu.Lock()
	defer c.user.mu.Unlock()
	if c.user.known {
		return c.user.user, c.user.err
	}
	var u User
	_, err := c.send(ctx, call{method: http.MethodGet, path: "user", out: &u})
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	c.user.known, c.user.err = true, err
	if err == nil {
		c.user.user = &u
	}
	return c.user.user, c.user.err
}

// currentUser is what GET /user answered, once asked.
type currentUser struct {
	mu    sync.Mutex
	known bool
	user  *User
	err   error
}

// RuleOf returns the approval rule a decision on d counts for, or nil when d's summary does not
// show it. GitLab's summary lists under each rule that rule's decisions on every deployment, so
// the decision is recognised by its user and creation time, which the decision keeps when its
// status is changed.
func RuleOf(d *Deployment, a *Approval) *ApprovalRule {
	if d == nil || d.ApprovalSummary == nil || a == nil {
		return nil
	}
	rules := d.ApprovalSummary.Rules
	for i := range rules {
		for _, ra := range rules[i].DeploymentApprovals {
			if ra.User.ID == a.User.ID && ra.CreatedAt.Equal(a.CreatedAt) {
				return &rules[i]
			}
		}
	}
	return nil
}

// UserDecision finds userID's decision on d: the one counting for ruleID when ruleID is not 0
// and the user decided under several rules, else the one under the user's first rule. It
// returns nil when the user has made no decision on d.
func UserDecision(d *Deployment, userID, ruleID int64) (*Approval, *ApprovalRule) {
	var own []*Approval
	for i := range d.Approvals {
		if d.Approvals[i].User.ID == userID {
			own = append(own, &d.Approvals[i])
		}
	}
	if len(own) == 0 {
		return nil, nil
	}
	if len(own) == 1 {
		return own[0], RuleOf(d, own[0])
	}
	if a, r := firstByRule(d, own, func(r *ApprovalRule) bool { return ruleID == 0 || r.ID == ruleID }); a != nil {
		return a, r
	}
	if ruleID != 0 {
		return nil, nil
	}
	return own[0], nil
}

// HeldDecision finds userID's decision on d with status under the rule representedAs selects
// (any rule when nil), whatever its comment, and the rule it counts for; nil when there is none.
func HeldDecision(d *Deployment, userID int64, status string, representedAs *string) (*Approval, *ApprovalRule) {
	var candidates []*Approval
	for i := range d.Approvals {
		if a := &d.Approvals[i]; a.User.ID == userID && a.Status == status {
			candidates = append(candidates, a)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	if a, r := firstByRule(d, candidates, func(r *ApprovalRule) bool { return represents(r, representedAs) }); a != nil {
		return a, r
	}
	if representedAs == nil {
		return candidates[0], RuleOf(d, candidates[0])
	}
	return nil, nil
}

// ownDecision finds userID's decision asked for by opts: same status and comment, under the
// rule represented_as selects.
func ownDecision(d *Deployment, userID int64, opts ApprovalOptions) *Approval {
	var candidates []*Approval
	for i := range d.Approvals {
		a := &d.Approvals[i]
		if a.User.ID == userID && sameDecision(a, opts) {
			candidates = append(candidates, a)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	if a, _ := firstByRule(d, candidates, func(r *ApprovalRule) bool { return represents(r, opts.RepresentedAs) }); a != nil {
		return a
	}
	if opts.RepresentedAs == nil {
		return candidates[0]
	}
	return nil
}

// recentDecision finds the only decision asked for by opts that was recorded at or after since,
// whoever made it; nil when there is none or more than one.
func recentDecision(d *Deployment, opts ApprovalOptions, since time.Time) *Approval {
	var found *Approval
	for i := range d.Approvals {
		a := &d.Approvals[i]
		if !sameDecision(a, opts) || a.CreatedAt.Before(since) {
			continue
		}
		if opts.RepresentedAs != nil && !represents(RuleOf(d, a), opts.RepresentedAs) {
			continue
		}
		if found != nil {
			return nil
		}
		found = a
	}
	return found
}

// firstByRule returns the approval among candidates under the first rule, in GitLab's rule
// order, that keep accepts.
func firstByRule(d *Deployment, candidates []*Approval, keep func(*ApprovalRule) bool) (*Approval, *ApprovalRule) {
	if d.ApprovalSummary == nil {
		return nil, nil
	}
	for i := range d.ApprovalSummary.Rules {
		r := &d.ApprovalSummary.Rules[i]
		if !keep(r) {
			continue
		}
		for _, a := range candidates {
			for _, ra := range r.DeploymentApprovals {
				if ra.User.ID == a.User.ID && ra.CreatedAt.Equal(a.CreatedAt) {
					return a, r
				}
			}
		}
	}
	return nil, nil
}

// represents applies GitLab's represented_as match: the rule's display name contains the text.
func represents(r *ApprovalRule, representedAs *string) bool {
	if representedAs == nil {
		return true
	}
	return r != nil && r.AccessLevelDescription != nil && strings.Contains(*r.AccessLevelDescription, *representedAs)
}

func sameDecision(a *Approval, opts ApprovalOptions) bool {
	return a.Status == opts.Status && deref(a.Comment) == deref(opts.Comment)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
