package gitlabapi

import (
	"context"
	"strconv"
	"strings"
)

// Project reads a project given by numeric id or full path, at most once per project for the
// life of the client (DESIGN.md §B2); concurrent callers wait for the one request. GitLab's
// refusal to show a project is kept too: a CI job token cannot read projects, and asking again
// for each of a plan's resources would only repeat it. Paths are case-insensitive in GitLab.
func (c *Client) Project(ctx context.Context, project string) (*Project, error) {
	key := strings.ToLower(project)
	return c.projects.Get(ctx, key, func(ctx context.Context) (*Project, error) { return c.GetProject(ctx, project) },
		// The other spelling of the same project needs no request either.
		func(p *Project) string {
			if other := strconv.FormatInt(p.ID, 10); other != key {
				return other
			}
			return strings.ToLower(p.PathWithNamespace)
		})
}

// ProjectID is the numeric id of a project given by numeric id or full path; a numeric id needs
// no request, a path at most one per client (see Project).
func (c *Client) ProjectID(ctx context.Context, project string) (int64, error) {
	if id, err := strconv.ParseInt(project, 10, 64); err == nil {
		return id, nil
	}
	p, err := c.Project(ctx, project)
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}
