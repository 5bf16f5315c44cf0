package gitlabapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const getDeployment7 = "GET /projects/1/deployments/7"

func TestSend_retriesReadsAfterServerErrorsAndDroppedConnections(t *testing.T) {
	t.Parallel()
	failures := map[string]func(http.ResponseWriter){
		"500":     func(w http.ResponseWriter) { writeMessage(w, 500, "500 Internal Server Error") },
		"502":     func(w http.ResponseWriter) { writeMessage(w, 502, "502 Bad Gateway") },
		"503":     func(w http.ResponseWriter) { writeMessage(w, 503, "503 Service Unavailable") },
		"504":     func(w http.ResponseWriter) { w.WriteHeader(504) },
		"dropped": dropConnection,
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n <= 2 {
					fail(w)
					return
				}
				writeJSON(w, 200, deploymentJSON(7, "production", "main", "abc", "success", time.Now(), false))
			})
			d, err := newTestClient(t, s.URL).GetDeployment(context.Background(), "1", 7)
			if err != nil {
				t.Fatalf("GetDeployment: %v", err)
			}
			if d.ID != 7 {
				t.Errorf("got deployment %d, want 7", d.ID)
			}
			if got := s.count(getDeployment7); got != 3 {
				t.Errorf("GitLab got %d requests, want 3", got)
			}
		})
	}
}

func TestSend_givesUpSayingTriesAndLastAnswer(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeMessage(w, 503, "503 Service Unavailable")
	})
	_, err := newTestClient(t, s.URL, func(c *Config) { c.MaxRetries = 2 }).GetDeployment(context.Background(), "1", 7)
	want := "gave up after 3 tries; the last: GET /projects/1/deployments/7: GitLab answered 503: 503 Service Unavailable"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrServer) || StatusCode(err) != 503 {
		t.Errorf("error kind: errors.Is(ErrServer) = %v, StatusCode = %d", errors.Is(err, ErrServer), StatusCode(err))
	}
	if got := s.count(getDeployment7); got != 3 {
		t.Errorf("GitLab got %d requests, want 3", got)
	}
}

func TestSend_givesUpOnUnreachableGitLabWithoutLookingForWrites(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: every connection is refused before anything is sent

	_, _, err = newTestClient(t, "http://"+addr).CreateDeployment(context.Background(), "1", CreateDeploymentOptions{
		Environment: "production", Ref: "main", SHA: "abc", Status: StatusSuccess,
	})
	if err == nil {
		t.Fatal("CreateDeployment succeeded with nothing listening")
	}
	for _, want := range []string{"gave up after 4 tries", "could not reach GitLab", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// A refused connection carried nothing, so the create was sent again without looking
	// for a deployment it might have made.
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("a refused connection was taken for a lost answer: %v", err)
	}
}

func TestSend_doesNotRetryRefusals(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 412, 422, 501} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeMessage(w, status, strconv.Itoa(status)+" Refused")
			})
			_, err := newTestClient(t, s.URL).GetDeployment(context.Background(), "1", 7)
			if StatusCode(err) != status {
				t.Fatalf("error %v, want status %d", err, status)
			}
			if strings.Contains(err.Error(), "gave up") {
				t.Errorf("a refusal reads as a retry give-up: %v", err)
			}
			if got := len(s.log()); got != 1 {
				t.Errorf("GitLab got %d requests, want 1", got)
			}
		})
	}
}

func TestSend_resendsThrottledRequestsWritesIncluded(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(429)
			_, _ = w.Write([]byte("Retry later"))
			return
		}
		writeJSON(w, 201, deploymentJSON(7, "production", "main", "abc", "running", time.Now(), false))
	})
	// (Running: a success would also ask for the client's user, DESIGN.md §B18.)
	d, _, err := newTestClient(t, s.URL).CreateDeployment(context.Background(), "1", CreateDeploymentOptions{
		Environment: "production", Ref: "main", SHA: "abc", Status: StatusRunning,
	})
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	if d.ID != 7 {
		t.Errorf("got deployment %d, want 7", d.ID)
	}
	// GitLab's throttle answers before doing anything, so no search for a lost create.
	if got, want := strings.Join(s.log(), ", "), "POST /projects/1/deployments, POST /projects/1/deployments"; got != want {
		t.Errorf("requests: %s, want %s", got, want)
	}
}

