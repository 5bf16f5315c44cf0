package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The environments endpoints (DESIGN.md §A14): list with the name, search and states filters, get
// one with its last deployment, and stop.

const (
	envAvailable = "available"
	envStopping  = "stopping"
	envStopped   = "stopped"
)

var environmentStates = []string{envAvailable, envStopping, envStopped}

// minEnvironmentSearch is the shortest search GitLab accepts.
const minEnvironmentSearch = 3

// SeedEnvironment is an environment as it stands before any deployment of the seed: a deployment
// to a name not listed here creates an available environment, as GitLab does.
type SeedEnvironment struct {
	Name string `json:"name"`
	// State is available (the default), stopping or stopped.
	State       string `json:"state,omitempty"`
	ExternalURL string `json:"external_url,omitempty"`
	// OnStop means that the environment's last deployment has an on_stop job: stopping it without
	// force leaves it stopping while that job runs.
	OnStop bool `json:"on_stop,omitempty"`
}

func checkSeedEnvironments(path string, envs []SeedEnvironment) error {
	seen := map[string]bool{}
	for i, e := range envs {
		ep := fmt.Sprintf("%s.environments[%d]", path, i)
		if msgs := environmentNameErrors(e.Name); len(msgs) > 0 {
			return errorf(ep+".name", "%q: name %s", e.Name, msgs[0])
		}
		if seen[e.Name] {
			return errorf(ep+".name", "environment %q is listed twice", e.Name)
		}
		seen[e.Name] = true
		if e.State != "" && !slices.Contains(environmentStates, e.State) {
			return errorf(ep+".state", "%q is not an environment state (%s)", e.State, strings.Join(environmentStates, ", "))
		}
	}
	return nil
}

func (s *store) applyEnvironment(p *project, se SeedEnvironment) {
	e := s.findOrCreateEnvironment(p, se.Name, "", s.tick())
	e.state = se.State
	e.onStop = se.OnStop
	if se.ExternalURL != "" {
		url := se.ExternalURL
		e.externalURL = &url
	}
}

func (e *environment) currentState() string {
	if e.state == "" {
		return envAvailable
	}
	return e.state
}

// start is what a deployment entering success does to its environment: a stopped or stopping one
// is available again.
func (e *environment) start() { e.state = envAvailable }

type environmentFullJSON struct {
	environmentJSON
	Tier            *string             `json:"tier"`
	Project         basicProjectJSON    `json:"project"`
	LastDeployment  *lastDeploymentJSON `json:"last_deployment,omitempty"`
	State           string              `json:"state"`
	AutoStopAt      *string             `json:"auto_stop_at"`
	AutoStopSetting string              `json:"auto_stop_setting"`
	Description     *string             `json:"description"`
	ClusterAgent    *struct{}           `json:"cluster_agent"`
	KubeNamespace   *string             `json:"kubernetes_namespace"`
	FluxPath        *string             `json:"flux_resource_path"`
}

type basicProjectJSON struct {
	ID                int64   `json:"id"`
	Description       *string `json:"description"`
	Name              string  `json:"name"`
	NameWithNamespace string  `json:"name_with_namespace"`
	Path              string  `json:"path"`
	PathWithNamespace string  `json:"path_with_namespace"`
	CreatedAt         string  `json:"created_at"`
	DefaultBranch     *string `json:"default_branch"`
	WebURL            string  `json:"web_url"`
}

