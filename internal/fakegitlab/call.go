package fakegitlab

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authMode is how an endpoint treats credentials (DESIGN.md §A1, §A6, §A7).
type authMode int

const (
	// authRequired: deployments endpoints; no credentials is 401; job tokens work.
	authRequired authMode = iota
	// authOptional: anonymous callers go on to the project lookup; job tokens work.
	authOptional
	// authNoJobToken: like authOptional, but a job token counts as no credentials.
	authNoJobToken
)

// authenticate resolves the caller. A token that is sent but unknown is 401 everywhere.
func (c *call) authenticate(mode authMode) *reply {
	personal := c.r.Header.Get("Private-Token")
	if personal == "" {
		personal = c.param("private_token")
	}
	if personal == "" {
		if scheme, tok, ok := strings.Cut(c.r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			personal = strings.TrimSpace(tok)
		}
	}
	if personal == "" {
		personal = c.param("access_token")
	}
	if personal != "" {
		if c.user = c.st.tokens[personal]; c.user == nil {
			return &unauthorized
		}
		c.fineGrained = c.st.fineGrained[personal]
		return c.checkGrant()
	}
	job := c.r.Header.Get("Job-Token")
	if job == "" {
		job = c.param("job_token")
	}
	if job != "" && mode != authNoJobToken {
		jt := c.st.jobTokens[job]
		if jt == nil {
			return &unauthorized
		}
		c.user, c.jobToken = jt.user, jt
		return nil
	}
	if mode == authRequired {
		return &unauthorized
	}
	return nil
}

// param is a scalar parameter as a string, "" when absent or not a scalar.
func (c *call) param(name string) string {
	s, _ := coerceString(c.p[name])
	return s
}

// findReadableProject is findProject, then the Reporter role GitLab's deployment, environment and
// merge-request reads ask for.
func (c *call) findReadableProject() (*project, *reply) {
	p, rep := c.findProject()
	if rep != nil {
		return nil, rep
	}
	if !c.st.can(c.user, p, levelReporter) {
		return nil, &forbidden
	}
	return p, nil
}

// findProject is the project lookup of DESIGN.md §A1 with the job-token scope check before the
// visibility check, as GitLab's find_project! does.
func (c *call) findProject() (*project, *reply) {
	p := c.st.findProject(c.vars["id"])
	if p == nil {
		return nil, &projectNotFound
	}
	if jt := c.jobToken; jt != nil {
		if _, ok := p.jobTokenEntry(jt); !ok {
			rep := msgReply(http.StatusForbidden, fmt.Sprintf("403 Forbidden - Authentication by CI/CD job token not allowed from %s to %s.", jt.project.path, p.path))
			return nil, &rep
		}
	}
	if c.user == nil || !c.st.can(c.user, p, levelGuest) {
		return nil, &projectNotFound
	}
	if rep := c.checkJobTokenPolicies(p); rep != nil {
		return nil, rep
	}
	return p, nil
}

// findReadableDeployment is findReadableProject, then the :deployment_id deployment in it.
func (c *call) findReadableDeployment() (*deployment, *reply) {
	return c.deploymentIn(c.findReadableProject())
}

// findWritableDeployment is findProject, then the :deployment_id deployment in it, then the role
// (minLevel) and the deploy access to its environment that GitLab's deployment writes ask for.
func (c *call) findWritableDeployment(minLevel int) (*deployment, *reply) {
	d, rep := c.deploymentIn(c.findProject())
	if rep != nil {
		return nil, rep
	}
	if !c.st.can(c.user, d.project, minLevel) || !c.st.hasDeployAccess(c.user, d.project, d.env.name) {
		return nil, &forbidden
	}
	return d, nil
}

// deploymentIn is the :deployment_id deployment of the project a find gave, or the find's reply.
func (c *call) deploymentIn(p *project, rep *reply) (*deployment, *reply) {
	if rep != nil {
		return nil, rep
	}
	if d := c.deploymentByParam(p); d != nil {
		return d, nil
	}
	return nil, &recordNotFound
}

// deploymentByParam finds the :deployment_id deployment in the project.
func (c *call) deploymentByParam(p *project) *deployment {
	id, ok := parseInt(c.vars["deployment_id"])
	if !ok {
		return nil
	}
	d := c.st.deployments[id]
	if d == nil || d.project != p {
		return nil
	}
	return d
}

// grape validates parameters the way Grape does: in declaration order, collecting every failure,
// answered together as 400 E.
type grape struct {
	p    params
	errs []string
}

func (c *call) grape() *grape { return &grape{p: c.p} }

func (g *grape) fail(name, msg string) { g.errs = append(g.errs, name+" "+msg) }

func (g *grape) result() *reply {
	if len(g.errs) == 0 {
		return nil
	}
	rep := errReply(http.StatusBadRequest, strings.Join(g.errs, ", "))
	return &rep
}

// requiredString is a required String that may not be blank.
func (g *grape) requiredString(name string) string {
	v, ok := g.p[name]
	if !ok {
		g.fail(name, "is missing")
		return ""
	}
	s, ok := coerceString(v)
	if !ok {
		g.fail(name, "is invalid")
		return ""
	}
	if strings.TrimSpace(s) == "" {
		g.fail(name, "is empty")
	}
	return s
}

