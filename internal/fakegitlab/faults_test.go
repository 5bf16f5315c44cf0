package fakegitlab

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestStatsCountEveryAPIRequestByRoute(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t, func(o *Options) {
		o.Fault = func(r *http.Request) Fault {
			if r.Method == http.MethodDelete {
				return Fault503
			}
			return FaultNone
		}
	})
	do(t, srv, "GET", "/api/v4/user", "mae-token", "")
	do(t, srv, "GET", "/api/v4/projects/acme%2Fapp/deployments", "mae-token", "")
	do(t, srv, "GET", "/api/v4/projects/1/deployments", "", "")
	do(t, srv, "GET", "/api/v4/projects/1/deployments/5", "mae-token", "")
	do(t, srv, "POST", "/api/v4/projects/1/deployments/5/approval", "sam-token", "status=approved")
	do(t, srv, "GET", "/api/v4/projects/1/repository/tags/v1.0.0", "mae-token", "")
	do(t, srv, "GET", "/api/v4/projects/1/protected_environments/production", "mae-token", "")
	do(t, srv, "DELETE", "/api/v4/projects/1/deployments/2", "mae-token", "")
	do(t, srv, "GET", "/api/v4/nowhere", "mae-token", "")
	do(t, srv, "GET", "/-/fake/stats", "", "")

	res := do(t, srv, "GET", "/-/fake/stats", "", "")
	var got Stats
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"GET /api/v4/user":                                              1,
		"GET /api/v4/projects/:id/deployments":                          2,
		"GET /api/v4/projects/:id/deployments/:deployment_id":           1,
		"POST /api/v4/projects/:id/deployments/:deployment_id/approval": 1,
		"GET /api/v4/projects/:id/repository/tags/:tag_name":            1,
		"GET /api/v4/projects/:id/protected_environments/:name":         1,
		"DELETE /api/v4/projects/:id/deployments/:deployment_id":        1,
		"GET /api/v4/*": 1,
	}
	if got.Total != 9 || len(got.ByRoute) != len(want) {
		t.Errorf("stats = %+v", got)
	}
	for k, v := range want {
		if got.ByRoute[k] != v {
			t.Errorf("%s = %d, want %d", k, got.ByRoute[k], v)
		}
	}
	if res := do(t, srv, "POST", "/-/fake/stats/reset", "", ""); res.status != http.StatusNoContent {
		t.Errorf("reset: %d", res.status)
	}
	if s := srv.Stats(); s.Total != 0 || len(s.ByRoute) != 0 {
		t.Errorf("after reset: %+v", s)
	}
	if res := do(t, srv, "GET", "/-/fake/stats", "", ""); res.body != `{"total":0,"by_route":{}}` {
		t.Errorf("stats body after reset: %s", res.body)
	}
}

func TestFaultsChangeNothing(t *testing.T) {
	t.Parallel()
	for _, f := range []Fault{Fault500, Fault502, Fault503, Fault429} {
		t.Run(strconv.Itoa(int(f)), func(t *testing.T) {
			t.Parallel()
			var armed atomic.Bool
			armed.Store(true)
			srv := newConformanceServer(t, func(o *Options) {
				o.Fault = func(*http.Request) Fault {
					if armed.Load() {
						return f
					}
					return FaultNone
				}
			})
			res := do(t, srv, "DELETE", "/api/v4/projects/1/deployments/2", "mae-token", "")
			armed.Store(false)
			wantStatus := map[Fault]int{Fault500: 500, Fault502: 502, Fault503: 503, Fault429: 429}[f]
			if res.status != wantStatus {
				t.Errorf("status %d, want %d", res.status, wantStatus)
			}
			if res := do(t, srv, "GET", "/api/v4/projects/1/deployments/2", "mae-token", ""); res.status != http.StatusOK {
				t.Errorf("the faulted delete took effect: %d", res.status)
			}
			if s := srv.Stats(); s.Total != 2 {
				t.Errorf("faults are counted: total %d, want 2", s.Total)
			}
		})
	}
}

