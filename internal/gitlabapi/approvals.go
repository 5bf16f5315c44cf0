package gitlabapi

import (
	"context"
	"fmt"
	"net/http"
)

// ApprovalOptions is the body of POST .../deployments/:deployment_id/approval.
type ApprovalOptions struct {
	Status        string  `json:"status"`
	Comment       *string `json:"comment,omitempty"`
	RepresentedAs *string `json:"represented_as,omitempty"`
}

// ApproveDeployment posts an approval or rejection and returns GitLab's answer, which names the
// user the decision was recorded for. When the answer is lost, it reads the deployment: once the
// deployment no longer waits, GitLab refuses every further decision.
func (c *Client) ApproveDeployment(ctx context.Context, project string, id int64, opts ApprovalOptions, userID int64) (*Approval, error) {
	for attempt := 0; ; attempt++ {
		var a Approval
		_, err := c.send(ctx, call{method: http.MethodPost, path: deploymentPath(project, id) + "/approval", opt: opts, out: &a})
		if err == nil {
			return &a, nil
		}
		if !outcomeUnknown(err) {
			return nil, err
		}
		d, getErr := c.GetDeployment(ctx, project, id)
		if getErr != nil {
			return nil, fmt.Errorf("%w; reading the deployment afterwards also failed: %v", err, getErr)
		}
		if userID != 0 {
			for i := range d.Approvals {
				if d.Approvals[i].User.ID == userID && d.Approvals[i].Status == opts.Status {
					return &d.Approvals[i], nil
				}
			}
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, fmt.Errorf("gave up after %d tries: %w", attempt+1, err)
		}
	}
}
