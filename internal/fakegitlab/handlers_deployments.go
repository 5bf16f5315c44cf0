package fakegitlab

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"
)

var (
	orderByValues      = []string{"id", "iid", "created_at", "updated_at", "finished_at"}
	sortValues         = []string{"asc", "desc"}
	updateStatusValues = []string{"running", "success", "failed", "canceled"}
)

// GET /projects/:id/deployments (DESIGN.md §A5).
func handleListDeployments(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	pg := g.pagination()
	orderBy := g.values("order_by", false, orderByValues, "id")
	sort := g.values("sort", false, sortValues, "asc")
	updatedAfter, updatedBefore := g.dateTime("updated_after"), g.dateTime("updated_before")
	finishedAfter, finishedBefore := g.dateTime("finished_after"), g.dateTime("finished_before")
	env := g.optionalString("environment")
	status := g.values("status", false, statuses, "")
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, rep := c.findReadableProject()
	if rep != nil {
		return *rep
	}
	byUpdated := updatedAfter != nil || updatedBefore != nil
	byFinished := finishedAfter != nil || finishedBefore != nil
	switch {
	case byUpdated && byFinished:
		return badRequest("Both `updated_at` filter and `finished_at` filter can not be specified")
	case byUpdated && orderBy != "updated_at":
		return badRequest("`updated_at` filter requires `updated_at` sort")
	case byFinished && orderBy != "finished_at":
		return badRequest("`finished_at` filter requires `finished_at` sort.")
	case orderBy == "finished_at" && !byFinished && !isFinished(status):
		return badRequest("`finished_at` sort requires `finished_at` filter or a filter with at least one of the finished statuses.")
	case byFinished && status != "success":
		return badRequest("`finished_at` filter must be combined with `success` status filter.")
	}
	list := slices.DeleteFunc(slices.Clone(p.deployments), func(d *deployment) bool {
		return (env != nil && *env != "" && d.env.name != *env) ||
			(status != "" && d.status != status) ||
			(updatedAfter != nil && d.updatedAt.Before(*updatedAfter)) ||
			(updatedBefore != nil && d.updatedAt.After(*updatedBefore)) ||
			(finishedAfter != nil && (d.finishedAt == nil || d.finishedAt.Before(*finishedAfter))) ||
			(finishedBefore != nil && (d.finishedAt == nil || !d.finishedAt.Before(*finishedBefore)))
	})
	// A project's deployments are held in id order, which is already the order of id, iid and
	// created_at; sorting only the other orders keeps big histories cheap to page through.
	switch orderBy {
	case "id", "iid", "created_at":
		if sort == "desc" {
			slices.Reverse(list)
		}
	default:
		slices.SortStableFunc(list, func(a, b *deployment) int {
			r := compareDeployments(a, b, orderBy)
			if sort == "desc" {
				return -r
			}
			return r
		})
	}
	from, to, h := c.paginate(len(list), pg, map[string]string{"order_by": "id", "sort": "asc"})
	out := make([]deploymentJSON, 0, to-from)
	for _, d := range list[from:to] {
		out = append(out, c.deploymentJSON(d))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}

// compareDeployments orders ascending: iid and created_at sort by id; a null finished_at sorts
// after every time.
func compareDeployments(a, b *deployment, orderBy string) int {
	switch orderBy {
	case "updated_at":
		if r := a.updatedAt.Compare(b.updatedAt); r != 0 {
			return r
		}
	case "finished_at":
		switch {
		case a.finishedAt == nil && b.finishedAt != nil:
			return 1
		case a.finishedAt != nil && b.finishedAt == nil:
			return -1
		case a.finishedAt != nil:
			if r := a.finishedAt.Compare(*b.finishedAt); r != 0 {
				return r
			}
		}
	}
	return cmp.Compare(a.id, b.id)
}

// GET /projects/:id/deployments/:deployment_id (DESIGN.md §A5).
func handleGetDeployment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("deployment_id", true)
	if rep := g.result(); rep != nil {
		return *rep
	}
	d, rep := c.findReadableDeployment()
	if rep != nil {
		return *rep
	}
	return jsonReply(http.StatusOK, c.deploymentExtendedJSON(d))
}

// POST /projects/:id/deployments (DESIGN.md §A2).
func handleCreateDeployment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	envName := g.requiredString("environment")
	sha := g.requiredString("sha")
	ref := g.requiredString("ref")
	tag := g.requiredBool("tag")
	status := g.values("status", true, updateStatusValues, "")
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, rep := c.findProject()
	if rep != nil {
		return *rep
	}
	if !c.st.can(c.user, p, levelDeveloper) {
		return forbidden
	}
	// GitLab checks the sha, then the ref, before it creates the environment (DESIGN.md §A2).
	if _, ok := p.repo.resolve(sha); !ok {
		return msgReply(http.StatusBadRequest, map[string][]string{"sha": {"The commit does not exist"}})
	}
	if _, ok := p.repo.resolve(ref); !ok {
		return msgReply(http.StatusBadRequest, map[string][]string{"ref": {"The branch or tag does not exist"}})
	}
	if msgs := environmentNameErrors(envName); len(msgs) > 0 {
		return msgReply(http.StatusBadRequest, map[string][]string{"name": msgs})
	}
	env := c.st.findOrCreateEnvironment(p, envName, "", c.st.tick())
	if !c.st.hasDeployAccess(c.user, p, envName) {
		return forbidden
	}
	if cur := currentDeployment(p, env); cur != nil && cur.ref == ref && cur.tag == tag && cur.sha == sha && cur.status == status {
		return jsonReply(http.StatusCreated, c.deploymentExtendedJSON(cur))
	}
	t := c.st.tick()
	d := c.st.newDeployment(p, env, c.user, t)
	d.ref, d.sha, d.tag, d.status = ref, sha, tag, "created"
	c.st.setStatus(d, status, t)
	return jsonReply(http.StatusCreated, c.deploymentExtendedJSON(d))
}

