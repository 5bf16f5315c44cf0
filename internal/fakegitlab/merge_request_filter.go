package fakegitlab

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// The merge-request list parameters that GET /projects/:id/deployments/:deployment_id/merge_requests
// takes (DESIGN.md §B14), and the orders GET /projects/:id/merge_requests takes (DESIGN.md §B30).
var (
	mergeRequestStates         = []string{"opened", "closed", "locked", "merged", "all"}
	mergeRequestOrderBy        = []string{"created_at", "updated_at"}
	projectMergeRequestOrderBy = []string{"created_at", "label_priority", "milestone_due", "popularity", "priority", "title", "updated_at", "merged_at"}
)

// mergeRequestFilter is a merge-request list request's filters and order.
type mergeRequestFilter struct {
	authorID                    *int64
	authorUsername              *string
	labels                      []string // nil: no filter
	state, orderBy, sort        string
	createdAfter, createdBefore *time.Time
	updatedAfter, updatedBefore *time.Time
	sourceBranch, targetBranch  *string
	search                      *string
}

// mergeRequestFilter reads the parameters in the order GitLab declares them, so that several
// invalid ones are reported in GitLab's order. orderBys are the endpoint's order_by values.
func (g *grape) mergeRequestFilter(orderBys []string) mergeRequestFilter {
	var f mergeRequestFilter
	if n, ok := g.integer("author_id", false); ok {
		f.authorID = &n
	}
	f.authorUsername = g.optionalString("author_username")
	g.mutuallyExclusive("author_id", "author_username")
	if s := g.optionalString("labels"); s != nil {
		f.labels = []string{}
		for l := range strings.SplitSeq(*s, ",") {
			if l = strings.TrimSpace(l); l != "" {
				f.labels = append(f.labels, l)
			}
		}
	}
	f.state = g.values("state", false, mergeRequestStates, "all")
	f.orderBy = g.values("order_by", false, orderBys, "created_at")
	f.sort = g.values("sort", false, sortValues, "desc")
	f.createdAfter, f.createdBefore = g.dateTime("created_after"), g.dateTime("created_before")
	f.updatedAfter, f.updatedBefore = g.dateTime("updated_after"), g.dateTime("updated_before")
	f.sourceBranch, f.targetBranch = g.optionalString("source_branch"), g.optionalString("target_branch")
	f.search = g.optionalString("search")
	return f
}

// mutuallyExclusive is Grape's mutually_exclusive: more than one of names present is a 400.
func (g *grape) mutuallyExclusive(names ...string) {
	var present []string
	for _, n := range names {
		if _, ok := g.p[n]; ok {
			present = append(present, n)
		}
	}
	if len(present) > 1 {
		g.errs = append(g.errs, strings.Join(present, ", ")+" are mutually exclusive")
	}
}

// matches applies the filters as GitLab's merge-request finder does: exact branches and author,
// inclusive time bounds, every label named (None: no label, Any: some label), and search as a
// case-insensitive substring of title or description.
func (f mergeRequestFilter) matches(mr *mergeRequest) bool {
	switch {
	case f.state != "all" && mr.state != f.state,
		f.authorID != nil && (mr.author == nil || mr.author.id != *f.authorID),
		f.authorUsername != nil && (mr.author == nil || mr.author.username != *f.authorUsername),
		!labelsMatch(f.labels, mr.labels),
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

func labelsMatch(want, have []string) bool {
	switch {
	case want == nil:
		return true
	case len(want) == 1 && strings.EqualFold(want[0], "None"):
		return len(have) == 0
	case len(want) == 1 && strings.EqualFold(want[0], "Any"):
		return len(have) > 0
	}
	for _, l := range want {
		if !slices.Contains(have, l) {
			return false
		}
	}
	return true
}

// compare orders by order_by, ties by id, both in the direction of sort. merged_at sorts merge
// requests never merged last in both directions, ties by id descending; title sorts by title.
// The orders the fake cannot model (labels' priority, milestones, popularity) fall back to
// created_at.
func (f mergeRequestFilter) compare(a, b *mergeRequest) int {
	if f.orderBy == "merged_at" {
		switch {
		case a.mergedAt == nil && b.mergedAt == nil:
			return -cmp.Compare(a.id, b.id)
		case a.mergedAt == nil:
			return 1
		case b.mergedAt == nil:
			return -1
		}
		c := a.mergedAt.Compare(*b.mergedAt)
		if f.sort == "desc" {
			c = -c
		}
		return cmp.Or(c, -cmp.Compare(a.id, b.id))
	}
	var c int
	switch f.orderBy {
	case "updated_at":
		c = a.updatedAt.Compare(b.updatedAt)
	case "title":
		c = strings.Compare(a.title, b.title)
	default:
		c = a.createdAt.Compare(b.createdAt)
	}
	c = cmp.Or(c, cmp.Compare(a.id, b.id))
	if f.sort == "desc" {
		return -c
	}
	return c
}