func TestRateLimitWait_honoursRetryAfterThenRateLimitReset(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.RetryWaitMin, c.RetryWaitMax = 40*time.Millisecond, time.Minute
	})
	// Header values are made when the case runs, from these times relative to then.
	unix := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	date := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }
	cases := []struct {
		name     string
		header   func() map[string]string
		min, max time.Duration
	}{
		{"Retry-After seconds", func() map[string]string { return map[string]string{"Retry-After": "7"} },
			7 * time.Second, 7*time.Second + 10*time.Millisecond},
		{"Retry-After wins over RateLimit-Reset", func() map[string]string {
			return map[string]string{"Retry-After": "2", "RateLimit-Reset": unix(30 * time.Second)}
		}, 2 * time.Second, 2*time.Second + 10*time.Millisecond},
		{"Retry-After date", func() map[string]string { return map[string]string{"Retry-After": date(5 * time.Second)} },
			3 * time.Second, 5*time.Second + 10*time.Millisecond},
		{"RateLimit-Reset alone", func() map[string]string { return map[string]string{"RateLimit-Reset": unix(10 * time.Second)} },
			8 * time.Second, 10*time.Second + 10*time.Millisecond},
		{"reset in the past", func() map[string]string { return map[string]string{"RateLimit-Reset": unix(-10 * time.Second)} },
			0, 10 * time.Millisecond},
		{"capped at RetryWaitMax", func() map[string]string { return map[string]string{"Retry-After": "3600"} },
			time.Minute, time.Minute},
		{"no header: backoff", func() map[string]string { return nil }, 20 * time.Millisecond, 40 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tc.header() {
				h.Set(k, v)
			}
			wait := c.rateLimitWait(&gitlab.Response{Response: &http.Response{Header: h}}, 1)
			if wait < tc.min || wait > tc.max {
				t.Errorf("wait %v, want between %v and %v", wait, tc.min, tc.max)
			}
		})
	}
}

func TestBackoff_growsAndIsCapped(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.RetryWaitMin, c.RetryWaitMax = time.Second, 30*time.Second
	})
	for try, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 6: 30 * time.Second, 80: 30 * time.Second} {
		for range 20 {
			if got := c.backoff(try); got < want/2 || got > want {
				t.Errorf("backoff(%d) = %v, want between %v and %v", try, got, want/2, want)
			}
		}
	}
}

func TestSend_ignoresRateLimitLimitHeader(t *testing.T) {
	t.Parallel()
	// client-go would limit itself for life to 0.66 requests a second after this header.
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("RateLimit-Limit", "60")
		w.Header().Set("RateLimit-Remaining", "59")
		writeJSON(w, 200, deploymentJSON(7, "production", "main", "abc", "success", time.Now(), false))
	})
	c := newTestClient(t, s.URL)
	start := time.Now()
	for range 30 {
		if _, err := c.GetDeployment(context.Background(), "1", 7); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("30 reads took %v: the client throttles itself", elapsed)
	}
}

func TestSend_retriesReadsThatTimeOut(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			hang(r)
			return
		}
		writeJSON(w, 200, deploymentJSON(7, "production", "main", "abc", "success", time.Now(), false))
	})
	c := newTestClient(t, s.URL, func(c *Config) { c.RequestTimeout = time.Second })
	if _, err := c.GetDeployment(context.Background(), "1", 7); err != nil {
		t.Fatalf("GetDeployment: %v", err)
	}
	if got := s.count(getDeployment7); got != 2 {
		t.Errorf("GitLab got %d requests, want 2", got)
	}
}

