package fakegitlab

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// seedProject is a small seed: users root (admin) and mae (maintainer of acme/app), branch main.
func seedProject(deployments ...SeedDeployment) *Seed {
	return &Seed{
		Users: []SeedUser{
			{ID: 1, Username: "root", Admin: true, Tokens: []string{"root-token"}},
			{ID: 2, Username: "mae", Tokens: []string{"mae-token"}},
		},
		Projects: []SeedProject{{
			ID: 1, PathWithNamespace: "acme/app",
			Members:     []SeedMember{{Username: "mae", AccessLevel: 40}},
			Branches:    map[string]string{"main": "a91957a858320c0e17f3a0eca7cfacbff50ea29a"},
			Deployments: deployments,
		}},
	}
}

func TestUpdateFollowsTheStateMachine(t *testing.T) {
	t.Parallel()
	// Rows: current status; columns: requested status; "" = ok, else the refused event (DESIGN.md §A2).
	table := map[string]map[string]string{
		"created":  {"running": "", "success": "", "failed": "", "canceled": ""},
		"running":  {"running": "run", "success": "", "failed": "", "canceled": ""},
		"success":  {"running": "run", "success": "succeed", "failed": "", "canceled": ""},
		"failed":   {"running": "run", "success": "", "failed": "drop", "canceled": ""},
		"canceled": {"running": "run", "success": "", "failed": "", "canceled": "cancel"},
		"blocked":  {"running": "", "success": "", "failed": "", "canceled": ""},
		"skipped":  {"running": "run", "success": "", "failed": "", "canceled": ""},
	}
	for from, row := range table {
		for to, refused := range row {
			t.Run(from+"->"+to, func(t *testing.T) {
				t.Parallel()
				srv := NewTestServer(t, seedProject(SeedDeployment{Environment: "e", Ref: "main", SHA: "main", Status: from, User: "mae"}), Options{})
				res := do(t, srv, "PUT", "/api/v4/projects/1/deployments/1", "mae-token", "status="+to)
				if refused == "" {
					if res.status != http.StatusOK || field(decode(t, res.body), "status") != to {
						t.Errorf("%d %s", res.status, res.body)
					}
					return
				}
				want := fmt.Sprintf(`{"message":{"status":["cannot transition via \"%s\""]}}`, refused)
				if res.status != http.StatusBadRequest || res.body != want {
					t.Errorf("%d %s, want 400 %s", res.status, res.body, want)
				}
			})
		}
	}
}

func TestEnteringAFinishedStatusSetsFinishedAtEveryTime(t *testing.T) {
	t.Parallel()
	clock := testEpoch
	srv := NewTestServer(t, seedProject(), Options{Now: func() time.Time { return clock }})
	create := func() {
		res := do(t, srv, "POST", "/api/v4/projects/1/deployments", "mae-token", "environment=e&sha=main&ref=main&tag=false&status=success")
		if res.status != http.StatusCreated {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	create() // id 1, finished now
	clock = clock.Add(time.Hour)
	create() // id 2 would be returned unchanged: same ref, tag, sha, status as the current one
	res := do(t, srv, "GET", "/api/v4/projects/1/deployments/2", "mae-token", "")
	if res.status != http.StatusNotFound {
		t.Fatalf("a repeated success create made a new deployment: %d", res.status)
	}
	if res := do(t, srv, "POST", "/api/v4/projects/1/deployments", "mae-token", "environment=e&sha=main&ref=main&tag=false&status=failed"); res.status != http.StatusCreated {
		t.Fatal(res.body)
	}
	// Fail deployment 1 and succeed it again an hour later: its finished_at moves forward.
	do(t, srv, "PUT", "/api/v4/projects/1/deployments/1", "mae-token", "status=failed")
	clock = clock.Add(time.Hour)
	do(t, srv, "PUT", "/api/v4/projects/1/deployments/1", "mae-token", "status=success")
	list := do(t, srv, "GET", "/api/v4/projects/1/deployments?order_by=finished_at&status=success&finished_after=2026-02-01T13:30:00Z", "mae-token", "")
	if got, _ := decode(t, list.body).([]any); len(got) != 1 {
		t.Errorf("finished_at moved forward on success: %s", list.body)
	}
}

func TestCurrentlyDeployedIsTheLatestFinishedSuccess(t *testing.T) {
	t.Parallel()
	at := func(s string) SeedTime { t, _ := time.Parse(time.RFC3339, s); return At(t) }
	dep := func(status string, finished SeedTime) SeedDeployment {
		return SeedDeployment{Environment: "e", Ref: "main", SHA: "main", Status: status, User: "mae", FinishedAt: finished}
	}
	for _, tc := range []struct {
		name    string
		deps    []SeedDeployment
		current int
	}{
		{"latest finished_at, not highest id", []SeedDeployment{dep("success", at("2026-01-02T00:00:00Z")), dep("success", at("2026-01-01T00:00:00Z"))}, 1},
		{"ties by highest id", []SeedDeployment{dep("success", at("2026-01-01T00:00:00Z")), dep("success", at("2026-01-01T00:00:00Z"))}, 2},
		{"a null finished_at counts as latest", []SeedDeployment{dep("success", SeedTime{Null: true}), dep("success", at("2030-01-01T00:00:00Z"))}, 1},
		{"only success counts", []SeedDeployment{dep("success", at("2026-01-01T00:00:00Z")), dep("failed", at("2026-01-05T00:00:00Z"))}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := NewTestServer(t, seedProject(tc.deps...), Options{})
			for id := range tc.deps {
				id++
				res := do(t, srv, "DELETE", fmt.Sprintf("/api/v4/projects/1/deployments/%d", id), "mae-token", "")
				wantCurrent := id == tc.current
				if gotCurrent := res.body == `{"message":"Deployment currently deployed to environment"}`; gotCurrent != wantCurrent {
					t.Errorf("deployment %d: %d %s; current = %v", id, res.status, res.body, wantCurrent)
				}
			}
		})
	}
}

func TestDeployAccessLevels(t *testing.T) {
	t.Parallel()
	seed := loadSeed(t, "conformance.json")
	seed.Projects[0].ProtectedEnvironments = append(seed.Projects[0].ProtectedEnvironments,
		SeedProtectedEnvironment{Name: "by-user", DeployAccessLevels: []SeedDeployAccessLevel{{UserID: ptr[int64](3)}}},
		SeedProtectedEnvironment{Name: "by-group-direct", DeployAccessLevels: []SeedDeployAccessLevel{{GroupID: ptr[int64](201)}}},
		SeedProtectedEnvironment{Name: "by-developers", DeployAccessLevels: []SeedDeployAccessLevel{{AccessLevel: ptr(30)}}},
	)
	srv := NewTestServer(t, seed, Options{})
	for _, tc := range []struct {
		token, env string
		want       int
	}{
		{"dev-token", "by-user", 201},
		{"max-token", "by-user", 403},
		{"root-token", "by-user", 201},
		{"ian-token", "by-group-direct", 403}, // a member of the parent group only, inheritance 0
		{"ian-token", "qa", 201},              // inheritance 1
		{"dev-token", "by-developers", 201},
		{"rita-token", "by-developers", 403}, // a reporter never creates, deploy access or not
		{"grace-token", "by-developers", 201},
	} {
		res := do(t, srv, "POST", "/api/v4/projects/1/deployments", tc.token, "environment="+tc.env+"&sha=main&ref=main&tag=false&status=running")
		if res.status != tc.want {
			t.Errorf("%s on %s: %d %s, want %d", tc.token, tc.env, res.status, res.body, tc.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
