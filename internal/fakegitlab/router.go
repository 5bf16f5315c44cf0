package fakegitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const apiPrefix = "/api/v4"

// route is one API endpoint. Patterns use GitLab's parameter names; they are matched against the
// raw (escaped) path, one segment per parameter, so that acme%2Fapp is one segment and a raw '/'
// inside :id misses the route.
type route struct {
	method  string
	pattern string
	segs    []string
	write   bool // create, update, delete or approval: subject to -lose-rate
	handle  func(*call) reply
	// grant is what a fine-grained personal access token needs for the route; jobTokenPolicies
	// what a job token needs where an allowlist entry gives it fine-grained permissions (§A9).
	grant            grant
	jobTokenPolicies []string
}

func (s *Server) routes() http.Handler {
	table := []route{
		{method: "GET", pattern: "/user", handle: handleUser, grant: userRead},
		{method: "GET", pattern: "/projects/:id", handle: handleProject, grant: projectRead},
		{method: "GET", pattern: "/projects/:id/repository/tags/:tag_name", handle: handleTag, grant: codeRead},
		{method: "GET", pattern: "/projects/:id/merge_requests", handle: handleListMergeRequests, grant: mergeRequestRead, jobTokenPolicies: readMergeRequests},
		{method: "GET", pattern: "/projects/:id/deployments", handle: handleListDeployments, grant: deploymentRead, jobTokenPolicies: readDeployments},
		{method: "POST", pattern: "/projects/:id/deployments", write: true, handle: handleCreateDeployment, grant: deploymentCreate, jobTokenPolicies: createDeployments},
		{method: "GET", pattern: "/projects/:id/deployments/:deployment_id", handle: handleGetDeployment, grant: deploymentRead, jobTokenPolicies: readDeployments},
		{method: "PUT", pattern: "/projects/:id/deployments/:deployment_id", write: true, handle: handleUpdateDeployment, grant: deploymentUpdate, jobTokenPolicies: adminDeployments},
		{method: "DELETE", pattern: "/projects/:id/deployments/:deployment_id", write: true, handle: handleDeleteDeployment, grant: deploymentDelete, jobTokenPolicies: adminDeployments},
		{method: "GET", pattern: "/projects/:id/deployments/:deployment_id/merge_requests", handle: handleDeploymentMergeRequests, grant: deploymentRead, jobTokenPolicies: readDeployments},
		{method: "POST", pattern: "/projects/:id/deployments/:deployment_id/approval", write: true, handle: handleApproval, grant: deploymentApprove, jobTokenPolicies: adminDeployments},
		{method: "GET", pattern: "/projects/:id/environments", handle: handleListEnvironments, grant: environmentRead, jobTokenPolicies: readEnvironments},
		{method: "GET", pattern: "/projects/:id/environments/:environment_id", handle: handleGetEnvironment, grant: environmentRead, jobTokenPolicies: readEnvironments},
		{method: "POST", pattern: "/projects/:id/environments/:environment_id/stop", write: true, handle: handleStopEnvironment, grant: environmentStop, jobTokenPolicies: adminEnvironments},
		{method: "GET", pattern: "/projects/:id/protected_environments", handle: handleListProtectedEnvs, grant: protectedEnvRead},
		{method: "POST", pattern: "/projects/:id/protected_environments", write: true, handle: handleCreateProtectedEnv, grant: protectedEnvCreate},
		{method: "GET", pattern: "/projects/:id/protected_environments/:name", handle: handleGetProtectedEnv, grant: protectedEnvRead},
		{method: "PUT", pattern: "/projects/:id/protected_environments/:name", write: true, handle: handleUpdateProtectedEnv, grant: protectedEnvUpdate},
		{method: "DELETE", pattern: "/projects/:id/protected_environments/:name", write: true, handle: handleDeleteProtectedEnv, grant: protectedEnvDelete},
	}
	for i := range table {
		table[i].segs = strings.Split(strings.TrimPrefix(table[i].pattern, "/"), "/")
	}
	// No http.ServeMux: it would redirect unclean paths such as projects//deployments, which
	// GitLab answers 404.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		switch {
		case path == apiPrefix || strings.HasPrefix(path, apiPrefix+"/"):
			s.serveAPI(w, r, table)
		case path == "/-/fake/stats" && r.Method == http.MethodGet:
			s.handleStats(w, r)
		case path == "/-/fake/stats/reset" && r.Method == http.MethodPost:
			s.handleStatsReset(w, r)
		case path == "/-/fake/seed" && r.Method == http.MethodPost:
			s.handleSeed(w, r)
		default:
			notFoundRoute.write(w)
		}
	})
}

// match finds the route for a method and raw API path, returning its decoded path parameters.
func match(table []route, method, rawPath string) (*route, map[string]string) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	for i := range table {
		rt := &table[i]
		if rt.method != method || len(rt.segs) != len(segs) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for j, want := range rt.segs {
			if strings.HasPrefix(want, ":") {
				v, err := url.PathUnescape(segs[j])
				if err != nil || v == "" {
					ok = false
					break
				}
				vars[want[1:]] = v
			} else if segs[j] != want {
				ok = false
				break
			}
		}
		if ok {
			return rt, vars
		}
	}
	return nil, nil
}

// reply is a handler's answer, written after the handler returns so that a lost answer can be
// dropped after its effect.
type reply struct {
	status int
	body   any // JSON; nil writes no body
	header http.Header
}

