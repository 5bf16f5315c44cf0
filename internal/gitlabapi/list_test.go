package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

func ids(list []Deployment) []int64 {
	out := make([]int64, len(list))
	for i := range list {
		out[i] = list[i].ID
	}
	return out
}

// idRange is from, from+step, ... for n ids.
func idRange(from, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)*step
	}
	return out
}

// TestListDeployments_concurrentReadsEveryPageOnceInOrder lists histories of several sizes,
// around GitLab's page size and its 10,000-item counting limit, and checks order, content and
// the number of page requests.
func TestListDeployments_concurrentReadsEveryPageOnceInOrder(t *testing.T) {
	t.Parallel()
	const concurrency = 8
	cases := []struct {
		n          int
		sort       string
		maxResults int
		want       []int64
		minPages   int  // page requests at least
		maxPages   int  // and at most
		vsPaged    bool // also compare with reading page after page (slow for the fake on big lists)
	}{
		{n: 0, want: []int64{}, minPages: 1, maxPages: 1, vsPaged: true},
		{n: 1, want: idRange(1, 1, 1), minPages: 1, maxPages: 1, vsPaged: true},
		{n: 100, want: idRange(1, 1, 100), minPages: 1, maxPages: 1},
		{n: 101, want: idRange(1, 1, 101), minPages: 2, maxPages: 2, vsPaged: true},
		{n: 250, sort: "desc", want: idRange(250, -1, 250), minPages: 3, maxPages: 3, vsPaged: true},
		{n: 10000, want: idRange(1, 1, 10000), minPages: 100, maxPages: 100},
		// Past 10,000 GitLab stops counting: the end shows as a short or empty page.
		{n: 10001, sort: "desc", want: idRange(10001, -1, 10001), minPages: 101, maxPages: 101 + concurrency - 1, vsPaged: true},
		{n: 10100, want: idRange(1, 1, 10100), minPages: 102, maxPages: 102 + concurrency - 1},
		// max_results reads only the pages it needs.
		{n: 1000, maxResults: 1, want: idRange(1, 1, 1), minPages: 1, maxPages: 1},
		{n: 1000, maxResults: 100, want: idRange(1, 1, 100), minPages: 1, maxPages: 1},
		{n: 1000, maxResults: 101, want: idRange(1, 1, 101), minPages: 2, maxPages: 2},
		{n: 1000, maxResults: 250, sort: "desc", want: idRange(1000, -1, 250), minPages: 3, maxPages: 3, vsPaged: true},
		{n: 1000, maxResults: 5000, want: idRange(1, 1, 1000), minPages: 10, maxPages: 10},
		{n: 10100, maxResults: 10050, want: idRange(1, 1, 10050), minPages: 101, maxPages: 101},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d sort %s max %d", tc.n, tc.sort, tc.maxResults), func(t *testing.T) {
			t.Parallel()
			srv := fakegitlab.NewTestServer(t, fakeSeed(tc.n), fakegitlab.Options{})
			opts := ListDeploymentsOptions{Sort: tc.sort, MaxResults: tc.maxResults}
			ctx := context.Background()

			got, err := newFakeClient(t, srv, func(c *Config) { c.PageConcurrency = concurrency }).ListDeployments(ctx, fakeProject, opts)
			if err != nil {
				t.Fatal(err)
			}
			if gotIDs := ids(got); !reflect.DeepEqual(gotIDs, tc.want) {
				t.Errorf("listed %d deployments, want %d in order (first %v)", len(gotIDs), len(tc.want), gotIDs[:min(5, len(gotIDs))])
			}
			if pages := srv.Stats().ByRoute[routeList]; pages < tc.minPages || pages > tc.maxPages {
				t.Errorf("%d page requests, want %d to %d", pages, tc.minPages, tc.maxPages)
			}
			if !tc.vsPaged {
				return
			}
			sequential, err := newFakeClient(t, srv, func(c *Config) { c.PageConcurrency = 1 }).ListDeployments(ctx, fakeProject, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, sequential) {
				t.Error("concurrent listing differs from reading page after page")
			}
		})
	}
}