func TestThrottleAnswersLikeGitLab(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t, func(o *Options) { o.RateLimit = 2 })
	// The server's clock is fixed (newConformanceServer): every request falls in one window.
	var statuses []int
	var last response
	for range 4 {
		last = do(t, srv, "GET", "/api/v4/user", "mae-token", "")
		statuses = append(statuses, last.status)
		if last.status == http.StatusOK && last.header.Get("RateLimit-Limit") != "" {
			t.Errorf("RateLimit-Limit on a %d answer: client-go would throttle itself", last.status)
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 || statuses[3] != 429 {
		t.Fatalf("statuses = %v", statuses)
	}
	h := last.header
	reset, _ := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
	if last.body != "Retry later" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		h.Get("Retry-After") != "1" || h.Get("RateLimit-Limit") != "120" || h.Get("RateLimit-Observed") != "4" ||
		h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Name") == "" || reset != testEpoch.Unix()+1 {
		t.Errorf("429: body %q, headers %v", last.body, h)
	}
}

func TestLostAnswersTakeEffect(t *testing.T) {
	t.Parallel()
	for _, f := range []Fault{FaultLoseAnswer502, FaultLoseAnswerClose} {
		t.Run(strconv.Itoa(int(f)), func(t *testing.T) {
			t.Parallel()
			srv := newConformanceServer(t, func(o *Options) {
				o.Fault = func(r *http.Request) Fault {
					if r.Method == http.MethodPost {
						return f
					}
					return FaultNone
				}
			})
			_, resp, err := client(t, srv, "mae-token").Deployments.CreateProjectDeployment(1, &gitlab.CreateProjectDeploymentOptions{
				Environment: gitlab.Ptr("staging"), Ref: gitlab.Ptr("main"), SHA: gitlab.Ptr("main"), Tag: gitlab.Ptr(false),
				Status: gitlab.Ptr(gitlab.DeploymentStatusRunning),
			})
			switch f {
			case FaultLoseAnswer502:
				if !gitlab.HasStatusCode(err, http.StatusBadGateway) {
					t.Errorf("err = %v", err)
				}
			case FaultLoseAnswerClose:
				if err == nil || resp != nil && resp.Response != nil {
					t.Errorf("err = %v, resp = %v", err, resp)
				}
			}
			res := do(t, srv, "GET", "/api/v4/projects/1/deployments/8", "mae-token", "")
			if res.status != http.StatusOK {
				t.Errorf("the create did not take effect: %d %s", res.status, res.body)
			}
		})
	}
}

func TestRandomFaultsFollowTheRates(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t, func(o *Options) { o.FailRate = 1 })
	for range 10 {
		res := do(t, srv, "GET", "/api/v4/user", "mae-token", "")
		if res.status != 500 && res.status != 502 && res.status != 503 {
			t.Fatalf("fail-rate 1: status %d", res.status)
		}
	}
	srv = newConformanceServer(t, func(o *Options) { o.LoseRate = 1 })
	if res := do(t, srv, "GET", "/api/v4/user", "mae-token", ""); res.status != http.StatusOK {
		t.Errorf("lose-rate applies to writes only: GET answered %d", res.status)
	}
	seen := map[string]bool{}
	for i := range 20 {
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", srv.URL()+"/api/v4/projects/1/deployments/3", strings.NewReader("status=failed"))
		req.Header.Set("PRIVATE-TOKEN", "mae-token")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		switch {
		case err != nil:
			seen["closed"] = true
		case res.StatusCode == http.StatusBadGateway:
			seen["502"] = true
			res.Body.Close()
		default:
			res.Body.Close()
			t.Fatalf("request %d: status %d", i, res.StatusCode)
		}
	}
	if !seen["closed"] || !seen["502"] {
		t.Errorf("lost answers seen: %v", seen)
	}
}

func TestLatencyDelaysAPIRequests(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t, func(o *Options) { o.Latency = 50 * time.Millisecond })
	start := time.Now()
	do(t, srv, "GET", "/api/v4/user", "mae-token", "")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v", d)
	}
}
