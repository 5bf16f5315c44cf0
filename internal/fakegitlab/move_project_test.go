package fakegitlab

import (
	"fmt"
	"net/http"
	"testing"
)

// A renamed or transferred project keeps its id, answers at its new path, and its old path leads
// to it through GitLab's redirect (the API's project lookup follows redirect routes, case
// insensitively) until another project takes that path.
func TestMoveProject_oldPathRedirects(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	if err := srv.MoveProject("acme/app", "platform/web"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"platform%2Fweb", "Platform%2FWeb", "acme%2Fapp", "ACME%2Fapp", "1"} {
		res := do(t, srv, http.MethodGet, "/api/v4/projects/"+path, "mae-token", "")
		if res.status != http.StatusOK {
			t.Fatalf("GET /projects/%s: %d %s", path, res.status, res.body)
		}
		v := decode(t, res.body)
		if fmt.Sprint(field(v, "id")) != "1" || field(v, "path_with_namespace") != "platform/web" {
			t.Errorf("GET /projects/%s answered %v", path, v)
		}
	}
	if res := do(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fapp/deployments/1", "mae-token", ""); res.status != http.StatusOK {
		t.Errorf("a deployment under the old path: %d %s", res.status, res.body)
	}

	// A transfer onward keeps both old paths leading to the project.
	if err := srv.MoveProject("1", "platform/apps/web"); err != nil {
		t.Fatal(err)
	}
	if v := decode(t, do(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fapp", "mae-token", "").body); fmt.Sprint(field(v, "id")) != "1" {
		t.Errorf("the first old path answered %v", v)
	}

	// Another project taking the old path ends the redirect.
	if err := srv.MoveProject("acme/tools", "acme/app"); err != nil {
		t.Fatal(err)
	}
	if v := decode(t, do(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fapp", "mae-token", "").body); fmt.Sprint(field(v, "id")) != "2" {
		t.Errorf("acme/app answered %v, want project 2, which took the path", v)
	}
	if err := srv.MoveProject("acme/other", "platform/apps/web"); err == nil {
		t.Error("moving a project onto another project's path was not refused")
	}
}
