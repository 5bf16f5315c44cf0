package gitlabapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "glpat-test-secret-0123456789"

// newTestClient is a client with waits short enough that no test sleeps long.
func newTestClient(t *testing.T, baseURL string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: baseURL, Token: testToken,
		MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
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

// stub is a scripted GitLab: it records every request as "METHOD /path" (under /api/v4) and
// answers with handle.
type stub struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newStub(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *stub {
	t.Helper()
	s := &stub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + strings.TrimPrefix(r.URL.EscapedPath(), "/api/v4")
		s.mu.Lock()
		s.requests = append(s.requests, key)
		n := 0
		for _, k := range s.requests {
			if k == key {
				n++
			}
		}
		s.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

// log is the requests received so far.
func (s *stub) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *stub) count(key string) int {
	n := 0
	for _, k := range s.log() {
		if k == key {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"message": message})
}

// dropConnection closes the connection without an answer, as a crashed proxy does.
func dropConnection(w http.ResponseWriter) {
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		panic("the test server's writer cannot be hijacked")
	}
	conn, _, err := hijacker.Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// hang answers nothing until the client goes away.
func hang(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// deploymentJSON is a deployment as GitLab lists it.
func deploymentJSON(id int64, env, ref, sha, status string, created time.Time, ci bool) map[string]any {
	ts := created.UTC().Format("2006-01-02T15:04:05.000Z")
	d := map[string]any{
		"id": id, "iid": id, "ref": ref, "sha": sha, "status": status,
		"created_at": ts, "updated_at": ts,
		"user":        map[string]any{"id": 2, "username": "mae", "name": "Mae Maintainer"},
		"environment": map[string]any{"id": 9, "name": env, "slug": env},
		"deployable":  nil,
	}
	if ci {
		d["deployable"] = map[string]any{"id": 100 + id, "name": "deploy", "stage": "deploy", "status": status}
	}
	return d
}

// logRecorder collects everything the client logs.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %v", msg, fields))
}

func (l *logRecorder) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
