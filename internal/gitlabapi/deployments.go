package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// CreateDeploymentOptions is the body of POST /projects/:id/deployments.
type CreateDeploymentOptions struct {
	Environment string `json:"environment"`
	Ref         string `json:"ref"`
	SHA         string `json:"sha"`
	Tag         bool   `json:"tag"`
	Status      string `json:"status"`
}

func deploymentPath(project string, id int64) string {
	return projectPath(project) + "/deployments/" + strconv.FormatInt(id, 10)
}

// GetDeployment reads one deployment with its approvals.
func (c *Client) GetDeployment(ctx context.Context, project string, id int64) (*Deployment, error) {
	var d Deployment
	if _, err := c.send(ctx, call{method: http.MethodGet, path: deploymentPath(project, id), out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateOutcome says what GitLab's answer to a create was.
type CreateOutcome int

const (
	// Recorded is a new deployment, made by this request.
	Recorded CreateOutcome = iota
	// ReturnedExisting is a deployment that existed before the request: GitLab records nothing
	// when a create repeats the environment's currently deployed deployment, and answers with
	// that one (DESIGN.md §B1).
	ReturnedExisting
	// ReturnedClaimed is an existing deployment that an earlier create of this client was
	// answered with, or adopted, already: two creates of one process share one deployment.
	ReturnedClaimed
)

// CreateDeployment records a deployment and says whether GitLab recorded a new one or answered
// with one it already had. When GitLab's answer is lost, it looks for the deployment the request
// made and adopts it rather than recording a second one; it sends the request again only when
// GitLab holds no such deployment.
func (c *Client) CreateDeployment(ctx context.Context, project string, opts CreateDeploymentOptions) (*Deployment, CreateOutcome, error) {
	var d Deployment
	guard := c.createGuard(project, opts)
	started := time.Now()
	var firstClaim, adoptedLost bool
	_, err := c.send(ctx, call{
		method: http.MethodPost, path: projectPath(project) + "/deployments", body: opts, out: &d,
		inFlightLock: guard,
		onSuccess:    func() { firstClaim = c.claim(d.ID) },
		settle: func(ctx context.Context) (bool, error) {
			// No create with these parameters may be awaiting its answer while we look: the
			// deployment it made would look like ours.
			guard.Lock()
			defer guard.Unlock()
			found, err := c.findCreated(ctx, project, opts, started)
			if found == nil || err != nil {
				return false, err
			}
			c.log(ctx, "adopted the deployment a create request recorded before its answer was lost",
				map[string]any{"deployment_id": found.ID})
			d, adoptedLost = *found, true
			return true, nil
		},
	})
	if errors.Is(err, ErrOutcomeUnknown) {
		return nil, Recorded, fmt.Errorf("%w. GitLab may hold a deployment to environment %q of project %s "+
			"(ref %q, sha %s, status %s) that Terraform does not track: look for it before applying again",
			err, opts.Environment, project, opts.Ref, opts.SHA, opts.Status)
	}
	if err != nil {
		return nil, Recorded, err
	}
	switch {
	case adoptedLost:
		// findCreated took only a deployment made since the request was sent.
		return &d, Recorded, nil
	case !firstClaim:
		return &d, ReturnedClaimed, nil
	case c.existedBefore(&d, started), c.madeByAnotherUser(ctx, &d):
		return &d, ReturnedExisting, nil
	}
	return &d, Recorded, nil
}

// madeByAnotherUser reports whether d, the answer to a create that its creation time cannot tell
// from a new deployment, was made by another user than the client's, so before the request
// (DESIGN.md §B18). Only a success asks, since only a success can be a repeat's answer.
func (c *Client) madeByAnotherUser(ctx context.Context, d *Deployment) bool {
	if d.Status != StatusSuccess {
		return false
	}
	u, err := c.CurrentUser(ctx)
	if err != nil {
		c.log(ctx, "could not tell whether the deployment a create was answered with is new: GitLab did not say "+
			"which user the client acts for", map[string]any{"deployment_id": d.ID, "error": err.Error()})
		return false
	}
	return d.User.ID != u.ID
}

// existedBefore reports whether GitLab's answer to a create sent at our time started is a
// deployment that GitLab held before: one a CI job made (a create through the API never makes
// one), or one created before the request by GitLab's clock, learnt from the Date header of its
// answers, this one included (DESIGN.md §B1).
func (c *Client) existedBefore(d *Deployment, started time.Time) bool {
	if d.CreatedByCI() {
		return true
	}
	since, known := c.clock.earliest(started)
	if !known {
		since = started.Add(-time.Minute) // a GitLab that sends no Date header
	}
	return d.CreatedAt.Before(since)
}

// createKey identifies the creates whose deployments look alike. Tag is left out: GitLab never
// shows it.
type createKey struct {
	project, environment, ref, sha, status string
}

func (c *Client) createGuard(project string, opts CreateDeploymentOptions) *sync.RWMutex {
	key := createKey{project, opts.Environment, opts.Ref, opts.SHA, opts.Status}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.createGuards[key]
	if g == nil {
		g = &sync.RWMutex{}
		c.createGuards[key] = g
	}
	return g
}

// Claim marks a deployment as held by one writer of this process (the answer to a create, or a
// resource that changes it); it reports false when another holds it already (DESIGN.md §B1).
func (c *Client) Claim(id int64) bool { return c.claim(id) }

func (c *Client) claim(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claimed[id] {
		return false
	}
	c.claimed[id] = true
	return true
}

// findCreated returns, claimed, a deployment that a create request sent at our time started
// recorded, or nil when GitLab holds none: one created through the API since then by GitLab's
// clock, with the request's parameters, that no other create of this process holds.
func (c *Client) findCreated(ctx context.Context, project string, opts CreateDeploymentOptions, started time.Time) (*Deployment, error) {
	// "Since" is by GitLab's clock, learnt from the Date header of its answers. Until one has
	// shown it, ask for a day's deployments; this very answer then shows it.
	since, known := c.clock.earliest(started)
	if !known {
		since = started.Add(-24 * time.Hour)
	}
	list, err := c.ListDeployments(ctx, project, ListDeploymentsOptions{
		Environment: opts.Environment, OrderBy: "updated_at", Sort: "asc", UpdatedAfter: &since,
	})
	if err != nil {
		return nil, err
	}
	if since, known = c.clock.earliest(started); !known {
		since = started.Add(-time.Minute) // a GitLab that sends no Date header
	}
	// Oldest first: a newer match may be the only one recent enough for a create that started
	// later and has lost its answer too.
	for i := range list {
		d := &list[i]
		if d.CreatedAt.Before(since) || d.Ref != opts.Ref || d.SHA != opts.SHA || d.Status != opts.Status || d.CreatedByCI() {
			continue
		}
		if c.claim(d.ID) {
			return c.GetDeployment(ctx, project, d.ID)
		}
	}
	return nil, nil
}

// CurrentDeployment returns the id of the deployment currently deployed to an environment, the
// one GitLab refuses to delete: its successful deployment that finished last. It returns 0 when
// the environment has no successful deployment (or does not exist). One request.
func (c *Client) CurrentDeployment(ctx context.Context, project, environment string) (int64, error) {
	list, err := c.ListDeployments(ctx, project, ListDeploymentsOptions{
		Environment: environment, Status: StatusSuccess, OrderBy: "finished_at", Sort: "desc", MaxResults: 1,
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	return list[0].ID, nil
}

// UpdateDeploymentStatus moves a deployment to status. When GitLab's answer is lost, it reads the
// deployment rather than repeat the change, which GitLab would refuse once applied.
func (c *Client) UpdateDeploymentStatus(ctx context.Context, project string, id int64, status string) (*Deployment, error) {
	var d Deployment
	_, err := c.send(ctx, call{
		method: http.MethodPut, path: deploymentPath(project, id), out: &d,
		body: struct {
			Status string `json:"status"`
		}{status},
		settle: func(ctx context.Context) (bool, error) {
			current, err := c.GetDeployment(ctx, project, id)
			if err != nil || current.Status != status {
				return false, err
			}
			d = *current
			return true, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteDeployment deletes a deployment. One already gone counts as deleted.
func (c *Client) DeleteDeployment(ctx context.Context, project string, id int64) error {
	_, err := c.send(ctx, call{
		method: http.MethodDelete, path: deploymentPath(project, id),
		settle: func(ctx context.Context) (bool, error) {
			_, err := c.GetDeployment(ctx, project, id)
			if errors.Is(err, ErrRecordNotFound) {
				return true, nil
			}
			return false, err
		},
	})
	if errors.Is(err, ErrRecordNotFound) {
		return nil
	}
	return err
}

// ListDeploymentMergeRequests lists the merge requests shipped with a deployment.
func (c *Client) ListDeploymentMergeRequests(ctx context.Context, project string, id int64) ([]MergeRequest, error) {
	return listAll[MergeRequest](ctx, c, deploymentPath(project, id)+"/merge_requests", nil, 0)
}

// GetProject reads a project; the provider uses it to tell a deleted deployment from a project
// that is gone or out of reach.
func (c *Client) GetProject(ctx context.Context, project string) (*Project, error) {
	var p Project
	if _, err := c.send(ctx, call{method: http.MethodGet, path: projectPath(project), out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// TagExists reports whether the project's repository has a tag of that name.
func (c *Client) TagExists(ctx context.Context, project, name string) (bool, error) {
	_, err := c.send(ctx, call{method: http.MethodGet, path: projectPath(project) + "/repository/tags/" + pathEscape(name)})
	if errors.Is(err, ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}