// optionalString is an optional String; nil when absent or null.
func (g *grape) optionalString(name string) *string {
	v, ok := g.p[name]
	if !ok || v == nil {
		return nil
	}
	s, ok := coerceString(v)
	if !ok {
		g.fail(name, "is invalid")
		return nil
	}
	return &s
}

// values is a String limited to allowed; def is used when an optional one is absent.
func (g *grape) values(name string, required bool, allowed []string, def string) string {
	v, ok := g.p[name]
	if !ok || (v == nil && !required) {
		if required {
			g.fail(name, "is missing")
			g.fail(name, "does not have a valid value")
		}
		return def
	}
	s, ok := coerceString(v)
	if !ok {
		g.fail(name, "is invalid")
		return def
	}
	if v == nil || !slices.Contains(allowed, s) {
		g.fail(name, "does not have a valid value")
		return def
	}
	return s
}

// requiredBool is a required Boolean; null or blank reads as false, as Grape lets nil through.
func (g *grape) requiredBool(name string) bool {
	v, ok := g.p[name]
	if !ok {
		g.fail(name, "is missing")
		return false
	}
	if s, isStr := v.(string); v == nil || (isStr && strings.TrimSpace(s) == "") {
		return false
	}
	b, ok := coerceBool(v)
	if !ok {
		g.fail(name, "is invalid")
	}
	return b
}

// integer is an Integer; ok is false when absent, null, blank or invalid.
func (g *grape) integer(name string, required bool) (n int64, ok bool) {
	v, present := g.p[name]
	if s, isStr := v.(string); !present || v == nil || (isStr && strings.TrimSpace(s) == "") {
		if required {
			g.fail(name, "is missing")
		}
		return 0, false
	}
	if n, ok = coerceInt(v); !ok {
		g.fail(name, "is invalid")
	}
	return n, ok
}

// dateTime is an optional DateTime.
func (g *grape) dateTime(name string) *time.Time {
	v, ok := g.p[name]
	if s, isStr := v.(string); !ok || v == nil || (isStr && strings.TrimSpace(s) == "") {
		return nil
	}
	t, ok := coerceTime(v)
	if !ok {
		g.fail(name, "is invalid")
		return nil
	}
	return &t
}

// page is the result of the pagination parameters (DESIGN.md §A5).
type page struct {
	page, perPage    int
	requestedPerPage string // echoed in Link
}

func (g *grape) pagination() page {
	pg := page{page: 1, perPage: 20, requestedPerPage: "20"}
	if n, ok := g.integer("page", false); ok && n > 1 {
		pg.page = int(min(n, math.MaxInt32))
	}
	if n, ok := g.integer("per_page", false); ok {
		pg.requestedPerPage = strconv.FormatInt(n, 10)
		switch {
		case n == 0:
			g.fail("per_page", "has a value not allowed")
		case n > 100:
			pg.perPage = 100
		case n > 0:
			pg.perPage = int(n)
		}
	}
	return pg
}

// credentialParams never appear in Link headers.
var credentialParams = map[string]bool{"private_token": true, "access_token": true, "job_token": true}

// paginate cuts one page of n items and sets the pagination headers; defaults are the endpoint's
// parameter defaults, echoed in Link like every request parameter.
func (c *call) paginate(n int, pg page, defaults map[string]string) (from, to int, h http.Header) {
	totalPages := max((n+pg.perPage-1)/pg.perPage, 1)
	from = min((pg.page-1)*pg.perPage, n)
	to = min(from+pg.perPage, n)
	h = http.Header{}
	countKnown := n <= 10000
	if countKnown {
		h.Set("X-Total", strconv.Itoa(n))
		h.Set("X-Total-Pages", strconv.Itoa(totalPages))
	}
	h.Set("X-Per-Page", strconv.Itoa(pg.perPage))
	h.Set("X-Page", strconv.Itoa(pg.page))
	next, prev := "", ""
	if pg.page < totalPages {
		next = strconv.Itoa(pg.page + 1)
	}
	if pg.page > 1 && pg.page <= totalPages {
		prev = strconv.Itoa(pg.page - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)

	q := map[string]string{}
	for k, v := range defaults {
		q[k] = v
	}
	for k, v := range c.p {
		if s, ok := coerceString(v); ok && !credentialParams[k] {
			q[k] = s
		}
	}
	q["per_page"] = pg.requestedPerPage
	link := func(pageNo, rel string) string {
		q["page"] = pageNo
		parts := make([]string, 0, len(q))
		for _, k := range sortedKeys(q) {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(q[k]))
		}
		return "<" + c.requestURL() + "?" + strings.Join(parts, "&") + `>; rel="` + rel + `"`
	}
	var links []string
	if prev != "" {
		links = append(links, link(prev, "prev"))
	}
	if next != "" {
		links = append(links, link(next, "next"))
	}
	links = append(links, link("1", "first"))
	if countKnown {
		links = append(links, link(strconv.Itoa(totalPages), "last"))
	}
	h.Set("Link", strings.Join(links, ", "))
	return from, to, h
}

// requestURL is the request's scheme, host and escaped path.
func (c *call) requestURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + cmp.Or(c.r.Host, strings.TrimPrefix(c.srv.baseURL, "http://")) + c.r.URL.EscapedPath()
}
