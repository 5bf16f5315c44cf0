package fakegitlab

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/envslug"
)

// store is the server's whole state. Every field is guarded by mu; handlers hold it for the whole
// request so that each request sees and leaves a consistent state.
type store struct {
	mu  sync.Mutex
	now func() time.Time
	// last is the latest time handed out: times only move forward, one millisecond at least, so
	// that "later" is visible in the API's millisecond timestamps.
	last time.Time

	users      []*user
	userByID   map[int64]*user
	userByName map[string]*user
	tokens     map[string]*user
	jobTokens  map[string]*jobToken
	// fineGrained holds the permissions of each fine-grained personal access token (§A9).
	fineGrained map[string]map[string]bool

	// deploymentDeleteLimit is the deployment_delete rate limit; deleteWindows counts per user.
	deploymentDeleteLimit int
	deleteWindows         map[int64]rateWindow

	groups    []*group
	groupByID map[int64]*group

	projects      []*project
	projectByID   map[int64]*project
	projectByPath map[string]*project // lower-cased path_with_namespace
	// redirects are the paths projects had before a rename or transfer, lower-cased: GitLab's
	// redirect_routes, which the API's project lookup follows.
	redirects map[string]*project

	deployments map[int64]*deployment

	nextDeploymentID, nextEnvID, nextAccessID, nextApprovalID int64
	nextMRID, nextJobID, nextPipelineID                       int64
}

type user struct {
	id        int64
	username  string
	name      string
	admin     bool
	createdAt time.Time
}

type group struct {
	id      int64
	name    string
	path    string        // full path, e.g. "acme" or "acme/qa"
	members map[int64]int // user id -> access level
}

type jobToken struct {
	token   string
	project *project
	user    *user
}

type project struct {
	id                int64
	path              string // path_with_namespace
	allowSelfApprove  bool
	sharedWithGroups  []int64
	jobTokenAllowlist []allowlistEntry
	members           map[int64]int // user id -> direct access level
	repo              *repo
	protectedEnvs     []*protectedEnv
	mergeRequests     []*mergeRequest
	environments      []*environment
	nextIID           int64
	createdAt         time.Time
	deployments       []*deployment // by id
}

type environment struct {
	id        int64
	name      string
	slug      string
	tier      string // production, staging, testing, development or other (DESIGN.md §A11)
	createdAt time.Time
	updatedAt time.Time
	// state is available, stopping or stopped (DESIGN.md §A14); "" reads as available.
	state       string
	externalURL *string
	// onStop: the environment's last deployment has an on_stop job, so that a stop without force
	// leaves it stopping.
	onStop bool
}

// accessEntry is a deploy access level or an approval rule: exactly one of accessLevel, userID
// and groupID is non-zero.
type accessEntry struct {
	id                   int64
	accessLevel          int
	userID               int64
	groupID              int64
	groupInheritanceType int
	requiredApprovals    int // rules only
}

type protectedEnv struct {
	name         string
	deployAccess []*accessEntry
	rules        []*accessEntry
	updatedAt    time.Time
}

type mergeRequest struct {
	id           int64
	iid          int64
	projectID    int64
	title        string
	description  string
	state        string
	sourceBranch string
	targetBranch string
	author       *user
	mergeUser    *user    // nil: none
	labels       []string // sorted
	createdAt    time.Time
	updatedAt    time.Time
	mergedAt     *time.Time
}

type job struct {
	id         int64
	pipelineID int64
	name       string
	stage      string
	createdAt  time.Time
}

type deployment struct {
	id         int64
	iid        int64
	project    *project
	env        *environment
	ref        string
	sha        string
	tag        bool
	status     string
	user       *user
	job        *job // nil when created through the API
	createdAt  time.Time
	updatedAt  time.Time
	finishedAt *time.Time
	mrs        []*mergeRequest
	approvals  []*approval
}

type approval struct {
	id        int64
	user      *user
	status    string
	comment   *string
	createdAt time.Time
	ruleID    int64
}