// lastDeploymentJSON is a deployment inside its environment's answer, without the environment.
type lastDeploymentJSON struct {
	ID         int64    `json:"id"`
	IID        int64    `json:"iid"`
	Ref        string   `json:"ref"`
	SHA        string   `json:"sha"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
	User       userJSON `json:"user"`
	Deployable *jobJSON `json:"deployable"`
	Status     string   `json:"status"`
}

// environmentWithLastJSON is the answer of GET one: the environment and its last deployment, null
// when it has none.
type environmentWithLastJSON struct {
	environmentFullJSON
	LastDeployment *lastDeploymentJSON `json:"last_deployment"`
}

func (c *call) environmentWithLastJSON(p *project, e *environment) environmentWithLastJSON {
	out := environmentWithLastJSON{environmentFullJSON: c.environmentFullJSON(p, e)}
	if d := currentDeployment(p, e); d != nil {
		out.LastDeployment = &lastDeploymentJSON{
			ID: d.id, IID: d.iid, Ref: d.ref, SHA: d.sha, CreatedAt: apiTime(d.createdAt),
			UpdatedAt: apiTime(d.updatedAt), User: c.userJSON(d.user), Deployable: c.jobJSON(d), Status: d.status,
		}
	}
	return out
}

func (c *call) environmentFullJSON(p *project, e *environment) environmentFullJSON {
	_, name := namespaceOf(p.path)
	out := environmentFullJSON{
		environmentJSON: c.environmentJSON(e),
		Project: basicProjectJSON{
			ID: p.id, Name: name, Path: name, PathWithNamespace: p.path,
			NameWithNamespace: strings.ReplaceAll(p.path, "/", " / "), CreatedAt: apiTime(p.createdAt),
			DefaultBranch: nonZero(p.repo.defaultBranch()), WebURL: c.srv.baseURL + "/" + p.path,
		},
		State: e.currentState(), AutoStopSetting: "always",
	}
	return out
}

// GET /projects/:id/environments: Reporter, like reading deployments.
func handleListEnvironments(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	pg := g.pagination()
	name := g.optionalString("name")
	search := g.optionalString("search")
	states := g.values("states", false, environmentStates, "")
	_, hasName := g.p["name"]
	if _, hasSearch := g.p["search"]; hasName && hasSearch {
		g.errs = append(g.errs, "name, search cannot be used together")
	}
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, rep := c.findReadableProject()
	if rep != nil {
		return *rep
	}
	if search != nil && *search != "" && len([]rune(*search)) < minEnvironmentSearch {
		return badRequest(fmt.Sprintf("Search query is less than %d characters", minEnvironmentSearch))
	}
	list := slices.DeleteFunc(slices.Clone(p.environments), func(e *environment) bool {
		return (name != nil && *name != "" && e.name != *name) ||
			(search != nil && *search != "" && !strings.HasPrefix(strings.ToLower(e.name), strings.ToLower(*search))) ||
			(states != "" && e.currentState() != states)
	})
	from, to, h := c.paginate(len(list), pg, nil)
	out := make([]environmentFullJSON, 0, to-from)
	for _, e := range list[from:to] {
		out = append(out, c.environmentFullJSON(p, e))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}

// GET /projects/:id/environments/:environment_id: Reporter; the answer carries the last
// deployment, the environment's currently deployed one.
func handleGetEnvironment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("environment_id", true)
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, e, rep := c.environmentByParam()
	if rep != nil {
		return *rep
	}
	return jsonReply(http.StatusOK, c.environmentWithLastJSON(p, e))
}

// POST /projects/:id/environments/:environment_id/stop: Developer, and deploy access when the
// environment is protected.
func handleStopEnvironment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("environment_id", true)
	force := g.optionalBool("force")
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, e, rep := c.environmentByParam()
	if rep != nil {
		return *rep
	}
	if !c.st.can(c.user, p, levelDeveloper) || !c.st.hasDeployAccess(c.user, p, e.name) {
		return forbidden
	}
	switch {
	case force && e.currentState() == envStopped:
		// GitLab's stop_complete! has no transition from stopped and raises.
		return internalError
	case force:
		e.state = envStopped
	case e.currentState() != envAvailable:
		return badRequest("Attempted to stop the environment but failed to change the status")
	case e.onStop:
		e.state = envStopping
	default:
		e.state = envStopped
	}
	e.updatedAt = c.st.tick()
	return jsonReply(http.StatusOK, c.environmentFullJSON(p, e))
}

// environmentByParam finds the project, checks that the caller may read its environments
// (Reporter), and finds the :environment_id environment in it.
func (c *call) environmentByParam() (*project, *environment, *reply) {
	p, rep := c.findProject()
	if rep != nil {
		return nil, nil, rep
	}
	if !c.st.can(c.user, p, levelReporter) {
		return nil, nil, &forbidden
	}
	id, _ := parseInt(c.vars["environment_id"])
	for _, e := range p.environments {
		if e.id == id {
			return p, e, nil
		}
	}
	return nil, nil, &recordNotFound
}

// optionalBool is an optional Boolean, false when absent, null or blank.
func (g *grape) optionalBool(name string) bool {
	v, ok := g.p[name]
	if s, isStr := v.(string); !ok || v == nil || (isStr && strings.TrimSpace(s) == "") {
		return false
	}
	b, ok := coerceBool(v)
	if !ok {
		g.fail(name, "is invalid")
	}
	return b
}
