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

// A seed names its format: none or 1 is read; a newer one is refused with the way out.
func TestParseSeed_version(t *testing.T) {
	t.Parallel()
	for _, seed := range []string{`{}`, `{"version": 1}`, `{"version": 1, "users": [{"id": 1, "username": "a"}]}`} {
		if _, err := ParseSeed([]byte(seed)); err != nil {
			t.Errorf("ParseSeed(%s) = %v, want it read", seed, err)
		}
	}
	for seed, want := range map[string]string{
		`{"version": 2, "some_new_key": true}`: "version: this seed is format version 2, and this fakegitlab reads versions up to 1: " +
			"install the fakegitlab of the provider release the seed was written for (go install " +
			"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/cmd/fakegitlab@<version>)",
		`{"version": 0}`:   "version: 0 is not a seed format version (a whole number, 1 or more)",
		`{"version": "1"}`: "version: 1 is not a seed format version (a whole number, 1 or more)",
		`{"version": 1.5}`: "version: 1.5 is not a seed format version (a whole number, 1 or more)",
	} {
		if _, err := ParseSeed([]byte(seed)); err == nil || err.Error() != want {
			t.Errorf("ParseSeed(%s) error = %v\nwant %s", seed, err, want)
		}
	}
	srv := NewTestServer(t, &Seed{}, Options{})
	if _, err := srv.AddSeed(&Seed{Version: 2}); err == nil {
		t.Error("AddSeed accepted a seed of format version 2")
	}
}
