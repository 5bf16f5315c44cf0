package gitlabapi

import (
	"context"
	"net/http"
	"net/url"
)

// CheckProjectReadable asks GitLab for one deployment of the project: nil means the project
// exists and the caller may read its deployments. Unlike GET /projects/:id it works with a CI
// job token, so it can tell a deleted deployment from a project that is gone or out of reach.
func (c *Client) CheckProjectReadable(ctx context.Context, project string) error {
	var page []Deployment
	_, err := c.send(ctx, call{
		method: http.MethodGet,
		path:   projectPath(project) + "/deployments",
		query:  url.Values{"per_page": {"1"}},
		out:    &page,
	})
	return err
}
