package gitlabapi

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// projectCache remembers the projects GitLab has named, by numeric id and by lower-cased full
// path, so that a client asks about each project at most once (DESIGN.md §B2). A lookup that
// failed is remembered too: a CI job token cannot read projects, and asking again for each of a
// plan's resources would only repeat the refusal.
type projectCache struct {
	mu      sync.Mutex
	entries map[string]*projectEntry
}

type projectEntry struct {
	done    chan struct{} // closed once project and err are set
	project *Project
	err     error
}

func projectKey(project string) string { return strings.ToLower(project) }

// Project reads a project given by numeric id or full path, at most once per project for the
// life of the client; concurrent callers wait for the one request.
func (c *Client) Project(ctx context.Context, project string) (*Project, error) {
	key := projectKey(project)
	c.projects.mu.Lock()
	if c.projects.entries == nil {
		c.projects.entries = map[string]*projectEntry{}
	}
	e, found := c.projects.entries[key]
	if !found {
		e = &projectEntry{done: make(chan struct{})}
		c.projects.entries[key] = e
	}
	c.projects.mu.Unlock()
	if found {
		select {
		case <-e.done:
			return e.project, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	p, err := c.GetProject(ctx, project)
	c.projects.mu.Lock()
	defer c.projects.mu.Unlock()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// Only this caller gave up: the next one asks again.
		delete(c.projects.entries, key)
	} else if err == nil {
		// The other spelling of the same project needs no request either.
		other := strconv.FormatInt(p.ID, 10)
		if other == key {
			other = projectKey(p.PathWithNamespace)
		}
		if _, known := c.projects.entries[other]; !known {
			c.projects.entries[other] = e
		}
	}
	e.project, e.err = p, err
	close(e.done)
	return p, err
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
