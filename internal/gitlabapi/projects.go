package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// projectCache remembers the projects GitLab has named, by numeric id and by lower-cased full
// path, so that a client asks about each project at most once (DESIGN.md §B2). GitLab's refusal
// to show a project (404, 403) is remembered too: a CI job token cannot read projects, and asking
// again for each of a plan's resources would only repeat the refusal. Any other failure (a 5xx
// after the retries, an unreachable GitLab, a caller's cancellation) is not: the next caller asks
// again.
type projectCache struct {
	mu      sync.Mutex
	entries map[string]*projectEntry
	// onWait, set by tests only, is called when a caller starts waiting for another's lookup.
	onWait func()
}

type projectEntry struct {
	done    chan struct{} // closed once project, err and asker are set
	project *Project
	err     error
	// askerGaveUp is set when the caller that asked was canceled or ran out of time: that is
	// no answer for the callers that waited, which ask again with their own context.
	askerGaveUp bool
}

func projectKey(project string) string { return strings.ToLower(project) }

// keptProjectAnswer reports whether a lookup's outcome is GitLab's answer about the project,
// which asking again would only repeat.
func keptProjectAnswer(err error) bool {
	return err == nil || StatusCode(err) == http.StatusNotFound || StatusCode(err) == http.StatusForbidden
}

// Project reads a project given by numeric id or full path, at most once per project for the
// life of the client; concurrent callers wait for the one request and share its outcome, except
// the asker's own cancellation.
func (c *Client) Project(ctx context.Context, project string) (*Project, error) {
	for {
		p, again, err := c.projectOnce(ctx, project)
		if !again {
			return p, err
		}
	}
}

// projectOnce asks GitLab, or waits for the caller already asking; again is true when that
// caller gave up before GitLab answered.
func (c *Client) projectOnce(ctx context.Context, project string) (_ *Project, again bool, _ error) {
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
		if c.projects.onWait != nil {
			c.projects.onWait()
		}
		select {
		case <-e.done:
			return e.project, e.askerGaveUp, e.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}

	p, err := c.GetProject(ctx, project)
	c.projects.mu.Lock()
	defer c.projects.mu.Unlock()
	if !keptProjectAnswer(err) {
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
	e.askerGaveUp = errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	close(e.done)
	return p, false, err
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
