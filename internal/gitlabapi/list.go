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

func (c *Client) fetchPage(ctx context.Context, path string, q url.Values, page, size int, out any) (*gitlab.Response, error) {
	values := url.Values{}
	for k, v := range q {
		values[k] = v
	}
	values.Set("per_page", strconv.Itoa(size))
	values.Set("page", strconv.Itoa(page))
	return c.send(ctx, call{method: http.MethodGet, path: path, query: values, out: out})
}

// listAll reads page 1, then the other pages, up to PageConcurrency at once, and returns the
// items in GitLab's order. The last page is the one GitLab's X-Total-Pages names, the last one
// MaxResults needs, or the first page that comes back short; past 10,000 items GitLab stops
// counting, so then a few pages beyond the end may be asked for, and a failure of one of those
// is no failure of the list. A page up to the end that failed, or was canceled by another's
// failure, fails the list: it never comes back shorter. Fewer than a page's worth of
// MaxResults are asked for as one page of that size.
func listAll[T any](ctx context.Context, c *Client, path string, q url.Values, maxResults int) ([]T, error) {
	var first []T
	if maxResults > 0 && maxResults < perPage {
		_, err := c.fetchPage(ctx, path, q, 1, maxResults, &first)
		return truncate(first, maxResults), err
	}
	resp, err := c.fetchPage(ctx, path, q, 1, perPage, &first)
	if err != nil {
		return nil, err
	}
	if len(first) < perPage || (maxResults > 0 && len(first) >= maxResults) {
		return truncate(first, maxResults), nil
	}
	last := int(resp.TotalPages) // 0: unknown
	if maxResults > 0 {
		needed := (maxResults + perPage - 1) / perPage
		if last == 0 || needed < last {
			last = needed
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		pages   = map[int][]T{1: first}
		next    = 2
		end     = last // the last page, once known
		failure error  // the first page's failure; later ones may be its cancellation's echo
		wg      sync.WaitGroup
	)
	worker := func() {
		defer wg.Done()
		for {
			mu.Lock()
			if failure != nil || (end > 0 && next > end) {
				mu.Unlock()
				return
			}
			page := next
			next++
			mu.Unlock()

			var items []T
			_, err := c.fetchPage(ctx, path, q, page, perPage, &items)
			if c.pageFetched != nil {
				c.pageFetched(page)
			}

			mu.Lock()
			switch {
			case end > 0 && page > end:
				// Beyond the end: whatever it brought is not needed.
			case err != nil:
				if failure == nil {
					failure = err
				}
				cancel()
			default:
				pages[page] = items
				if len(items) < perPage {
					end = page
				}
			}
			mu.Unlock()
		}
	}
	workers := c.cfg.PageConcurrency
	if last > 0 {
		workers = min(workers, last-1)
	}
	for range workers {
		wg.Add(1)
		go worker()
	}
	wg.Wait()
	items := make([]T, 0, len(pages)*perPage)
	for page := 1; page <= end; page++ {
		got, ok := pages[page]
		if !ok {
			// It failed, or another page's failure canceled it: the first failure is the cause.
			return nil, failure
		}
		items = append(items, got...)
	}
	if end == 0 { // the end never showed: a page failed first
		return nil, failure
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
