package gitlabapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const perPage = 100

// ListDeploymentsOptions are the filters and order of GET /projects/:id/deployments.
type ListDeploymentsOptions struct {
	Environment    string
	Status         string
	OrderBy        string
	Sort           string
	UpdatedAfter   *time.Time
	UpdatedBefore  *time.Time
	FinishedAfter  *time.Time
	FinishedBefore *time.Time
	// MaxResults stops reading once that many are read; zero reads every page.
	MaxResults int
}

func (o ListDeploymentsOptions) query() url.Values {
	q := url.Values{}
	set := func(key, value string) {
		if value != "" {
			q.Set(key, value)
		}
	}
	setTime := func(key string, t *time.Time) {
		if t != nil {
			q.Set(key, t.UTC().Format(time.RFC3339Nano))
		}
	}
	set("environment", o.Environment)
	set("status", o.Status)
	set("order_by", o.OrderBy)
	set("sort", o.Sort)
	setTime("updated_after", o.UpdatedAfter)
	setTime("updated_before", o.UpdatedBefore)
	setTime("finished_after", o.FinishedAfter)
	setTime("finished_before", o.FinishedBefore)
	return q
}

// ListDeployments reads deployments in GitLab's order, every page or up to MaxResults.
func (c *Client) ListDeployments(ctx context.Context, project string, opts ListDeploymentsOptions) ([]Deployment, error) {
	return listAll[Deployment](ctx, c, projectPath(project)+"/deployments", opts.query(), opts.MaxResults)
}

// pageQuery carries a page request's query through client-go, which encodes GET options with
// go-querystring.
type pageQuery struct {
	values url.Values
}

// EncodeValues implements query.Encoder.
func (p pageQuery) EncodeValues(_ string, v *url.Values) error {
	for key, values := range p.values {
		(*v)[key] = values
	}
	return nil
}

type pageOptions struct {
	Query pageQuery `url:"q"`
}

func (c *Client) fetchPage(ctx context.Context, path string, q url.Values, page int, out any) (*gitlab.Response, error) {
	values := url.Values{}
	for k, v := range q {
		values[k] = v
	}
	values.Set("per_page", strconv.Itoa(perPage))
	values.Set("page", strconv.Itoa(page))
	return c.send(ctx, call{method: http.MethodGet, path: path, opt: pageOptions{Query: pageQuery{values}}, out: out})
}

// listAll reads page 1, then the pages GitLab says are left, several at once, keeping GitLab's
// order. Past 10,000 items GitLab stops counting; then it reads waves of pages until one comes
// back short.
func listAll[T any](ctx context.Context, c *Client, path string, q url.Values, maxResults int) ([]T, error) {
	var first []T
	resp, err := c.fetchPage(ctx, path, q, 1, &first)
	if err != nil {
		return nil, err
	}
	items := first
	if len(first) < perPage || (maxResults > 0 && len(items) >= maxResults) {
		return truncate(items, maxResults), nil
	}
	lastPage := 0 // unknown
	if resp.TotalPages > 0 {
		lastPage = int(resp.TotalPages)
	}
	if maxResults > 0 {
		needed := (maxResults + perPage - 1) / perPage
		if lastPage == 0 || needed < lastPage {
			lastPage = needed
		}
	}
	for next := 2; lastPage == 0 || next <= lastPage; {
		wave := c.cfg.PageConcurrency
		if lastPage > 0 {
			wave = min(wave, lastPage-next+1)
		}
		pages := make([][]T, wave)
		errs := make([]error, wave)
		var wg sync.WaitGroup
		for i := range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.fetchPage(ctx, path, q, next+i, &pages[i])
			}()
		}
		wg.Wait()
		for i := range wave {
			if errs[i] != nil {
				return nil, errs[i]
			}
			items = append(items, pages[i]...)
			if len(pages[i]) < perPage || (maxResults > 0 && len(items) >= maxResults) {
				return truncate(items, maxResults), nil
			}
		}
		next += wave
	}
	return truncate(items, maxResults), nil
}

func truncate[T any](items []T, maxResults int) []T {
	if maxResults > 0 && len(items) > maxResults {
		return items[:maxResults]
	}
	return items
}

func pathEscape(s string) string { return gitlab.PathEscape(s) }
