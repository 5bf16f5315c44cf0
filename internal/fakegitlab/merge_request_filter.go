package fakegitlab

import (
	"cmp"
	"strings"
	"time"
)

// The merge-request list parameters that GET /projects/:id/deployments/:deployment_id/merge_requests
// takes (DESIGN.md §B14).
var (
	mergeRequestStates  = []string{"opened", "closed", "locked", "merged", "all"}
	mergeRequestOrderBy = []string{"created_at", "updated_at"}
)

// mergeRequestFilter is a merge-request list request's filters and order.
type mergeRequestFilter struct {
	authorID                    *int64
	state, orderBy, sort        string
	createdAfter, createdBefore *time.Time
	updatedAfter, updatedBefore *time.Time
	sourceBranch, targetBranch  *string
	search                      *string
}

// mergeRequestFilter reads the parameters in the order GitLab declares them, so that several
// invalid ones are reported in GitLab's order.
func (g *grape) mergeRequestFilter() mergeRequestFilter {
	var f mergeRequestFilter
	if n, ok := g.integer("author_id", false); ok {
		f.authorID = &n
	}
	f.state = g.values("state", false, mergeRequestStates, "all")
	f.orderBy = g.values("order_by", false, mergeRequestOrderBy, "created_at")
	f.sort = g.values("sort", false, sortValues, "desc")
	f.createdAfter, f.createdBefore = g.dateTime("created_after"), g.dateTime("created_before")
	f.updatedAfter, f.updatedBefore = g.dateTime("updated_after"), g.dateTime("updated_before")
	f.sourceBranch, f.targetBranch = g.optionalString("source_branch"), g.optionalString("target_branch")
	f.search = g.optionalString("search")
	return f
}

// matches applies the filters as GitLab's merge-request finder does: exact branches and author,
// inclusive time bounds, and search as a case-insensitive substring of title or description.
func (f mergeRequestFilter) matches(mr *mergeRequest) bool {
	switch {
	case f.state != "all" && mr.state != f.state,
		f.authorID != nil && (mr.author == nil || mr.author.id != *f.authorID),
		f.sourceBranch != nil && mr.sourceBranch != *f.sourceBranch,
		f.targetBranch != nil && mr.targetBranch != *f.targetBranch,
		f.createdAfter != nil && mr.createdAt.Before(*f.createdAfter),
		f.createdBefore != nil && mr.createdAt.After(*f.createdBefore),
		f.updatedAfter != nil && mr.updatedAt.Before(*f.updatedAfter),
		f.updatedBefore != nil && mr.updatedAt.After(*f.updatedBefore):
		return false
	case f.search != nil:
		term := strings.ToLower(*f.search)
		return strings.Contains(strings.ToLower(mr.title), term) || strings.Contains(strings.ToLower(mr.description), term)
	}
	return true
}

// compare orders by order_by, ties by id, both in the direction of sort.
func (f mergeRequestFilter) compare(a, b *mergeRequest) int {
	at, bt := a.createdAt, b.createdAt
	if f.orderBy == "updated_at" {
		at, bt = a.updatedAt, b.updatedAt
	}
	c := cmp.Or(at.Compare(bt), cmp.Compare(a.id, b.id))
	if f.sort == "desc" {
		return -c
	}
	return c
}
