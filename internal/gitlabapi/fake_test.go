package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

const (
	fakeProject = "acme/app"
	fakeToken   = "mae-token"
	fakeSHA     = "a91957a858320c0e17f3a0eca7cfacbff50ea29a"

	routeList   = "GET /api/v4/projects/:id/deployments"
	routeCreate = "POST /api/v4/projects/:id/deployments"
	routeGet    = "GET /api/v4/projects/:id/deployments/:deployment_id"
	routeUpdate = "PUT /api/v4/projects/:id/deployments/:deployment_id"
	routeDelete = "DELETE /api/v4/projects/:id/deployments/:deployment_id"
)

// fakeSeed is project acme/app (id 1) with branch main, Maintainer mae, and n API-created
// deployments 1..n to environment "history", made a few seconds apart, the last 10 s ago.
func fakeSeed(n int) *fakegitlab.Seed {
	deployments := make([]fakegitlab.SeedDeployment, n)
	for i := range deployments {
		at := fakegitlab.At(time.Now().Add(time.Duration(i-n+1)*3*time.Second - 10*time.Second))
		deployments[i] = fakegitlab.SeedDeployment{
			Environment: "history", Ref: "main", SHA: fakeSHA, Status: StatusFailed, User: "mae",
			CreatedAt: at, UpdatedAt: at, FinishedAt: at,
		}
	}
	return &fakegitlab.Seed{
		Users: []fakegitlab.SeedUser{{ID: 2, Username: "mae", Name: "Mae Maintainer", Tokens: []string{fakeToken}}},
		Projects: []fakegitlab.SeedProject{{
			ID: 1, PathWithNamespace: fakeProject,
			Members:     []fakegitlab.SeedMember{{Username: "mae", AccessLevel: 40}},
			Branches:    map[string]string{"main": fakeSHA},
			Deployments: deployments,
		}},
	}
}

func newFakeClient(t testing.TB, srv *fakegitlab.Server, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: srv.URL(), Token: fakeToken,
		MaxRetries: 5, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// faultOnce answers the first request of method with fault, everything else normally.
func faultOnce(method string, fault fakegitlab.Fault) func(*http.Request) fakegitlab.Fault {
	var done atomic.Bool
	return func(r *http.Request) fakegitlab.Fault {
		if r.Method == method && done.CompareAndSwap(false, true) {
			return fault
		}
		return fakegitlab.FaultNone
	}
}

// environmentIDs lists, through a well-behaved server view, the deployments of env.
func environmentIDs(t *testing.T, srv *fakegitlab.Server, env string) []int64 {
	t.Helper()
	// A fake with a rate limit may still throttle this second: wait as the creates do.
	c := newFakeClient(t, srv, func(c *Config) { c.MaxRetries, c.RetryWaitMax = 10, 2*time.Second })
	list, err := c.ListDeployments(context.Background(), fakeProject, ListDeploymentsOptions{Environment: env})
	if err != nil {
		t.Fatalf("listing environment %s: %v", env, err)
	}
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	return ids
}

// createMany creates n deployments with identical parameters, parallel at once, and returns
// their ids.
func createMany(t *testing.T, c *Client, n, parallel int, env string) []int64 {
	t.Helper()
	ids := make([]int64, n)
	errs := make([]error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d, _, err := c.CreateDeployment(context.Background(), fakeProject, CreateDeploymentOptions{
				Environment: env, Ref: "main", SHA: fakeSHA, Status: StatusRunning,
			})
			if err == nil {
				ids[i] = d.ID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	return ids
}

// checkExactly checks that the creates returned n distinct deployments and that the
// environment holds exactly those.
func checkExactly(t *testing.T, srv *fakegitlab.Server, env string, n int, ids []int64) {
	t.Helper()
	returned := map[int64]bool{}
	for _, id := range ids {
		if returned[id] {
			t.Errorf("deployment %d was returned to two creates", id)
		}
		returned[id] = true
	}
	held := environmentIDs(t, srv, env)
	if len(held) != n {
		t.Errorf("GitLab holds %d deployments in %s, want %d", len(held), env, n)
	}
	for _, id := range held {
		if !returned[id] {
			t.Errorf("GitLab holds deployment %d that no create returned", id)
		}
	}
}

func TestCreateDeployment_lostAnswersAdoptedNeverDuplicated(t *testing.T) {
	t.Parallel()
	for _, randSeed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", randSeed), func(t *testing.T) {
			t.Parallel()
			const n = 100
			srv := fakegitlab.NewTestServer(t, fakeSeed(0), fakegitlab.Options{LoseRate: 0.2, RandSeed: randSeed})
			ids := createMany(t, newFakeClient(t, srv), n, 20, "production")
			checkExactly(t, srv, "production", n, ids)
			// Every lost answer was found, so no create was sent twice.
			if got := srv.Stats().ByRoute[routeCreate]; got != n {
				t.Errorf("GitLab got %d create requests, want %d", got, n)
			}
		})
	}
}

