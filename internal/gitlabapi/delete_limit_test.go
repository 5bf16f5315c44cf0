package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// With the default retry settings, the 60 seconds GitLab's deployment_delete limit names in
// Retry-After are waited in full (DESIGN.md §A12, §B26). The test reads the wait from the retry
// log and cancels the wait rather than sleeping it.
func TestDeleteDeployment_deleteLimitWaitsAsRetryAfterSays(t *testing.T) {
	t.Parallel()
	limit := 1
	seed := fakeSeed(2)
	seed.RateLimits = &fakegitlab.SeedRateLimits{DeploymentDelete: &limit}
	srv := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	var waits []string
	c := newFakeClient(t, srv, func(cfg *Config) {
		cfg.RetryWaitMin, cfg.RetryWaitMax = 0, 0 // the defaults users get
		cfg.Warn = func(_ context.Context, msg string, fields map[string]any) {
			if msg == "retrying GitLab request" {
				mu.Lock()
				waits = append(waits, fmt.Sprint(fields["wait"]))
				mu.Unlock()
				cancel()
			}
		}
	})
	if err := c.DeleteDeployment(ctx, fakeProject, 1); err != nil {
		t.Fatalf("the first delete of the minute: %v", err)
	}
	err := c.DeleteDeployment(ctx, fakeProject, 2)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("the second delete = %v, want the 429 and the canceled wait", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 1 {
		t.Fatalf("retries logged: %q, want one", waits)
	}
	wait, perr := time.ParseDuration(waits[0])
	if perr != nil || wait < 60*time.Second || wait > 60*time.Second+time.Second/4 {
		t.Errorf("waited %s before trying again, want Retry-After's 60s plus at most 250ms of jitter", waits[0])
	}
	if !strings.Contains(err.Error(), "This endpoint has been requested too many times") {
		t.Errorf("the error does not carry GitLab's answer: %v", err)
	}
}

// A Retry-After is waited up to two minutes with the default settings, and never more than an
// explicit RetryWaitMax; RateLimit-Reset alone stays bounded by RetryWaitMax.
func TestRateLimitWait_retryAfterBounds(t *testing.T) {
	t.Parallel()
	defaults := newTestClient(t, "http://127.0.0.1:1", func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 0, 0 })
	explicit := newTestClient(t, "http://127.0.0.1:1", func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, 5*time.Millisecond })
	wait := func(c *Client, k, v string) time.Duration {
		return c.rateLimitWait(&gitlab.Response{Response: &http.Response{Header: http.Header{k: {v}}}}, 1)
	}
	if got := wait(defaults, "Retry-After", "3600"); got != 2*time.Minute {
		t.Errorf("defaults, Retry-After 3600: wait %v, want 2m", got)
	}
	if got := wait(defaults, "Retry-After", "45"); got < 45*time.Second || got > 45*time.Second+time.Second/4 {
		t.Errorf("defaults, Retry-After 45: wait %v, want 45s and jitter", got)
	}
	reset := time.Now().Add(10 * time.Minute).Unix()
	if got := wait(defaults, "Ratelimit-Reset", strconv.FormatInt(reset, 10)); got != 30*time.Second {
		t.Errorf("defaults, RateLimit-Reset in 10 minutes: wait %v, want RetryWaitMax's 30s", got)
	}
	if got := wait(explicit, "Retry-After", "60"); got != 5*time.Millisecond {
		t.Errorf("RetryWaitMax 5ms, Retry-After 60: wait %v, want 5ms", got)
	}
}