func TestSend_interruptedWriteIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(_ http.ResponseWriter, r *http.Request, _ int) { hang(r) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := newTestClient(t, s.URL).UpdateDeploymentStatus(ctx, "1", 7, StatusSuccess)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want ErrOutcomeUnknown and context.DeadlineExceeded", err)
	}
	if got := len(s.log()); got != 1 {
		t.Errorf("GitLab got %d requests, want 1", got)
	}
}

func TestSend_answerThatIsNotJSON(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body>Sign in</body></html>"))
	})
	_, err := newTestClient(t, s.URL).GetDeployment(context.Background(), "1", 7)
	if !errors.Is(err, ErrNotJSON) || !strings.Contains(err.Error(), `"text/html", not JSON`) {
		t.Fatalf("error %v, want ErrNotJSON naming the content type", err)
	}
	if got := len(s.log()); got != 1 {
		t.Errorf("GitLab got %d requests, want 1", got)
	}
}

func TestNotFound_onlyAMissingRecordCountsAsGone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		body      string
		kind      error
		recordErr bool // DeleteDeployment and TagExists fail rather than report "gone"
	}{
		{"record", `{"message":"404 Not found"}`, ErrRecordNotFound, false},
		{"project", `{"message":"404 Project Not Found"}`, ErrProjectNotFound, true},
		{"route", `{"error":"404 Not Found"}`, ErrRouteNotFound, true},
		{"not GitLab", `<h1>Not Found</h1>`, ErrRouteNotFound, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(404)
				_, _ = w.Write([]byte(tc.body))
			})
			c := newTestClient(t, s.URL)
			ctx := context.Background()

			_, err := c.GetDeployment(ctx, "acme/app", 7)
			if !errors.Is(err, tc.kind) || !errors.Is(err, ErrNotFound) {
				t.Errorf("GetDeployment: %v, want %q (and ErrNotFound)", err, tc.kind)
			}
			if err := c.DeleteDeployment(ctx, "acme/app", 7); (err != nil) != tc.recordErr {
				t.Errorf("DeleteDeployment: %v, want an error: %v", err, tc.recordErr)
			}
			exists, err := c.TagExists(ctx, "acme/app", "v1.0.0")
			if exists || (err != nil) != tc.recordErr {
				t.Errorf("TagExists = %v, %v; want false and an error: %v", exists, err, tc.recordErr)
			}
			if got := len(s.log()); got != 3 {
				t.Errorf("GitLab got %d requests, want 3 (404s are not retried)", got)
			}
		})
	}
}

func TestListDeployments_sendsFiltersAndPagesInTheQuery(t *testing.T) {
	t.Parallel()
	var query url.Values
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		query = r.URL.Query()
		writeJSON(w, 200, []any{})
	})
	after := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.FixedZone("CET", 3600))
	_, err := newTestClient(t, s.URL).ListDeployments(context.Background(), "acme/my.app", ListDeploymentsOptions{
		Environment: "review/feature 1", Status: StatusSuccess, OrderBy: "updated_at", Sort: "desc", UpdatedAfter: &after,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"environment": {"review/feature 1"}, "status": {"success"}, "order_by": {"updated_at"}, "sort": {"desc"},
		"updated_after": {"2026-01-02T02:04:05.678Z"}, "per_page": {"100"}, "page": {"1"},
	}
	if query.Encode() != want.Encode() {
		t.Errorf("query:\n got %s\nwant %s", query.Encode(), want.Encode())
	}
	if got := s.log(); len(got) != 1 || got[0] != "GET /projects/acme%2Fmy%2Eapp/deployments" {
		t.Errorf("requests %v, want one to the encoded project path", got)
	}
}

