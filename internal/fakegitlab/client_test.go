package fakegitlab

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The provider talks to GitLab through client-go; these tests drive the fake the same way.

func TestClientListsEveryPageThroughLinks(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	gl := client(t, srv, "rita-token")
	var ids []int64
	for d, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Deployment, *gitlab.Response, error) {
		return gl.Deployments.ListProjectDeployments("acme/app", &gitlab.ListProjectDeploymentsOptions{
			ListOptions: gitlab.ListOptions{PerPage: 2},
			OrderBy:     gitlab.Ptr("updated_at"), Sort: gitlab.Ptr("desc"),
			UpdatedAfter: gitlab.Ptr(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)),
		}, p)
	}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if want := []int64{7, 6, 5, 4, 3, 2}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if got := srv.Stats().ByRoute["GET /api/v4/projects/:id/deployments"]; got != 3 {
		t.Errorf("pages fetched = %d, want 3", got)
	}
}

func TestClientReadsPaginationHeaders(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	_, resp, err := client(t, srv, "rita-token").Deployments.ListProjectDeployments(1,
		&gitlab.ListProjectDeploymentsOptions{ListOptions: gitlab.ListOptions{PerPage: 3, Page: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.TotalItems != 7 || resp.TotalPages != 3 || resp.CurrentPage != 2 || resp.NextPage != 3 || resp.PreviousPage != 1 || resp.ItemsPerPage != 3 {
		t.Errorf("pagination = %+v", resp)
	}
}

func TestClientDeploymentLifecycle(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	gl := client(t, srv, "mae-token")
	d, _, err := gl.Deployments.CreateProjectDeployment("acme/app", &gitlab.CreateProjectDeploymentOptions{
		Environment: gitlab.Ptr("review/login"), Ref: gitlab.Ptr("main"), SHA: gitlab.Ptr("a91957a858320c0e17f3a0eca7cfacbff50ea29a"),
		Tag: gitlab.Ptr(false), Status: gitlab.Ptr(gitlab.DeploymentStatusRunning),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != 8 || d.IID != 8 || d.Status != "running" || d.Environment.Name != "review/login" || d.Deployable.ID != 0 || d.User.Username != "mae" {
		t.Errorf("created %+v", d)
	}
	if d.CreatedAt == nil || d.CreatedAt.Before(testEpoch) {
		t.Errorf("created_at = %v, want on or after %v", d.CreatedAt, testEpoch)
	}
	d, _, err = gl.Deployments.UpdateProjectDeployment("acme/app", d.ID, &gitlab.UpdateProjectDeploymentOptions{Status: gitlab.Ptr(gitlab.DeploymentStatusSuccess)})
	if err != nil || d.Status != "success" {
		t.Fatalf("update: %v, %+v", err, d)
	}
	_, _, err = gl.Deployments.UpdateProjectDeployment("acme/app", d.ID, &gitlab.UpdateProjectDeploymentOptions{Status: gitlab.Ptr(gitlab.DeploymentStatusRunning)})
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != http.StatusBadRequest || er.Message != `{message: {status: [cannot transition via "run"]}}` {
		t.Errorf("running again: %v", err)
	}
	if _, err := gl.Deployments.DeleteProjectDeployment("acme/app", d.ID); !gitlab.HasStatusCode(err, http.StatusBadRequest) {
		t.Errorf("deleting the current deployment: %v", err)
	}
	if _, err := gl.Deployments.DeleteProjectDeployment("acme/app", 2); err != nil {
		t.Errorf("deleting an old one: %v", err)
	}
	if _, _, err := gl.Deployments.GetProjectDeployment("acme/app", 2); !errors.Is(err, gitlab.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	got, _, err := gl.Deployments.GetProjectDeployment(1, 4)
	if err != nil || got.Deployable.ID == 0 || got.Deployable.Status != "manual" || got.Status != "blocked" {
		t.Errorf("CI-created deployment: %v %+v", err, got)
	}
}

func TestClientSeesErrorBodiesVerbatim(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	_, _, err := client(t, srv, "mae-token").Deployments.CreateProjectDeployment(1, &gitlab.CreateProjectDeploymentOptions{
		Environment: gitlab.Ptr("staging"), Ref: gitlab.Ptr("main"), SHA: gitlab.Ptr(""), Tag: gitlab.Ptr(false), Status: gitlab.Ptr(gitlab.DeploymentStatusRunning),
	})
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) || er.Message != "{error: sha is empty}" {
		t.Errorf("err = %v", err)
	}
}
