package fakegitlab

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options tunes a Server. The zero value is a well-behaved server on a free loopback port.
type Options struct {
	// Addr is the address to listen on; default "127.0.0.1:0" (a free port).
	Addr string
	// Latency delays every API request.
	Latency time.Duration
	// FailRate is the fraction of API requests answered 500, 502 or 503 without any effect.
	FailRate float64
	// LoseRate is the fraction of create, update, delete and approval requests that take effect
	// and then lose their answer: a 502, or the connection closed with no answer, half each.
	LoseRate float64
	// RateLimit answers 429, as GitLab's throttle does, to requests beyond this many in one
	// second of the server's clock (Now, else the wall clock). Zero means no limit.
	RateLimit int
	// RandSeed seeds the choice of random faults; zero picks a seed from the clock.
	RandSeed uint64
	// Fault, when set, is asked first for every API request; FaultNone lets the random faults
	// decide. It makes fault tests deterministic.
	Fault func(*http.Request) Fault
	// Now is the clock for every timestamp the server stores; default time.Now. The server moves
	// it forward by at least a millisecond per stored timestamp so that later events are later.
	Now func() time.Time
}

// Fault is an injected failure for one request.
type Fault int

// Faults a test can inject through Options.Fault.
const (
	FaultNone            Fault = iota
	Fault500                   // 500 Internal Server Error, nothing done
	Fault502                   // 502 Bad Gateway, nothing done
	Fault503                   // 503 Service Unavailable, nothing done
	Fault429                   // GitLab's throttle answer, nothing done
	FaultLoseAnswer502         // the request takes effect, then a 502 is answered
	FaultLoseAnswerClose       // the request takes effect, then the connection closes unanswered
)

// Stats counts the API requests a server received, faults included.
type Stats struct {
	Total   int            `json:"total"`
	ByRoute map[string]int `json:"by_route"`
}

// Server is a running fake GitLab.
type Server struct {
	opts    Options
	store   *store
	baseURL string
	http    *http.Server
	ln      net.Listener
	handler http.Handler
	done    chan struct{}
	onPanic func(any) // tests: a handler panicked (the client got a 500)

	statsMu sync.Mutex
	stats   Stats

	requests atomic.Uint64 // numbers the X-Request-Id of each API answer

	faultMu      sync.Mutex
	rng          *rand.Rand
	windowSecond int64
	windowCount  int
}

// NewServer loads the seed (nil for an empty server) and starts serving on loopback.
func NewServer(seed *Seed, opts Options) (*Server, error) {
	s, err := newServer(seed, opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln) // returns when closed

	}()
	return s, nil
}

// newServer builds a server without listening; tests of the handler alone use it.
func newServer(seed *Seed, opts Options) (*Server, error) {
	seedRand := opts.RandSeed
	if seedRand == 0 {
		seedRand = uint64(time.Now().UnixNano())
	}
	s := &Server{
		opts:    opts,
		store:   newStore(opts.Now),
		baseURL: "http://127.0.0.1",
		done:    make(chan struct{}),
		stats:   Stats{ByRoute: map[string]int{}},
		rng:     rand.New(rand.NewPCG(seedRand, 0x9e3779b97f4a7c15)),
	}
	if seed != nil {
		if _, err := s.AddSeed(seed); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// TB is the part of testing.TB that NewTestServer needs.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// NewTestServer starts a server for one test and stops it when the test ends.
func NewTestServer(t TB, seed *Seed, opts Options) *Server {
	t.Helper()
	s, err := NewServer(seed, opts)
	if err != nil {
		t.Fatalf("fakegitlab: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL, e.g. "http://127.0.0.1:41235"; the REST API is under URL()+"/api/v4".
func (s *Server) URL() string { return s.baseURL }

// Handler is the server's whole HTTP handler, API and fake-only endpoints, for wrapping.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the server at once, closing open connections.
func (s *Server) Close() {
	if s.http == nil {
		return
	}
	_ = s.http.Close()
	<-s.done
}

// Shutdown stops the server gracefully, letting requests in flight finish.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	err := s.http.Shutdown(ctx)
	<-s.done
	return err
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := Stats{Total: s.stats.Total, ByRoute: make(map[string]int, len(s.stats.ByRoute))}
	for k, v := range s.stats.ByRoute {
		out.ByRoute[k] = v
	}
	return out
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats = Stats{ByRoute: map[string]int{}}
}

// requestID is the X-Request-Id of the next API answer: GitLab sends one with every answer, a
// 26-character correlation id; the fake's are numbered.
func (s *Server) requestID() string {
	return fmt.Sprintf("01FAKE%020d", s.requests.Add(1))
}

func (s *Server) count(route string) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats.Total++
	s.stats.ByRoute[route]++
}

// MoveProject renames or transfers project (a numeric id or its current full path) to newPath,
// as GitLab does: the project keeps its id, and its old path keeps leading to it through a
// redirect, which the API follows, until another project takes that path.
func (s *Server) MoveProject(project, newPath string) error {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	p := s.store.projectByPath[strings.ToLower(project)]
	if isInteger(project) {
		p = s.store.findProject(project)
	}
	if p == nil {
		return fmt.Errorf("no project %q", project)
	}
	if !strings.Contains(strings.Trim(newPath, "/"), "/") || strings.Trim(newPath, "/") != newPath {
		return fmt.Errorf("%q is not a full path such as group/project", newPath)
	}
	if other := s.store.projectByPath[strings.ToLower(newPath)]; other != nil && other != p {
		return fmt.Errorf("path %q has already been taken by project %d", newPath, other.id)
	}
	s.store.moveProject(p, newPath)
	return nil
}

// AddSeed merges one more seed document into the running server and lists the deployments it
// added, in document order. An invalid seed adds nothing.
func (s *Server) AddSeed(seed *Seed) ([]SeededDeployment, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if err := validateSeed(seed, s.store); err != nil {
		return nil, err
	}
	return s.store.apply(seed), nil
}
