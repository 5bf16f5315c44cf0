package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
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

// TestProject_waiterKeepsItsOwnContext: a caller waiting for another caller's lookup gets the
// project when that caller gives up, not the other caller's cancellation (issue 18 item 13).
func TestProject_waiterKeepsItsOwnContext(t *testing.T) {
	t.Parallel()
	firstArrived := make(chan struct{})
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			close(firstArrived)
			hang(r)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": 1, "path_with_namespace": "acme/app"})
	})
	c := newTestClient(t, s.URL)
	waiting := make(chan struct{})
	c.projects.OnWait = func() { close(waiting) }

	firstCtx, cancelFirst := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.Project(firstCtx, "acme/app")
		firstDone <- err
	}()
	<-firstArrived
	waiterDone := make(chan struct{})
	var got *Project
	var gotErr error
	go func() {
		defer close(waiterDone)
		got, gotErr = c.Project(context.Background(), "acme/app")
	}()
	<-waiting
	cancelFirst()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the canceled caller got %v, want context.Canceled", err)
	}
	<-waiterDone
	if gotErr != nil || got == nil || got.ID != 1 {
		t.Errorf("the waiting caller got %+v, %v; want project 1: it did not cancel anything", got, gotErr)
	}
}

// TestProject_transientFailureNotRemembered: a lookup that fails with a server error after the
// retries is asked again by the next caller, so a GitLab that recovers is believed; a 403 is
// GitLab's answer about the project and is kept (issue 18 item 13).
func TestProject_transientFailureNotRemembered(t *testing.T) {
	t.Parallel()
	failing := true
	var mu sync.Mutex
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "secret"):
			writeMessage(w, http.StatusForbidden, "403 Forbidden")
		case failing:
			writeMessage(w, http.StatusServiceUnavailable, "503 Service Unavailable")
		default:
			writeJSON(w, http.StatusOK, map[string]any{"id": 1, "path_with_namespace": "acme/app"})
		}
	})
	c := newTestClient(t, s.URL, func(cfg *Config) { cfg.MaxRetries = 1 })
	ctx := context.Background()
	if _, err := c.Project(ctx, "acme/app"); !errors.Is(err, ErrServer) {
		t.Fatalf("first lookup error = %v, want ErrServer", err)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	if p, err := c.Project(ctx, "acme/app"); err != nil || p.ID != 1 {
		t.Errorf("lookup after GitLab recovered = %+v, %v; want project 1", p, err)
	}
	for range 2 {
		if _, err := c.Project(ctx, "acme/secret"); !errors.Is(err, ErrForbidden) {
			t.Errorf("lookup of acme/secret error = %v, want ErrForbidden", err)
		}
	}
	if n := s.count("GET /projects/acme%2Fsecret"); n != 1 {
		t.Errorf("asked %d times about a project GitLab refused, want once", n)
	}
}