func TestCreateDeployment_failuresRateLimitsAndLostAnswers(t *testing.T) {
	t.Parallel()
	const n = 100
	srv := fakegitlab.NewTestServer(t, fakeSeed(0), fakegitlab.Options{
		FailRate: 0.2, LoseRate: 0.2, RateLimit: 100, RandSeed: 7,
	})
	// Throttled requests must really wait for the next second.
	c := newFakeClient(t, srv, func(c *Config) { c.MaxRetries, c.RetryWaitMax = 10, 2*time.Second })
	ids := createMany(t, c, n, 20, "production")
	checkExactly(t, srv, "production", n, ids)
}

func TestCreateDeployment_resentOnlyWhenNothingWasRecorded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault   fakegitlab.Fault
		creates int
	}{
		{fakegitlab.FaultLoseAnswer502, 1},
		{fakegitlab.FaultLoseAnswerClose, 1},
		{fakegitlab.Fault500, 2},
		{fakegitlab.Fault502, 2},
		{fakegitlab.Fault503, 2},
		{fakegitlab.Fault429, 2},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("fault ", tc.fault), func(t *testing.T) {
			t.Parallel()
			srv := fakegitlab.NewTestServer(t, fakeSeed(3), fakegitlab.Options{Fault: faultOnce(http.MethodPost, tc.fault)})
			d, _, err := newFakeClient(t, srv).CreateDeployment(context.Background(), fakeProject, CreateDeploymentOptions{
				Environment: "history", Ref: "main", SHA: fakeSHA, Status: StatusFailed,
			})
			if err != nil {
				t.Fatalf("CreateDeployment: %v", err)
			}
			if d.ID != 4 || d.Status != StatusFailed || d.ApprovalSummary == nil {
				t.Errorf("got deployment %d (%s, summary %v), want the extended deployment 4", d.ID, d.Status, d.ApprovalSummary)
			}
			if got := srv.Stats().ByRoute[routeCreate]; got != tc.creates {
				t.Errorf("GitLab got %d create requests, want %d", got, tc.creates)
			}
			if ids := environmentIDs(t, srv, "history"); len(ids) != 4 {
				t.Errorf("GitLab holds deployments %v, want 1 to 4", ids)
			}
		})
	}
}

func TestCreateDeployment_saysWhatMayExistWhenLookingFails(t *testing.T) {
	t.Parallel()
	var posted atomic.Bool
	srv := fakegitlab.NewTestServer(t, fakeSeed(0), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		switch {
		case r.Method == http.MethodPost && posted.CompareAndSwap(false, true):
			return fakegitlab.FaultLoseAnswerClose
		case r.Method == http.MethodGet:
			return fakegitlab.Fault503 // GitLab stays down for reads
		}
		return fakegitlab.FaultNone
	}})
	_, _, err := newFakeClient(t, srv).CreateDeployment(context.Background(), fakeProject, CreateDeploymentOptions{
		Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusSuccess,
	})
	if err == nil {
		t.Fatal("CreateDeployment succeeded")
	}
	want := `environment "production" of project acme/app (ref "main", sha ` + fakeSHA + `, status success)`
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "gave up after 6 tries") {
		t.Errorf("error %q should be ErrOutcomeUnknown, name %s and say how the search failed", err, want)
	}
	if got := srv.Stats().ByRoute[routeCreate]; got != 1 {
		t.Errorf("GitLab got %d create requests, want 1: a create of unknown outcome was sent again", got)
	}
}

