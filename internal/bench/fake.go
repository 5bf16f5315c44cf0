package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// The benchmark's GitLab: one project, a deployer who records deployments and an approver who
// approves them, and a protected environment whose one rule the approver satisfies.
const (
	benchProject    = "bench/app"
	benchProjectID  = 1
	deployerToken   = "bench-deployer-token"
	approverToken   = "bench-approver-token"
	approverID      = 3
	protectedEnv    = "production"
	historyEnv      = "history"
	mainSHA         = "a91957a858320c0e17f3a0eca7cfacbff50ea29a"
	maintainerLevel = 40
)

// baseSeed is the project with no deployments.
func baseSeed() *fakegitlab.Seed {
	level := maintainerLevel
	approver := int64(approverID)
	// The benchmarks count the provider's own requests; GitLab's deployment_delete limit (500 per
	// user per minute) would add the waits of its 429s to the destroy scenarios that follow one
	// another.
	noDeleteLimit := 0
	return &fakegitlab.Seed{
		RateLimits: &fakegitlab.SeedRateLimits{DeploymentDelete: &noDeleteLimit},
		Users: []fakegitlab.SeedUser{
			{ID: 1, Username: "root", Name: "Administrator", Admin: true},
			{ID: 2, Username: "deployer", Name: "Dee Ployer", Tokens: []string{deployerToken}},
			{ID: approverID, Username: "approver", Name: "Abe Prover", Tokens: []string{approverToken}},
		},
		Projects: []fakegitlab.SeedProject{{
			ID:                benchProjectID,
			PathWithNamespace: benchProject,
			Members: []fakegitlab.SeedMember{
				{Username: "deployer", AccessLevel: maintainerLevel},
				{Username: "approver", AccessLevel: maintainerLevel},
			},
			Branches: map[string]string{"main": mainSHA},
			ProtectedEnvironments: []fakegitlab.SeedProtectedEnvironment{{
				Name:               protectedEnv,
				DeployAccessLevels: []fakegitlab.SeedDeployAccessLevel{{AccessLevel: &level}},
				ApprovalRules:      []fakegitlab.SeedApprovalRule{{UserID: &approver}},
			}},
		}},
	}
}

// historySeed adds n finished deployments by the deployer to the history environment, as a
// long-lived project accumulates them.
func historySeed(n int) *fakegitlab.Seed {
	seed := baseSeed()
	deployments := make([]fakegitlab.SeedDeployment, n)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range deployments {
		at := fakegitlab.At(start.Add(time.Duration(i) * time.Minute))
		status := "success"
		if i%10 == 9 {
			status = "failed"
		}
		deployments[i] = fakegitlab.SeedDeployment{
			Environment: historyEnv, Ref: "main", SHA: mainSHA, Status: status, User: "deployer",
			CreatedAt: at, UpdatedAt: at, FinishedAt: at,
		}
	}
	seed.Projects[0].Deployments = deployments
	return seed
}

// blockedSeed adds n deployments that CI created in the protected environment and that wait for
// the approver.
func blockedSeed(n int) *fakegitlab.Seed {
	seed := baseSeed()
	deployments := make([]fakegitlab.SeedDeployment, n)
	for i := range deployments {
		deployments[i] = fakegitlab.SeedDeployment{
			Environment: protectedEnv, Ref: "main", SHA: mainSHA, Status: "blocked", User: "deployer",
			CIJob: &fakegitlab.SeedCIJob{Name: "deploy", Stage: "deploy"},
		}
	}
	seed.Projects[0].Deployments = deployments
	return seed
}

// fake is a running fake GitLab whose request counters the benchmark reads over HTTP, through
// the /-/fake/stats endpoint every other client of the fake uses.
type fake struct {
	ctx context.Context
	srv *fakegitlab.Server
}

func startFake(ctx context.Context, seed *fakegitlab.Seed, latency time.Duration) (*fake, error) {
	srv, err := fakegitlab.NewServer(seed, fakegitlab.Options{Latency: latency})
	if err != nil {
		return nil, fmt.Errorf("starting the fake GitLab: %w", err)
	}
	return &fake{ctx: ctx, srv: srv}, nil
}

func (f *fake) url() string { return f.srv.URL() }

func (f *fake) close() { f.srv.Close() }

type stats struct {
	Total   int            `json:"total"`
	ByRoute map[string]int `json:"by_route"`
}

func (f *fake) stats() (stats, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, f.srv.URL()+"/-/fake/stats", nil)
	if err != nil {
		return stats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return stats{}, err
	}
	defer resp.Body.Close()
	var s stats
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /-/fake/stats: %s", resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (f *fake) resetStats() error {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, f.srv.URL()+"/-/fake/stats/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("POST /-/fake/stats/reset: %s", resp.Status)
	}
	return nil
}

// String lists the routes of s, busiest first, for the report.
func (s stats) String() string {
	routes := slices.Collect(maps.Keys(s.ByRoute))
	slices.SortFunc(routes, func(a, b string) int {
		return cmp.Or(cmp.Compare(s.ByRoute[b], s.ByRoute[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(routes))
	for i, route := range routes {
		parts[i] = fmt.Sprintf("%s: %d", route, s.ByRoute[route])
	}
	return strings.Join(parts, ", ")
}
