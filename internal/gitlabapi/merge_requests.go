package gitlabapi

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// ListMergeRequestsOptions are the filters and order of GET /projects/:id/merge_requests
// (DESIGN.md §A15). Empty fields are left out.
type ListMergeRequestsOptions struct {
	Environment       string
	DeployedAfter     *time.Time
	DeployedBefore    *time.Time
	State             string
	OrderBy           string
	Sort              string
	Labels            []string
	AuthorUsername    string
	MergeUserUsername string
	SourceBranch      string
	TargetBranch      string
	Search            string
	// MaxResults stops reading once that many are read; zero reads every page.
	MaxResults int
}

func (o ListMergeRequestsOptions) query() url.Values {
	q := url.Values{}
	for key, value := range map[string]string{
		"environment": o.Environment, "state": o.State, "order_by": o.OrderBy, "sort": o.Sort,
		"labels": strings.Join(o.Labels, ","), "author_username": o.AuthorUsername,
		"merge_user_username": o.MergeUserUsername, "source_branch": o.SourceBranch,
		"target_branch": o.TargetBranch, "search": o.Search,
	} {
		if value != "" {
			q.Set(key, value)
		}
	}
	for key, t := range map[string]*time.Time{"deployed_after": o.DeployedAfter, "deployed_before": o.DeployedBefore} {
		if t != nil {
			q.Set(key, t.UTC().Format(time.RFC3339Nano))
		}
	}
	return q
}

// ListMergeRequests reads a project's merge requests in GitLab's order, every page (up to
// PageConcurrency at once) or up to MaxResults.
func (c *Client) ListMergeRequests(ctx context.Context, project string, opts ListMergeRequestsOptions) ([]MergeRequest, error) {
	return listAll[MergeRequest](ctx, c, projectPath(project)+"/merge_requests", opts.query(), opts.MaxResults)
}