func TestUpdateDeploymentStatus_lostAnswerIsReadNotRepeated(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault   fakegitlab.Fault
		updates int
	}{
		{fakegitlab.FaultLoseAnswer502, 1},
		{fakegitlab.FaultLoseAnswerClose, 1},
		{fakegitlab.Fault500, 2},
		{fakegitlab.Fault503, 2},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("fault ", tc.fault), func(t *testing.T) {
			t.Parallel()
			srv := fakegitlab.NewTestServer(t, fakeSeed(1), fakegitlab.Options{Fault: faultOnce(http.MethodPut, tc.fault)})
			d, err := newFakeClient(t, srv).UpdateDeploymentStatus(context.Background(), fakeProject, 1, StatusSuccess)
			if err != nil {
				t.Fatalf("UpdateDeploymentStatus: %v", err)
			}
			if d.ID != 1 || d.Status != StatusSuccess {
				t.Errorf("got deployment %d in %s, want 1 in success", d.ID, d.Status)
			}
			if got := srv.Stats().ByRoute[routeUpdate]; got != tc.updates {
				t.Errorf("GitLab got %d update requests, want %d", got, tc.updates)
			}
		})
	}
}

func TestDeleteDeployment_lostAnswerIsReadNotRepeated(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault   fakegitlab.Fault
		deletes int
	}{
		{fakegitlab.FaultLoseAnswer502, 1},
		{fakegitlab.FaultLoseAnswerClose, 1},
		{fakegitlab.Fault500, 2},
		{fakegitlab.Fault502, 2},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("fault ", tc.fault), func(t *testing.T) {
			t.Parallel()
			srv := fakegitlab.NewTestServer(t, fakeSeed(2), fakegitlab.Options{Fault: faultOnce(http.MethodDelete, tc.fault)})
			if err := newFakeClient(t, srv).DeleteDeployment(context.Background(), fakeProject, 1); err != nil {
				t.Fatalf("DeleteDeployment: %v", err)
			}
			if ids := environmentIDs(t, srv, "history"); len(ids) != 1 || ids[0] != 2 {
				t.Errorf("GitLab holds deployments %v, want only 2", ids)
			}
			if got := srv.Stats().ByRoute[routeDelete]; got != tc.deletes {
				t.Errorf("GitLab got %d delete requests, want %d", got, tc.deletes)
			}
		})
	}
}

func TestDeleteDeployment_refusalAfterLostAnswerIsReported(t *testing.T) {
	t.Parallel()
	seed := fakeSeed(0)
	seed.Projects[0].Deployments = []fakegitlab.SeedDeployment{
		{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusRunning, User: "mae"},
	}
	srv := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{Fault: faultOnce(http.MethodDelete, fakegitlab.FaultLoseAnswerClose)})
	err := newFakeClient(t, srv).DeleteDeployment(context.Background(), fakeProject, 1)
	if !errors.Is(err, ErrDeploymentRunning) {
		t.Fatalf("DeleteDeployment: %v, want GitLab's refusal to delete a running deployment", err)
	}
}

// TestClient_oneRequestPerOperation pins the cost of each operation on a healthy GitLab.
func TestClient_oneRequestPerOperation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := fakegitlab.NewTestServer(t, fakeSeed(0), fakegitlab.Options{})
	c := newFakeClient(t, srv)
	steps := []struct {
		route string
		do    func() error
	}{
		{routeCreate, func() error {
			_, _, err := c.CreateDeployment(ctx, fakeProject, CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusRunning})
			return err
		}},
		{routeGet, func() error { _, err := c.GetDeployment(ctx, fakeProject, 1); return err }},
		{routeUpdate, func() error { _, err := c.UpdateDeploymentStatus(ctx, fakeProject, 1, StatusFailed); return err }},
		{routeDelete, func() error { return c.DeleteDeployment(ctx, fakeProject, 1) }},
		{routeList, func() error { _, err := c.ListDeployments(ctx, fakeProject, ListDeploymentsOptions{}); return err }},
	}
	for _, step := range steps {
		srv.ResetStats()
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.route, err)
		}
		if st := srv.Stats(); st.Total != 1 || st.ByRoute[step.route] != 1 {
			t.Errorf("%s cost %v, want exactly one request", step.route, st.ByRoute)
		}
	}
}
