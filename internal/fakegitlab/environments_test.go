package fakegitlab

import (
	"encoding/json"
	"testing"
)

// A seed's environments are checked like the rest of it, naming the field.
func TestParseSeed_environments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ seed, want string }{
		{`{"projects":[{"id":1,"path_with_namespace":"a/b","environments":[{"name":"review/x","state":"paused"}]}]}`,
			`projects[0].environments[0].state: "paused" is not an environment state (available, stopping, stopped)`},
		{`{"projects":[{"id":1,"path_with_namespace":"a/b","environments":[{"name":"x"},{"name":"x"}]}]}`,
			`projects[0].environments[1].name: environment "x" is listed twice`},
		{`{"projects":[{"id":1,"path_with_namespace":"a/b","environments":[{"name":"/x"}]}]}`,
			`projects[0].environments[0].name: "/x": name can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'`},
	} {
		if _, err := ParseSeed([]byte(tc.seed)); err == nil || err.Error() != tc.want {
			t.Errorf("ParseSeed(%s) error = %v\nwant %s", tc.seed, err, tc.want)
		}
	}
}

// List items carry no last_deployment, as GitLab exposes it only on GET one.
func TestListEnvironments_itemsHaveNoLastDeployment(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, loadSeed(t, "environments.json"), Options{Now: fixedClock})
	res := do(t, srv, "GET", "/api/v4/projects/1/environments?name=production", "rita-token", "")
	var items []map[string]any
	if err := json.Unmarshal([]byte(res.body), &items); err != nil || len(items) != 1 {
		t.Fatalf("list = %d %s (%v)", res.status, res.body, err)
	}
	if _, present := items[0]["last_deployment"]; present {
		t.Errorf("a list item carries last_deployment: %s", res.body)
	}
}
