package gitlabapi_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

const (
	listProject = "bench/app"
	listToken   = "bench-token"
)

// listSeed is a project with n finished deployments whose every field is fixed by the seed, so
// that two servers from the same seed answer byte for byte alike.
func listSeed(n int) *fakegitlab.Seed {
	deployments := make([]fakegitlab.SeedDeployment, n)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range deployments {
		at := fakegitlab.At(start.Add(time.Duration(i) * time.Minute))
		status := gitlabapi.StatusSuccess
		if i%7 == 3 {
			status = gitlabapi.StatusFailed
		}
		deployments[i] = fakegitlab.SeedDeployment{
			Environment: fmt.Sprintf("env-%d", i%5), Ref: "main", SHA: "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
			Status: status, User: "lister", CreatedAt: at, UpdatedAt: at, FinishedAt: at,
		}
	}
	return &fakegitlab.Seed{
		Users: []fakegitlab.SeedUser{{ID: 1, Username: "lister", Name: "Lister", Tokens: []string{listToken}}},
		Projects: []fakegitlab.SeedProject{{
			ID: 1, PathWithNamespace: listProject,
			Members:     []fakegitlab.SeedMember{{Username: "lister", AccessLevel: 40}},
			Branches:    map[string]string{"main": "a91957a858320c0e17f3a0eca7cfacbff50ea29a"},
			Deployments: deployments,
		}},
	}
}

// listClient reads with at most concurrency pages at once; zero is the client's default.
func listClient(tb testing.TB, url string, concurrency int) *gitlabapi.Client {
	tb.Helper()
	c, err := gitlabapi.New(gitlabapi.Config{BaseURL: url, Token: listToken, PageConcurrency: concurrency})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func listAllDeployments(tb testing.TB, c *gitlabapi.Client, opts gitlabapi.ListDeploymentsOptions) []gitlabapi.Deployment {
	tb.Helper()
	list, err := c.ListDeployments(context.Background(), listProject, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// TestListDeployments_concurrentMatchesPageAfterPage checks that reading pages concurrently
// returns what reading them one by one returns, in the same order, for a history with a short
// last page, sorted both ways.
func TestListDeployments_concurrentMatchesPageAfterPage(t *testing.T) {
	t.Parallel()
	const n = 1234
	srv := fakegitlab.NewTestServer(t, listSeed(n), fakegitlab.Options{})
	for _, sort := range []string{"asc", "desc"} {
		opts := gitlabapi.ListDeploymentsOptions{Sort: sort}
		want := listAllDeployments(t, listClient(t, srv.URL(), 1), opts)
		if len(want) != n {
			t.Fatalf("page after page, sort %s: listed %d deployments, want %d", sort, len(want), n)
		}
		srv.ResetStats()
		got := listAllDeployments(t, listClient(t, srv.URL(), 0), opts)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sort %s: concurrent listing differs from page after page (%d vs %d deployments)", sort, len(got), len(want))
		}
		if requests := srv.Stats().Total; requests != (n+99)/100 {
			t.Errorf("sort %s: concurrent listing sent %d requests, want %d", sort, requests, (n+99)/100)
		}
	}
}

// BenchmarkListDeployments lists 10,000 deployments from a GitLab 20 ms away, page after page
// and with the client's concurrent page reads, and checks both against a reference listing.
// make bench reports the ratio of the two.
func BenchmarkListDeployments(b *testing.B) {
	const n = 10000
	seed := listSeed(n)
	reference := listAllDeployments(b, listClient(b, fakegitlab.NewTestServer(b, seed, fakegitlab.Options{}).URL(), 1),
		gitlabapi.ListDeploymentsOptions{})
	if len(reference) != n {
		b.Fatalf("reference listing has %d deployments, want %d", len(reference), n)
	}
	srv := fakegitlab.NewTestServer(b, seed, fakegitlab.Options{Latency: 20 * time.Millisecond})
	for _, bc := range []struct {
		name        string
		concurrency int
	}{
		{"page_after_page", 1},
		{"concurrent", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := listClient(b, srv.URL(), bc.concurrency)
			srv.ResetStats()
			ops := 0
			for b.Loop() {
				list := listAllDeployments(b, c, gitlabapi.ListDeploymentsOptions{})
				ops++
				b.StopTimer()
				if !reflect.DeepEqual(list, reference) {
					b.Fatalf("listed %d deployments that differ from the reference listing", len(list))
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(srv.Stats().Total)/float64(ops), "requests/op")
		})
	}
}
