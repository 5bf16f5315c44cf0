package fakegitlab

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestSeedEndpointAddsToARunningServer(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"an unknown key", `{"projects":[{"id":1,"path_with_namespace":"acme/app","deployments":[{"environment":"e","ref":"main","sha":"main","statuss":"blocked"}]}]}`,
			400, `{"message":"projects[0].deployments[0]: unknown key \"statuss\""}`},
		{"a project id naming another path", `{"projects":[{"id":1,"path_with_namespace":"acme/other-app"}]}`,
			400, `{"message":"projects[0].id: project id 1 is already \"acme/app\""}`},
		{"a path taken by another id", `{"projects":[{"id":9,"path_with_namespace":"acme/app"}]}`,
			400, `{"message":"projects[0].path_with_namespace: project \"acme/app\" is used twice"}`},
		{"an existing user id", `{"users":[{"id":2,"username":"mae2"}]}`, 400, `{"message":"users[0].id: user id 2 is used twice"}`},
		{"a bad second deployment adds nothing", `{"projects":[{"id":1,"path_with_namespace":"acme/app","deployments":[
			{"environment":"e","ref":"main","sha":"main","status":"blocked","user":"mae"},
			{"environment":"e","ref":"main","sha":"main","status":"blocked","user":"zed"}]}]}`,
			400, `{"message":"projects[0].deployments[1].user: unknown user \"zed\""}`},
		{"not JSON", `{`, 400, ""},
		{"new users, a new project and deployments on an existing one, referring to each other", `{
			"users":[{"id":20,"username":"newbie","tokens":["newbie-token"]}],
			"projects":[
			  {"id":1,"path_with_namespace":"acme/app","members":[{"username":"newbie","access_level":30}],
			   "branches":{"hotfix":"1111111111111111111111111111111111111111"},
			   "merge_requests":[{"iid":9,"title":"Hotfix","state":"merged","target_branch":"hotfix","author":"newbie"}],
			   "deployments":[{"environment":"staging","ref":"hotfix","sha":"1111111","status":"blocked","user":"newbie","ci_job":{},"merge_requests":[9]}]},
			  {"id":7,"path_with_namespace":"other/app","members":[{"username":"newbie","access_level":40}],
			   "branches":{"main":"a91957a858320c0e17f3a0eca7cfacbff50ea29a"},
			   "deployments":[{"environment":"production","ref":"main","sha":"main","status":"success","user":"newbie"}]}]}`,
			200, `{"deployments":[{"id":8,"iid":8,"project_id":1},{"id":9,"iid":1,"project_id":7}]}`},
	} {
		res := do(t, srv, "POST", "/-/fake/seed", "", tc.body, "Content-Type", "application/json")
		if res.status != tc.status || (tc.want != "" && res.body != tc.want) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, res.status, res.body, tc.status, tc.want)
		}
	}
	if s := srv.Stats(); s.Total != 0 {
		t.Errorf("/-/fake/ requests are not counted: %+v", s)
	}
	res := do(t, srv, "GET", "/api/v4/projects/1/deployments?environment=e", "root-token", "")
	if res.body != "[]" {
		t.Errorf("a refused seed added deployments: %s", res.body)
	}
	res = do(t, srv, "GET", "/api/v4/projects/1/deployments/8", "newbie-token", "")
	if res.status != http.StatusOK || field(decode(t, res.body), "status") != "blocked" {
		t.Errorf("seeded deployment: %d %s", res.status, res.body)
	}
	res = do(t, srv, "GET", "/api/v4/projects/1/deployments/8/merge_requests", "newbie-token", "")
	if !strings.Contains(res.body, `"title":"Hotfix"`) {
		t.Errorf("seeded merge request link: %s", res.body)
	}
}

func TestAddSeedFromGo(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seedProject(), Options{})
	added, err := srv.AddSeed(&Seed{Projects: []SeedProject{{ID: 1, PathWithNamespace: "acme/app", Deployments: []SeedDeployment{
		{Environment: "production", Ref: "main", SHA: "main", Status: "blocked", User: "mae", CIJob: &SeedCIJob{}},
	}}}})
	if err != nil || len(added) != 1 || added[0] != (SeededDeployment{ID: 1, IID: 1, ProjectID: 1}) {
		t.Fatalf("AddSeed = %v, %v", added, err)
	}
	if _, err := srv.AddSeed(&Seed{Projects: []SeedProject{{ID: 1, PathWithNamespace: "acme/app", Deployments: []SeedDeployment{
		{Environment: "production", Ref: "main", SHA: "main", Status: "bogus"},
	}}}}); err == nil || !strings.Contains(err.Error(), `projects[0].deployments[0].status: "bogus"`) {
		t.Errorf("AddSeed of a bad status: %v", err)
	}
	if _, err := NewServer(&Seed{Users: []SeedUser{{ID: 1}}}, Options{}); err == nil {
		t.Error("NewServer accepted a Go seed without a username")
	}
}

func TestTotalsAreOmittedOverTenThousand(t *testing.T) {
	t.Parallel()
	deps := make([]SeedDeployment, 10001)
	for i := range deps {
		deps[i] = SeedDeployment{Environment: "e", Ref: "main", SHA: "main", Status: "failed", User: "mae"}
	}
	srv := NewTestServer(t, seedProject(deps...), Options{})
	res := do(t, srv, "GET", "/api/v4/projects/1/deployments?per_page=100&page=2", "mae-token", "")
	h := res.header
	if _, ok := h["X-Total"]; ok {
		t.Error("X-Total sent over 10,000")
	}
	if _, ok := h["X-Total-Pages"]; ok {
		t.Error("X-Total-Pages sent over 10,000")
	}
	if strings.Contains(h.Get("Link"), `rel="last"`) || !strings.Contains(h.Get("Link"), `rel="next"`) || h.Get("X-Next-Page") != "3" {
		t.Errorf("Link %q, X-Next-Page %q", h.Get("Link"), h.Get("X-Next-Page"))
	}
	if res := do(t, srv, "GET", "/api/v4/projects/1/deployments?per_page=100&page=101", "mae-token", ""); res.header.Get("X-Next-Page") != "" {
		t.Errorf("last page: X-Next-Page %q", res.header.Get("X-Next-Page"))
	}
}

func TestConcurrentRequestsKeepIDsUnique(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	var wg sync.WaitGroup
	ids := make(chan any, 40)
	for i := range 40 {
		wg.Go(func() {
			token := []string{"mae-token", "max-token"}[i%2]
			res := do(t, srv, "POST", "/api/v4/projects/1/deployments", token, fmt.Sprintf("environment=env-%d&sha=main&ref=main&tag=false&status=running", i))
			if res.status != http.StatusCreated {
				t.Errorf("%d %s", res.status, res.body)
				return
			}
			ids <- field(decode(t, res.body), "id")
			do(t, srv, "GET", "/api/v4/projects/1/deployments?per_page=100", "rita-token", "")
		})
	}
	wg.Wait()
	close(ids)
	seen := map[any]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %v handed out twice", id)
		}
		seen[id] = true
	}
	if s := srv.Stats(); s.Total != 80 {
		t.Errorf("total = %d, want 80", s.Total)
	}
}