func TestClient_neverRevealsCredentials(t *testing.T) {
	t.Parallel()
	const jobToken = "glcbt-job-secret-9876543210"
	cases := []struct {
		name   string
		edit   func(*Config)
		header string
		secret string
	}{
		{"token", func(*Config) {}, "Private-Token", testToken},
		{"job token", func(c *Config) { c.Token, c.JobToken = "", jobToken }, "Job-Token", jobToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.Header.Get(tc.header) != tc.secret {
					writeMessage(w, 401, "401 Unauthorized")
					return
				}
				switch r.Method {
				case http.MethodPost:
					dropConnection(w)
				default:
					writeMessage(w, 503, "503 Service Unavailable")
				}
			})
			logs := &logRecorder{}
			c := newTestClient(t, s.URL, tc.edit, func(c *Config) { c.Log = logs.log })
			ctx := context.Background()
			_, getErr := c.GetDeployment(ctx, "1", 7)
			_, _, createErr := c.CreateDeployment(ctx, "1", CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: "abc", Status: StatusSuccess})
			if StatusCode(getErr) != 503 || createErr == nil {
				t.Fatalf("the stub did not see the credential: %v / %v", getErr, createErr)
			}
			everything := strings.Join([]string{getErr.Error(), createErr.Error(), logs.all()}, "\n")
			if strings.Contains(everything, tc.secret) {
				t.Errorf("the credential appears in errors or logs:\n%s", everything)
			}
			if logs.all() == "" {
				t.Error("nothing was logged, so the test proves nothing")
			}
		})
	}
}

func TestAPIURL(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, errText string }{
		{"https://gitlab.example.com", "https://gitlab.example.com/api/v4/", ""},
		{"https://gitlab.example.com/", "https://gitlab.example.com/api/v4/", ""},
		{"https://gitlab.example.com/api/v4", "https://gitlab.example.com/api/v4/", ""},
		{" https://example.com/gitlab/api/v4/ ", "https://example.com/gitlab/api/v4/", ""},
		{"http://127.0.0.1:8080?x=1#y", "http://127.0.0.1:8080/api/v4/", ""},
		{"gitlab.example.com", "", `the URL "gitlab.example.com" has no scheme: write it as "https://gitlab.example.com", or with http://`},
		{"127.0.0.1:44219", "", `the URL "127.0.0.1:44219" has no scheme: write it as "https://127.0.0.1:44219"`},
		{"ftp://gitlab.example.com", "", `the URL "ftp://gitlab.example.com" is not an http:// or https:// URL`},
		{"https://root:hunter2@gitlab.example.com", "", "the URL holds a user name or password (user:password@ before the host): remove them"},
		{"https://root:hun ter2@gitlab.example.com", "", "the URL holds a user name or password"},
	}
	for _, tc := range cases {
		got, err := APIURL(tc.in)
		switch {
		case tc.errText == "" && (err != nil || got != tc.want):
			t.Errorf("APIURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
			t.Errorf("APIURL(%q) error %v, want one saying %q", tc.in, err, tc.errText)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("APIURL(%q) error reveals the password: %v", tc.in, err)
		}
	}
}

// Item 10 of issue 18: a wrong address (nothing listens) fails once UnreachableTimeout has passed,
// whatever max_retries allows, and every retry is a warning with its reason.
func TestSend_unreachableGitLabGivesUpAfterUnreachableTimeout(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	var warnings logRecorder
	c := newTestClient(t, "http://"+addr, func(c *Config) {
		c.MaxRetries, c.UnreachableTimeout, c.Warn = 1_000_000, 100*time.Millisecond, warnings.log
	})
	_, err = c.GetDeployment(context.Background(), "1", 7)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want ErrUnreachable saying connection refused", err)
	}
	lines := strings.Split(warnings.all(), "\n")
	if len(lines) < 2 || len(lines) > 1000 {
		t.Fatalf("%d warnings, want a few retries then the end:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, line := range lines[:len(lines)-1] {
		if !strings.Contains(line, "retrying GitLab request") || !strings.Contains(line, "reason:the connection failed before the request was sent") {
			t.Errorf("retry warning %q does not give its reason", line)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "GitLab stayed unreachable") || !strings.Contains(last, "unreachable_timeout:100ms") {
		t.Errorf("last warning %q does not say why it gave up", last)
	}
}

func TestNew_unreachableTimeoutDefaultsTo30s(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: "https://gitlab.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.UnreachableTimeout != 30*time.Second {
		t.Errorf("UnreachableTimeout = %s, want 30s", c.cfg.UnreachableTimeout)
	}
}
