package fakegitlab

import (
	"hash/crc32"
	"net/http"
	"strings"
)

// GET /user (DESIGN.md §A6).
func handleUser(c *call) reply {
	if rep := c.authenticate(authNoJobToken); rep != nil {
		return *rep
	}
	if c.user == nil {
		return unauthorized
	}
	u := c.userJSON(c.user)
	body := map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State, "locked": u.Locked,
		"avatar_url": u.AvatarURL, "web_url": u.WebURL, "created_at": apiTime(c.user.createdAt), "bot": false,
	}
	if c.user.admin {
		body["is_admin"] = true
	}
	return jsonReply(http.StatusOK, body)
}

type namespaceJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	FullPath string `json:"full_path"`
}

type accessJSON struct {
	AccessLevel       int `json:"access_level"`
	NotificationLevel int `json:"notification_level"`
}

type projectJSON struct {
	ID                                    int64         `json:"id"`
	Name                                  string        `json:"name"`
	Path                                  string        `json:"path"`
	PathWithNamespace                     string        `json:"path_with_namespace"`
	NameWithNamespace                     string        `json:"name_with_namespace"`
	Description                           *string       `json:"description"`
	DefaultBranch                         *string       `json:"default_branch"`
	Visibility                            string        `json:"visibility"`
	WebURL                                string        `json:"web_url"`
	CreatedAt                             string        `json:"created_at"`
	Namespace                             namespaceJSON `json:"namespace"`
	AllowPipelineTriggerApproveDeployment bool          `json:"allow_pipeline_trigger_approve_deployment"`
	Permissions                           struct {
		ProjectAccess *accessJSON `json:"project_access"`
		GroupAccess   *accessJSON `json:"group_access"`
	} `json:"permissions"`
}

// GET /projects/:id (DESIGN.md §A1): any member or administrator; job tokens count as no credentials.
func handleProject(c *call) reply {
	if rep := c.authenticate(authNoJobToken); rep != nil {
		return *rep
	}
	p, rep := c.findProject()
	if rep != nil {
		return *rep
	}
	ns, name := namespaceOf(p.path)
	out := projectJSON{
		ID: p.id, Name: name, Path: name, PathWithNamespace: p.path,
		NameWithNamespace: strings.ReplaceAll(p.path, "/", " / "),
		DefaultBranch:     nonZero(p.repo.defaultBranch()), Visibility: "private",
		WebURL: c.srv.baseURL + "/" + p.path, CreatedAt: apiTime(p.createdAt),
		Namespace:                             c.namespaceJSON(ns),
		AllowPipelineTriggerApproveDeployment: p.allowSelfApprove,
	}
	if level := p.members[c.user.id]; level > 0 {
		out.Permissions.ProjectAccess = &accessJSON{AccessLevel: level, NotificationLevel: 3}
	}
	if groupLevel := c.st.namespaceLevel(c.user, p); groupLevel > 0 {
		out.Permissions.GroupAccess = &accessJSON{AccessLevel: groupLevel, NotificationLevel: 3}
	}
	return jsonReply(http.StatusOK, out)
}

// namespaceJSON describes a project's namespace: a seeded group of that path, a user of that
// name, or else a group the seed did not describe, with an id derived from its path.
func (c *call) namespaceJSON(ns string) namespaceJSON {
	_, last := namespaceOf("/" + ns)
	for _, g := range c.st.groups {
		if strings.EqualFold(g.path, ns) {
			return namespaceJSON{ID: g.id, Name: g.name, Path: last, Kind: "group", FullPath: g.path}
		}
	}
	if u := c.st.userByName[ns]; u != nil {
		return namespaceJSON{ID: u.id, Name: u.name, Path: ns, Kind: "user", FullPath: ns}
	}
	return namespaceJSON{ID: 100000 + int64(crc32.ChecksumIEEE([]byte(ns))%100000), Name: last, Path: last, Kind: "group", FullPath: ns}
}

// GET /projects/:id/repository/tags/:tag_name (DESIGN.md §A5): Reporter.
func handleTag(c *call) reply {
	if rep := c.authenticate(authOptional); rep != nil {
		return *rep
	}
	p, rep := c.findReadableProject()
	if rep != nil {
		return *rep
	}
	name := c.vars["tag_name"]
	sha, ok := p.repo.tags[name]
	if !ok {
		return msgReply(http.StatusNotFound, "404 Tag Not Found")
	}
	return jsonReply(http.StatusOK, map[string]any{
		"name": name, "message": nil, "target": sha, "commit": commitOf(sha), "protected": false,
	})
}
