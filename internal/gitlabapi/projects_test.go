package gitlabapi

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

const routeProject = "GET /api/v4/projects/:id"

// TestProject_onceAcrossCallersAndSpellings: 20 concurrent callers, the path in another case and
// the numeric id all share one request.
func TestProject_onceAcrossCallersAndSpellings(t *testing.T) {
	t.Parallel()
	srv := fakegitlab.NewTestServer(t, fakeSeed(1), fakegitlab.Options{})
	c := newFakeClient(t, srv)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if id, err := c.ProjectID(ctx, fakeProject); err != nil || id != 1 {
				t.Errorf("ProjectID(%q) = %d, %v; want 1", fakeProject, id, err)
			}
		})
	}
	wg.Wait()
	for _, spelling := range []string{"ACME/App", "1"} {
		p, err := c.Project(ctx, spelling)
		if err != nil || p.ID != 1 || p.PathWithNamespace != fakeProject {
			t.Errorf("Project(%q) = %+v, %v; want id 1, path %s", spelling, p, err, fakeProject)
		}
	}
	if got := srv.Stats().ByRoute[routeProject]; got != 1 {
		t.Errorf("sent %d project requests, want 1", got)
	}
}

// TestProject_failureRemembered: a project GitLab does not show is asked about once; a numeric
// id never.
func TestProject_failureRemembered(t *testing.T) {
	t.Parallel()
	srv := fakegitlab.NewTestServer(t, fakeSeed(1), fakegitlab.Options{})
	c := newFakeClient(t, srv)
	ctx := context.Background()
	for range 3 {
		if _, err := c.ProjectID(ctx, "acme/gone"); !errors.Is(err, ErrProjectNotFound) {
			t.Errorf("ProjectID(acme/gone) error = %v, want ErrProjectNotFound", err)
		}
	}
	if id, err := c.ProjectID(ctx, "42"); err != nil || id != 42 {
		t.Errorf("ProjectID(42) = %d, %v; want 42 without asking", id, err)
	}
	if got := srv.Stats().ByRoute[routeProject]; got != 1 {
		t.Errorf("sent %d project requests, want 1", got)
	}
}

// TestProject_canceledCallerNotRemembered: a caller that gives up leaves no failure behind.
func TestProject_canceledCallerNotRemembered(t *testing.T) {
	t.Parallel()
	srv := fakegitlab.NewTestServer(t, fakeSeed(1), fakegitlab.Options{})
	c := newFakeClient(t, srv)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Project(canceled, fakeProject); err == nil {
		t.Fatal("a canceled lookup succeeded")
	}
	if p, err := c.Project(context.Background(), fakeProject); err != nil || p.ID != 1 {
		t.Errorf("lookup after a canceled one = %+v, %v; want project 1", p, err)
	}
}