// setStatus moves d to status at time t (DESIGN.md §A2); entering success links merged merge requests.
func (s *store) setStatus(d *deployment, status string, t time.Time) {
	d.status = status
	d.updatedAt = t
	if isFinished(status) {
		d.finishedAt = &t
	}
	if status == "success" {
		s.linkMergeRequests(d)
		d.env.start()
	}
}

// linkMergeRequests links every merged merge request targeting the deployment's ref that no
// deployment of the same environment links yet, where GitLab links any (DESIGN.md §A11).
func (s *store) linkMergeRequests(d *deployment) {
	if !d.env.linksMergeRequests() {
		return
	}
	for _, mr := range d.project.mergeRequests {
		if mr.state != "merged" || mr.targetBranch != d.ref {
			continue
		}
		linked := slices.ContainsFunc(d.project.deployments, func(o *deployment) bool {
			return o.env == d.env && slices.Contains(o.mrs, mr)
		})
		if !linked {
			d.mrs = append(d.mrs, mr)
		}
	}
}

// PUT /projects/:id/deployments/:deployment_id (DESIGN.md §A2).
func handleUpdateDeployment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	status := g.values("status", true, updateStatusValues, "")
	if rep := g.result(); rep != nil {
		return *rep
	}
	d, rep := c.findWritableDeployment(levelDeveloper)
	if rep != nil {
		return *rep
	}
	if d.job != nil {
		return msgReply(http.StatusForbidden, "403 Forbidden - Deployments created using GitLab CI can not be updated using the API")
	}
	if !canTransition(d.status, status) {
		return msgReply(http.StatusBadRequest, map[string][]string{"status": {fmt.Sprintf("cannot transition via %q", updateEvents[status])}})
	}
	c.st.setStatus(d, status, c.st.tick())
	return jsonReply(http.StatusOK, c.deploymentExtendedJSON(d))
}

// DELETE /projects/:id/deployments/:deployment_id (DESIGN.md §A3).
func handleDeleteDeployment(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("deployment_id", true)
	if rep := g.result(); rep != nil {
		return *rep
	}
	if rep := c.checkDeploymentDeleteLimit(); rep != nil {
		return *rep
	}
	d, rep := c.findWritableDeployment(levelMaintainer)
	if rep != nil {
		return *rep
	}
	if c.modifiedSince(d.updatedAt) {
		return msgReply(http.StatusPreconditionFailed, "412 Precondition Failed")
	}
	if d.status == "running" {
		return msgReply(http.StatusBadRequest, "Cannot destroy running deployment")
	}
	if currentDeployment(d.project, d.env) == d {
		return msgReply(http.StatusBadRequest, "Deployment currently deployed to environment")
	}
	c.st.deleteDeployment(d)
	return reply{status: http.StatusNoContent}
}

// modifiedSince reports whether If-Unmodified-Since is earlier than lastModified; an absent or
// unparsable header never is.
func (c *call) modifiedSince(lastModified time.Time) bool {
	h := c.r.Header.Get("If-Unmodified-Since")
	if h == "" {
		return false
	}
	t, err := http.ParseTime(h)
	return err == nil && lastModified.After(t)
}

// GET /projects/:id/deployments/:deployment_id/merge_requests (DESIGN.md §A5).
func handleDeploymentMergeRequests(c *call) reply {
	if rep := c.authenticate(authRequired); rep != nil {
		return *rep
	}
	g := c.grape()
	g.integer("deployment_id", true)
	pg := g.pagination()
	f := g.mergeRequestFilter(mergeRequestOrderBy)
	if rep := g.result(); rep != nil {
		return *rep
	}
	p, rep := c.findReadableProject()
	if rep != nil {
		return *rep
	}
	var mrs []*mergeRequest
	if d := c.deploymentByParam(p); d != nil {
		for _, mr := range d.mrs {
			if f.matches(mr) {
				mrs = append(mrs, mr)
			}
		}
	}
	slices.SortFunc(mrs, f.compare)
	from, to, h := c.paginate(len(mrs), pg, map[string]string{"state": "all", "order_by": "created_at", "sort": "desc"})
	out := make([]mergeRequestJSON, 0, to-from)
	for _, mr := range mrs[from:to] {
		out = append(out, c.mergeRequestJSON(p, mr))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}
