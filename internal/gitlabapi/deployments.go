package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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

// CreateDeployment records a deployment. When GitLab's answer is lost, it looks for the
// deployment the request made and adopts it rather than recording a second one.
func (c *Client) CreateDeployment(ctx context.Context, project string, opts CreateDeploymentOptions) (*Deployment, error) {
	for attempt := 0; ; attempt++ {
		started := time.Now()
		var d Deployment
		_, err := c.send(ctx, call{method: http.MethodPost, path: projectPath(project) + "/deployments", opt: opts, out: &d})
		if err == nil {
			c.claim(d.ID)
			return &d, nil
		}
		if !outcomeUnknown(err) {
			return nil, err
		}
		found, findErr := c.findCreated(ctx, project, opts, started)
		if findErr != nil {
			return nil, fmt.Errorf("%w; looking for the deployment it may have recorded also failed (%v): "+
				"check environment %q of project %s before applying again", err, findErr, opts.Environment, project)
		}
		if found != nil {
			c.log(ctx, "adopted the deployment a lost create request recorded", map[string]any{"deployment_id": found.ID})
			return found, nil
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, fmt.Errorf("gave up after %d tries: %w", attempt+1, err)
		}
		c.log(ctx, "create request failed and recorded nothing; sending it again", map[string]any{"attempt": attempt + 1})
	}
}

// findCreated returns the newest unclaimed deployment matching a create request sent at or
// after started, or nil when GitLab holds none.
func (c *Client) findCreated(ctx context.Context, project string, opts CreateDeploymentOptions, started time.Time) (*Deployment, error) {
	// Clocks differ; a minute of slack still excludes deployments from earlier applies of the
	// same release in practice, and claims exclude this process's own.
	since := started.Add(-time.Minute)
	list, err := c.ListDeployments(ctx, project, ListDeploymentsOptions{
		Environment: opts.Environment, OrderBy: "id", Sort: "desc", MaxResults: 100,
	})
	if err != nil {
		return nil, err
	}
	for i := range list {
		d := &list[i]
		if d.CreatedAt.Before(since) {
			break
		}
		if d.Ref == opts.Ref && d.SHA == opts.SHA && d.Status == opts.Status && d.Deployable == nil && c.claim(d.ID) {
			return c.GetDeployment(ctx, project, d.ID)
		}
	}
	return nil, nil
}

// UpdateDeploymentStatus moves a deployment to status. When GitLab's answer is lost, it reads the
// deployment: GitLab refuses a repeated change to the same status.
func (c *Client) UpdateDeploymentStatus(ctx context.Context, project string, id int64, status string) (*Deployment, error) {
	body := struct {
		Status string `json:"status"`
	}{status}
	for attempt := 0; ; attempt++ {
		var d Deployment
		_, err := c.send(ctx, call{method: http.MethodPut, path: deploymentPath(project, id), opt: body, out: &d})
		if err == nil {
			return &d, nil
		}
		if !outcomeUnknown(err) {
			return nil, err
		}
		current, getErr := c.GetDeployment(ctx, project, id)
		if getErr != nil {
			return nil, fmt.Errorf("%w; reading the deployment afterwards also failed: %v", err, getErr)
		}
		if current.Status == status {
			return current, nil
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, fmt.Errorf("gave up after %d tries: %w", attempt+1, err)
		}
	}
}

// DeleteDeployment deletes a deployment. One already gone counts as deleted.
func (c *Client) DeleteDeployment(ctx context.Context, project string, id int64) error {
	for attempt := 0; ; attempt++ {
		_, err := c.send(ctx, call{method: http.MethodDelete, path: deploymentPath(project, id)})
		if err == nil || errors.Is(err, ErrNotFound) {
			return nil
		}
		if !outcomeUnknown(err) {
			return err
		}
		if _, getErr := c.GetDeployment(ctx, project, id); errors.Is(getErr, ErrNotFound) {
			return nil
		} else if getErr != nil {
			return fmt.Errorf("%w; reading the deployment afterwards also failed: %v", err, getErr)
		}
		if attempt >= c.cfg.MaxRetries {
			return fmt.Errorf("gave up after %d tries: %w", attempt+1, err)
		}
	}
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
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func outcomeUnknown(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return te.sent
	}
	status := StatusCode(err)
	return status >= 500 && status != http.StatusNotImplemented
}
