package gitlabapi

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// logLine is one call of Config.Log.
type logLine struct {
	msg    string
	fields map[string]any
}

// Every HTTP request is logged with its method, path and query, status, duration, try and
// GitLab's request id; every retry with its reason and wait; and never the token.
func TestClientLog_everyRequestAndRetry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []logLine
	srv := fakegitlab.NewTestServer(t, fakeSeed(1), fakegitlab.Options{Fault: faultOnce("GET", fakegitlab.Fault503)})
	c := newFakeClient(t, srv, func(cfg *Config) {
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, logLine{msg, fields})
		}
		cfg.Warn = cfg.Log
	})
	if _, err := c.ListDeployments(context.Background(), fakeProject, ListDeploymentsOptions{Environment: "history"}); err != nil {
		t.Fatal(err)
	}
	const path = "/api/v4/projects/acme%2Fapp/deployments?environment=history&page=1&per_page=100"
	want := []logLine{
		{"GitLab request", map[string]any{"method": "GET", "path": path, "status": 503, "try": 1, "request_id": "01FAKE00000000000000000001"}},
		{"retrying GitLab request", map[string]any{"method": "GET", "try": 2, "reason": "GitLab answered 503 to a read, which is safe to repeat"}},
		{"GitLab request", map[string]any{"method": "GET", "path": path, "status": 200, "try": 2, "request_id": "01FAKE00000000000000000002"}},
	}
	if len(lines) != len(want) {
		t.Fatalf("logged %v, want %d lines", lines, len(want))
	}
	for i, w := range want {
		got := lines[i]
		if got.msg != w.msg {
			t.Errorf("line %d is %q, want %q", i, got.msg, w.msg)
		}
		for k, v := range w.fields {
			if got.fields[k] != v {
				t.Errorf("line %d (%s): %s = %v, want %v", i, got.msg, k, got.fields[k], v)
			}
		}
		for k, v := range got.fields {
			if strings.Contains(k+"="+toString(v), fakeToken) {
				t.Errorf("line %d holds the token in %s", i, k)
			}
		}
	}
	if _, ok := lines[0].fields["duration_ms"].(int64); !ok {
		t.Errorf("the request line has no duration: %v", lines[0].fields)
	}
	if _, ok := lines[1].fields["wait"].(string); !ok {
		t.Errorf("the retry line has no wait: %v", lines[1].fields)
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// A credential in the query, which GitLab accepts and this client never sends, is redacted from
// the logged path all the same.
func TestRedactedRequestURI(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"/api/v4/projects/1/deployments":                            "/api/v4/projects/1/deployments",
		"/api/v4/user?private_token=glpat-x&page=2":                 "/api/v4/user?page=2&private_token=REDACTED",
		"/api/v4/user?JOB_TOKEN=abc&access_token=def&sort=asc":      "/api/v4/user?JOB_TOKEN=REDACTED&access_token=REDACTED&sort=asc",
		"/api/v4/projects/acme%2Fapp/deployments?environment=a%2Fb": "/api/v4/projects/acme%2Fapp/deployments?environment=a%2Fb",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactedRequestURI(u); got != want {
			t.Errorf("redactedRequestURI(%q) = %q, want %q", raw, got, want)
		}
	}
}