func jsonReply(status int, body any) reply { return reply{status: status, body: body} }

// msgReply is GitLab's error shape M: {"message": X}.
func msgReply(status int, message any) reply {
	return reply{status: status, body: map[string]any{"message": message}}
}

// errReply is Grape's error shape E: {"error": "text"}.
func errReply(status int, text string) reply {
	return reply{status: status, body: map[string]any{"error": text}}
}

var (
	notFoundRoute   = errReply(http.StatusNotFound, "404 Not Found")
	unauthorized    = msgReply(http.StatusUnauthorized, "401 Unauthorized")
	forbidden       = msgReply(http.StatusForbidden, "403 Forbidden")
	projectNotFound = msgReply(http.StatusNotFound, "404 Project Not Found")
	recordNotFound  = msgReply(http.StatusNotFound, "404 Not found")
	internalError   = msgReply(http.StatusInternalServerError, "500 Internal Server Error")
)

func badRequest(message string) reply {
	return msgReply(http.StatusBadRequest, "400 Bad request - "+message)
}

func (rep reply) encode() []byte {
	if rep.body == nil {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep.body); err != nil {
		return []byte(`{"message":"500 Internal Server Error"}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func (rep reply) write(w http.ResponseWriter) {
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	body := rep.encode()
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// call is one API request on its way through the pipeline of DESIGN.md §A1.
type call struct {
	srv      *Server
	r        *http.Request
	rt       *route
	vars     map[string]string // decoded path parameters
	p        params            // merged parameters, path parameters included
	user     *user             // nil: anonymous
	jobToken *jobToken         // set when the user came from a CI job token
	// fineGrained holds the permissions of a fine-grained personal access token, else nil.
	fineGrained map[string]bool
	st          *store
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, table []route) {
	rawPath := strings.TrimPrefix(r.URL.EscapedPath(), apiPrefix)
	rt, vars := match(table, r.Method, rawPath)
	key := r.Method + " " + apiPrefix + "/*"
	if rt != nil {
		key = r.Method + " " + apiPrefix + rt.pattern
	}
	s.count(key)
	w.Header().Set("X-Request-Id", s.requestID())
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	fault := s.pickFault(r, rt)
	switch fault {
	case Fault429:
		s.throttled().writeText(w)
		return
	case Fault500, Fault502, Fault503:
		faultReply(fault).write(w)
		return
	}
	rep := s.run(r, rt, vars)
	switch fault {
	case FaultLoseAnswer502:
		faultReply(Fault502).write(w)
	case FaultLoseAnswerClose:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	default:
		rep.write(w)
	}
}

func faultReply(f Fault) reply {
	switch f {
	case Fault502, FaultLoseAnswer502:
		return msgReply(http.StatusBadGateway, "502 Bad Gateway")
	case Fault503:
		return msgReply(http.StatusServiceUnavailable, "503 Service Unavailable")
	}
	return internalError
}

// run takes the request through routing, authentication and the endpoint, under the store lock.
// A panic becomes a 500 M as a last resort.
func (s *Server) run(r *http.Request, rt *route, vars map[string]string) (rep reply) {
	defer func() {
		if v := recover(); v != nil {
			if s.onPanic != nil {
				s.onPanic(v)
			}
			rep = internalError
		}
	}()
	if rt == nil {
		return notFoundRoute
	}
	p, err := decodeParams(r)
	if errors.Is(err, errBadBody) {
		return errReply(http.StatusBadRequest, err.Error())
	}
	for k, v := range vars {
		p[k] = v
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	c := &call{srv: s, r: r, rt: rt, vars: vars, p: p, st: s.store}
	return rt.handle(c)
}

// pickFault decides the request's fault: the test hook first, then the rate limit, then chance.
func (s *Server) pickFault(r *http.Request, rt *route) Fault {
	f := FaultNone
	if s.opts.Fault != nil {
		f = s.opts.Fault(r)
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.opts.RateLimit > 0 {
		now := s.clockNow().Unix()
		if now != s.windowSecond {
			s.windowSecond, s.windowCount = now, 0
		}
		s.windowCount++
		if f == FaultNone && s.windowCount > s.opts.RateLimit {
			return Fault429
		}
	}
	if f != FaultNone {
		return f
	}
	if s.opts.FailRate > 0 && s.rng.Float64() < s.opts.FailRate {
		return []Fault{Fault500, Fault502, Fault503}[s.rng.IntN(3)]
	}
	if rt != nil && rt.write && s.opts.LoseRate > 0 && s.rng.Float64() < s.opts.LoseRate {
		return []Fault{FaultLoseAnswer502, FaultLoseAnswerClose}[s.rng.IntN(2)]
	}
	return FaultNone
}

// clockNow is Options.Now, else the wall clock: the rate limit's one-second windows follow it.
func (s *Server) clockNow() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// throttle is GitLab's 429 answer: a plain-text body and RateLimit-* headers. RateLimit-Limit is
// sent only here: client-go limits itself for life after the first response carrying it.
type throttle struct {
	limit, observed int
	reset           int64
}

func (s *Server) throttled() throttle {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return throttle{limit: s.opts.RateLimit, observed: s.windowCount, reset: s.clockNow().Unix() + 1}
}

func (t throttle) writeText(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Retry-After", "1")
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(max(t.limit, 1)*60))
	h.Set("RateLimit-Observed", strconv.Itoa(t.observed))
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", strconv.FormatInt(t.reset, 10))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later"))
}
