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

func TestClientProtectedEnvironmentsAndApprovals(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	gl := client(t, srv, "mae-token")
	pe, _, err := gl.ProtectedEnvironments.ProtectRepositoryEnvironments("acme/app", &gitlab.ProtectRepositoryEnvironmentsOptions{
		Name: gitlab.Ptr("review/app"),
		DeployAccessLevels: &[]*gitlab.EnvironmentAccessOptions{
			{AccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions)},
			{UserID: gitlab.Ptr[int64](6)}, // not a member: dropped silently
		},
		ApprovalRules: &[]*gitlab.EnvironmentApprovalRuleOptions{
			{GroupID: gitlab.Ptr[int64](134), RequiredApprovalCount: gitlab.Ptr[int64](1)},
			{AccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions), AccessLevelDescription: gitlab.Ptr("ignored")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pe.DeployAccessLevels) != 1 || len(pe.ApprovalRules) != 2 || pe.ApprovalRules[0].AccessLevelDescription != "security-group" ||
		pe.ApprovalRules[1].RequiredApprovalCount != 1 {
		t.Errorf("created %+v", pe)
	}
	pe, _, err = gl.ProtectedEnvironments.UpdateProtectedEnvironments("acme/app", "review/app", &gitlab.UpdateProtectedEnvironmentsOptions{
		ApprovalRules: &[]*gitlab.UpdateEnvironmentApprovalRuleOptions{{ID: gitlab.Ptr(pe.ApprovalRules[1].ID), Destroy: gitlab.Ptr(true)}},
	})
	if err != nil || len(pe.ApprovalRules) != 1 {
		t.Fatalf("update: %v %+v", err, pe)
	}
	list, _, err := gl.ProtectedEnvironments.ListProtectedEnvironments(1, nil)
	if err != nil || len(list) != 4 || list[2].Name != "review/app" {
		t.Errorf("list: %v %d", err, len(list))
	}

	d, _, err := gl.Deployments.CreateProjectDeployment(1, &gitlab.CreateProjectDeploymentOptions{
		Environment: gitlab.Ptr("review/app"), Ref: gitlab.Ptr("main"), SHA: gitlab.Ptr("main"), Tag: gitlab.Ptr(false),
		Status: gitlab.Ptr(gitlab.DeploymentStatusRunning),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, srv, "sam-token").Deployments.ApproveOrRejectProjectDeployment(1, d.ID, &gitlab.ApproveOrRejectProjectDeploymentOptions{
		Status: gitlab.Ptr(gitlab.DeploymentApprovalStatusApproved), Comment: gitlab.Ptr("fine"), RepresentedAs: gitlab.Ptr("security"),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = client(t, srv, "max-token").Deployments.ApproveOrRejectProjectDeployment(1, d.ID, &gitlab.ApproveOrRejectProjectDeploymentOptions{
		Status: gitlab.Ptr(gitlab.DeploymentApprovalStatusApproved),
	})
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) || er.Message != "{message: This deployment is not waiting for approvals.}" {
		t.Errorf("approving a satisfied deployment: %v", err)
	}

	if _, err := gl.ProtectedEnvironments.UnprotectEnvironment(1, "review/app"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gl.ProtectedEnvironments.GetProtectedEnvironment(1, "review/app"); !errors.Is(err, gitlab.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
}
