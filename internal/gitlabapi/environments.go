package gitlabapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Environment states (DESIGN.md §A14).
const (
	EnvironmentAvailable = "available"
	EnvironmentStopping  = "stopping"
	EnvironmentStopped   = "stopped"
)

// The environments requests use client-go's Environment and option types, but go through send like
// every other request, for its logging, retries and settling of lost answers (DESIGN.md §B27).

func environmentPath(project string, id int64) string {
	return fmt.Sprintf("%s/environments/%d", projectPath(project), id)
}

// FindEnvironment returns the project's environment of exactly that name, or nil when it has none.
// One request: GitLab's name filter matches at most one.
func (c *Client) FindEnvironment(ctx context.Context, project, name string) (*gitlab.Environment, error) {
	var list []*gitlab.Environment
	_, err := c.send(ctx, call{
		method: http.MethodGet, path: projectPath(project) + "/environments",
		query: url.Values{"name": {name}}, out: &list,
	})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		if e.Name == name {
			return e, nil
		}
	}
	return nil, nil
}

// GetEnvironment reads one environment.
func (c *Client) GetEnvironment(ctx context.Context, project string, id int64) (*gitlab.Environment, error) {
	var e gitlab.Environment
	if _, err := c.send(ctx, call{method: http.MethodGet, path: environmentPath(project, id), out: &e}); err != nil {
		return nil, err
	}
	return &e, nil
}

// StopEnvironment stops an environment: it becomes stopped, or stopping while its on_stop jobs
// run; force marks it stopped without running them. A lost answer is settled by reading the
// environment: one no longer available was stopped.
func (c *Client) StopEnvironment(ctx context.Context, project string, id int64, force bool) (*gitlab.Environment, error) {
	var e gitlab.Environment
	_, err := c.send(ctx, call{
		method: http.MethodPost, path: environmentPath(project, id) + "/stop",
		body: gitlab.StopEnvironmentOptions{Force: gitlab.Ptr(force)}, out: &e,
		settle: func(ctx context.Context) (bool, error) {
			current, err := c.GetEnvironment(ctx, project, id)
			if err != nil || current.State == EnvironmentAvailable || (force && current.State != EnvironmentStopped) {
				return false, err
			}
			e = *current
			return true, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}