func TestListDeployments_retriesFailedPages(t *testing.T) {
	t.Parallel()
	const n = 2500
	srv := fakegitlab.NewTestServer(t, fakeSeed(n), fakegitlab.Options{FailRate: 0.3, RandSeed: 11})
	got, err := newFakeClient(t, srv, func(c *Config) { c.MaxRetries = 12 }).ListDeployments(context.Background(), fakeProject, ListDeploymentsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), idRange(1, 1, n)) {
		t.Errorf("listed %d deployments, want 1 to %d in order", len(got), n)
	}
}

func TestListDeployments_pageThatKeepsFailingFailsTheList(t *testing.T) {
	t.Parallel()
	srv := fakegitlab.NewTestServer(t, fakeSeed(1000), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.URL.Query().Get("page") == "3" {
			return fakegitlab.Fault503
		}
		return fakegitlab.FaultNone
	}})
	got, err := newFakeClient(t, srv).ListDeployments(context.Background(), fakeProject, ListDeploymentsOptions{})
	if got != nil || !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "gave up after 6 tries") {
		t.Fatalf("got %d deployments and error %v, want none and the give-up on page 3", len(got), err)
	}
}

// BenchmarkListDeployments10k lists 10,000 deployments from a GitLab 20 ms away with concurrent
// page reads, and reports how many times faster that is than reading page after page.
func BenchmarkListDeployments10k(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	srv := fakegitlab.NewTestServer(b, fakeSeed(n), fakegitlab.Options{Latency: 20 * time.Millisecond})

	start := time.Now()
	want, err := newFakeClient(b, srv, func(c *Config) { c.PageConcurrency = 1 }).ListDeployments(ctx, fakeProject, ListDeploymentsOptions{})
	sequential := time.Since(start)
	if err != nil || len(want) != n {
		b.Fatalf("page after page: %d deployments, %v", len(want), err)
	}

	c := newFakeClient(b, srv)
	srv.ResetStats()
	var got []Deployment
	ops := 0
	for b.Loop() {
		if got, err = c.ListDeployments(ctx, fakeProject, ListDeploymentsOptions{}); err != nil {
			b.Fatal(err)
		}
		ops++
	}
	if !reflect.DeepEqual(got, want) {
		b.Fatal("concurrent listing differs from reading page after page")
	}
	perOp := b.Elapsed() / time.Duration(ops)
	b.ReportMetric(float64(sequential.Milliseconds()), "sequential-ms")
	b.ReportMetric(float64(sequential)/float64(perOp), "x-faster")
	b.ReportMetric(float64(srv.Stats().ByRoute[routeList])/float64(ops), "requests/op")
}

// TestListDeployments_canceledPageBeforeTheEndFailsTheList: past 10,000 items GitLab sends no
// X-Total-Pages. Page 5 fails for good, which cancels page 3 still in flight; page 4, already
// answered (short: the end), comes in after. The list must fail, not come back without page 3
// (issue 18 item 13).
func TestListDeployments_canceledPageBeforeTheEndFailsTheList(t *testing.T) {
	t.Parallel()
	page := func(from int64, n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = deploymentJSON(from+int64(i), "production", "main", "abc", "success", time.Now(), false)
		}
		return out
	}
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Query().Get("page") {
		case "1", "2":
			writeJSON(w, http.StatusOK, page(1, perPage)) // no X-Total-Pages: more than 10,000
		case "3":
			hang(r)
		case "4":
			writeJSON(w, http.StatusOK, page(301, 50))
		default:
			writeMessage(w, http.StatusServiceUnavailable, "503 Service Unavailable")
		}
	})
	c := newTestClient(t, s.URL, func(cfg *Config) { cfg.PageConcurrency = 3; cfg.MaxRetries = 0 })
	page3Back := make(chan struct{})
	c.pageFetched = func(page int) {
		switch page {
		case 3:
			close(page3Back) // canceled: page 5 failed already
		case 4:
			<-page3Back
		}
	}
	got, err := c.ListDeployments(context.Background(), "acme/app", ListDeploymentsOptions{})
	if err == nil {
		t.Fatalf("listed %d deployments without an error; page 3 was canceled", len(got))
	}
	if got != nil || !errors.Is(err, ErrServer) {
		t.Errorf("got %d deployments and error %v, want none and page 5's server error", len(got), err)
	}
}