func newStore(now func() time.Time) *store {
	if now == nil {
		now = time.Now
	}
	return &store{
		now:                   now,
		userByID:              map[int64]*user{},
		userByName:            map[string]*user{},
		tokens:                map[string]*user{},
		jobTokens:             map[string]*jobToken{},
		fineGrained:           map[string]map[string]bool{},
		deleteWindows:         map[int64]rateWindow{},
		deploymentDeleteLimit: defaultDeploymentDeleteLimit,
		groupByID:             map[int64]*group{},
		projectByID:           map[int64]*project{},
		projectByPath:         map[string]*project{},
		redirects:             map[string]*project{},
		deployments:           map[int64]*deployment{},
		nextDeploymentID:      1, nextEnvID: 1, nextAccessID: 1, nextApprovalID: 1,
		nextMRID: 1, nextJobID: 1, nextPipelineID: 1,
	}
}

// tick returns the current time in UTC at millisecond precision, strictly after every earlier tick.
func (s *store) tick() time.Time {
	t := s.now().UTC().Truncate(time.Millisecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Millisecond)
	}
	s.last = t
	return t
}

func (s *store) findProject(key string) *project {
	if key == "" {
		return nil
	}
	if isInteger(key) {
		id, ok := parseInt(key)
		if !ok {
			return nil
		}
		return s.projectByID[id]
	}
	if !strings.Contains(key, "/") {
		return nil
	}
	if p := s.projectByPath[strings.ToLower(key)]; p != nil {
		return p
	}
	return s.redirects[strings.ToLower(key)]
}

// moveProject gives a project a new full path, as a rename (PUT /projects/:id with path) or a
// transfer (PUT /projects/:id/transfer) does in GitLab: the old path becomes a redirect to the
// project, and the new path takes over from any redirect it and the paths under it held.
func (s *store) moveProject(p *project, newPath string) {
	newKey := strings.ToLower(newPath)
	for old := range s.redirects {
		if old == newKey || strings.HasPrefix(old, newKey+"/") {
			delete(s.redirects, old)
		}
	}
	oldKey := strings.ToLower(p.path)
	delete(s.projectByPath, oldKey)
	if oldKey != newKey {
		s.redirects[oldKey] = p
	}
	p.path = newPath
	s.projectByPath[newKey] = p
}

func (s *store) findEnvironment(p *project, name string) *environment {
	for _, e := range p.environments {
		if e.name == name {
			return e
		}
	}
	return nil
}

// findOrCreateEnvironment finds the environment or creates it at time t, with the tier given or,
// when tier is "", the one GitLab guesses from the name.
func (s *store) findOrCreateEnvironment(p *project, name, tier string, t time.Time) *environment {
	if e := s.findEnvironment(p, name); e != nil {
		return e
	}
	if tier == "" {
		tier = guessTier(name)
	}
	e := &environment{id: s.nextEnvID, name: name, slug: envslug.Slug(name), tier: tier, createdAt: t, updatedAt: t}
	s.nextEnvID++
	p.environments = append(p.environments, e)
	return e
}

func (p *project) protectedEnv(name string) *protectedEnv {
	for _, pe := range p.protectedEnvs {
		if pe.name == name {
			return pe
		}
	}
	return nil
}

func (p *project) mergeRequest(iid int64) *mergeRequest {
	for _, mr := range p.mergeRequests {
		if mr.iid == iid {
			return mr
		}
	}
	return nil
}

func (s *store) newDeployment(p *project, env *environment, u *user, t time.Time) *deployment {
	d := &deployment{id: s.nextDeploymentID, iid: p.nextIID, project: p, env: env, user: u, createdAt: t, updatedAt: t}
	s.nextDeploymentID++
	p.nextIID++
	s.deployments[d.id] = d
	p.deployments = append(p.deployments, d)
	return d
}

func (s *store) deleteDeployment(d *deployment) {
	delete(s.deployments, d.id)
	d.project.deployments = slices.DeleteFunc(d.project.deployments, func(x *deployment) bool { return x == d })
}
