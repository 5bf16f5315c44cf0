package fakegitlab

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// projectMergeRequestFilter adds to the shared filters those only GET /projects/:id/merge_requests
// takes (DESIGN.md §A15, §B30).
type projectMergeRequestFilter struct {
	mergeRequestFilter
	mergedAfter, mergedBefore     *time.Time
	deployedAfter, deployedBefore *time.Time
	environment                   *string
	mergeUserID                   *int64
	mergeUsername                 *string
	iids                          []int64 // nil: no filter
}

// projectMergeRequestFilter reads the parameters in GitLab's declaration order: the shared ones,
// the merge and deployment bounds, the merge user, then pagination and iids.
func (g *grape) projectMergeRequestFilter() (projectMergeRequestFilter, page) {
	f := projectMergeRequestFilter{mergeRequestFilter: g.mergeRequestFilter(projectMergeRequestOrderBy)}
	f.mergedAfter, f.mergedBefore = g.dateTime("merged_after"), g.dateTime("merged_before")
	f.deployedBefore, f.deployedAfter = g.dateTime("deployed_before"), g.dateTime("deployed_after")
	f.environment = g.optionalString("environment")
	if n, ok := g.integer("merge_user_id", false); ok {
		f.mergeUserID = &n
	}
	f.mergeUsername = g.optionalString("merge_user_username")
	g.mutuallyExclusive("merge_user_id", "merge_user_username")
	pg := g.pagination()
	if s := g.optionalString("iids"); s != nil {
		f.iids = []int64{}
		for part := range strings.SplitSeq(*s, ",") {
			n, ok := parseInt(strings.TrimSpace(part))
			if !ok {
				g.fail("iids", "is invalid")
				break
			}
			f.iids = append(f.iids, n)
		}
	}
	return f, pg
}

// matches adds the project list's own filters to the shared ones. The deployment filters hold
// when one deployment that shipped the merge request meets all of them: deployed to that
// environment (of the merge request's project), and finished strictly inside the bounds.
func (f projectMergeRequestFilter) matches(p *project, mr *mergeRequest) bool {
	switch {
	case !f.mergeRequestFilter.matches(mr),
		f.mergedAfter != nil && (mr.mergedAt == nil || mr.mergedAt.Before(*f.mergedAfter)),
		f.mergedBefore != nil && (mr.mergedAt == nil || mr.mergedAt.After(*f.mergedBefore)),
		f.mergeUserID != nil && (mr.mergeUser == nil || mr.mergeUser.id != *f.mergeUserID),
		f.mergeUsername != nil && (mr.mergeUser == nil || mr.mergeUser.username != *f.mergeUsername),
		f.iids != nil && !slices.Contains(f.iids, mr.iid):
		return false
	case f.environment == nil && f.deployedAfter == nil && f.deployedBefore == nil:
		return true
	}
	return slices.ContainsFunc(p.deployments, func(d *deployment) bool {
		switch {
		case !slices.Contains(d.mrs, mr),
			f.environment != nil && d.env.name != *f.environment,
			f.deployedAfter != nil && (d.finishedAt == nil || !d.finishedAt.After(*f.deployedAfter)),
			f.deployedBefore != nil && (d.finishedAt == nil || !d.finishedAt.Before(*f.deployedBefore)):
			return false
		}
		return true
	})
}

// GET /projects/:id/merge_requests (DESIGN.md §A15).
func handleListMergeRequests(c *call) reply {
	if rep := c.authenticate(authOptional); rep != nil {
		return *rep
	}
	g := c.grape()
	f, pg := g.projectMergeRequestFilter()
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, rep := c.findReadableProject()
	if rep != nil {
		return *rep
	}
	var mrs []*mergeRequest
	for _, mr := range p.mergeRequests {
		if f.matches(p, mr) {
			mrs = append(mrs, mr)
		}
	}
	slices.SortFunc(mrs, f.compare)
	from, to, h := c.paginate(len(mrs), pg, map[string]string{
		"state": "all", "order_by": "created_at", "sort": "desc",
		"with_labels_details": "false", "with_merge_status_recheck": "false",
	})
	out := make([]mergeRequestJSON, 0, to-from)
	for _, mr := range mrs[from:to] {
		out = append(out, c.mergeRequestJSON(p, mr))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}
