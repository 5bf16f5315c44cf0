package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// perDeploymentReads bounds the deployments whose includes are read at once (DESIGN.md §B31).
const perDeploymentReads = 8

// deploymentRead is what the includes read for one listed deployment.
type deploymentRead struct {
	deployment    *gitlabapi.Deployment // as GET answers it, with approvals; nil without include_approvals
	mergeRequests []gitlabapi.MergeRequest
	deleted       bool // GitLab no longer has it
}

// readIncludes reads, for each listed deployment and up to perDeploymentReads at once, the
// deployment with its approvals and the merge requests it shipped, as asked. Results keep the
// list's order. A deployment deleted since it was listed reads as deleted; any other failure
// stops every read, and the error names the deployment.
func readIncludes(ctx context.Context, client *gitlabapi.Client, project string, list []gitlabapi.Deployment,
	withApprovals, withMergeRequests bool,
) ([]deploymentRead, error) {
	reads := make([]deploymentRead, len(list))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		failure error
		wg      sync.WaitGroup
		slots   = make(chan struct{}, perDeploymentReads)
	)
	fail := func(id int64, what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil { // later errors may only echo the cancellation
			failure = fmt.Errorf("%s of %s: %w", what, deploymentSubject(project, id), err)
			cancel()
		}
	}
	for i := range list {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			id, r := list[i].ID, &reads[i]
			var err error
			if withApprovals {
				r.deployment, err = client.GetDeployment(ctx, project, id)
				if errors.Is(err, gitlabapi.ErrRecordNotFound) {
					r.deleted = true
					return
				}
				if err != nil {
					fail(id, "reading the approvals", err)
					return
				}
			}
			if withMergeRequests {
				if r.mergeRequests, err = client.ListDeploymentMergeRequests(ctx, project, id); err != nil {
					fail(id, "reading the merge requests", err)
				}
			}
		}()
	}
	wg.Wait()
	if failure == nil {
		failure = ctx.Err()
	}
	return reads, failure
}

// deletedWarning names the listed deployments that were deleted before their read.
func deletedWarning(project string, list []gitlabapi.Deployment, reads []deploymentRead) diag.Diagnostics {
	var names []string
	for i := range reads {
		if reads[i].deleted {
			names = append(names, fmt.Sprintf("%d (#%d)", list[i].ID, list[i].IID))
		}
	}
	var diags diag.Diagnostics
	if len(names) > 0 {
		diags.AddWarning("Deployments Deleted While Reading",
			fmt.Sprintf("Project %q listed deployments %s, but GitLab had deleted them when their approvals were read; "+
				"they are left out of \"deployments\". Read again to see the project's deployments as they are now.",
				project, strings.Join(names, ", ")))
	}
	return diags
}
