package gitlabapi

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// currentSeed is fakeSeed(0) plus one success deployment (id 1) currently deployed to
// "production", made by mae at createdAt, through CI job "deploy" when ciJob is set.
func currentSeed(createdAt time.Time, ciJob bool) *fakegitlab.Seed {
	seed := fakeSeed(0)
	d := fakegitlab.SeedDeployment{
		Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusSuccess, User: "mae",
		CreatedAt: fakegitlab.At(createdAt), UpdatedAt: fakegitlab.At(createdAt), FinishedAt: fakegitlab.At(createdAt),
	}
	if ciJob {
		d.CIJob = &fakegitlab.SeedCIJob{Name: "deploy", Stage: "deploy"}
	}
	seed.Projects[0].Deployments = []fakegitlab.SeedDeployment{d}
	return seed
}

// A create that repeats the environment's current deployment is told apart from one that
// records a new deployment, whatever the age of the current one, and also when the first answer
// was lost or refused and the create was settled or sent again.
func TestCreateDeployment_tellsAnExistingDeploymentFromANewOne(t *testing.T) {
	t.Parallel()
	repeat := CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusSuccess}
	fresh := CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusFailed}
	cases := []struct {
		name    string
		seed    *fakegitlab.Seed
		opts    CreateDeploymentOptions
		fault   fakegitlab.Fault
		wantID  int64
		outcome CreateOutcome
	}{
		{"a new deployment", currentSeed(time.Now().Add(-time.Hour), false), fresh, fakegitlab.FaultNone, 2, Recorded},
		{"the current one, a year old", currentSeed(time.Now().AddDate(-1, 0, 0), false), repeat, fakegitlab.FaultNone, 1, ReturnedExisting},
		{"the current one, 5 s old", currentSeed(time.Now().Add(-5*time.Second), false), repeat, fakegitlab.FaultNone, 1, ReturnedExisting},
		{"the current one, made by CI just now", currentSeed(time.Now(), true), repeat, fakegitlab.FaultNone, 1, ReturnedExisting},
		{"the current one, answer lost (502)", currentSeed(time.Now().Add(-5*time.Second), false), repeat, fakegitlab.FaultLoseAnswer502, 1, ReturnedExisting},
		{"the current one, connection closed", currentSeed(time.Now().Add(-5*time.Second), false), repeat, fakegitlab.FaultLoseAnswerClose, 1, ReturnedExisting},
		{"the current one, throttled first", currentSeed(time.Now().Add(-5*time.Second), false), repeat, fakegitlab.Fault429, 1, ReturnedExisting},
		{"a new deployment, answer lost", currentSeed(time.Now().Add(-time.Hour), false), fresh, fakegitlab.FaultLoseAnswerClose, 2, Recorded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakegitlab.NewTestServer(t, tc.seed, fakegitlab.Options{Fault: faultOnce(http.MethodPost, tc.fault)})
			d, outcome, err := newFakeClient(t, srv).CreateDeployment(context.Background(), fakeProject, tc.opts)
			if err != nil {
				t.Fatalf("CreateDeployment: %v", err)
			}
			if d.ID != tc.wantID || outcome != tc.outcome {
				t.Errorf("got deployment %d with outcome %d, want %d with outcome %d", d.ID, outcome, tc.wantID, tc.outcome)
			}
		})
	}
}

// Two creates of one client that GitLab answers with one deployment: the second learns that the
// first holds it, also when the first answer to each create was lost.
func TestCreateDeployment_secondCreateOfOneDeploymentIsClaimed(t *testing.T) {
	t.Parallel()
	for _, fault := range []fakegitlab.Fault{fakegitlab.FaultNone, fakegitlab.FaultLoseAnswer502, fakegitlab.FaultLoseAnswerClose} {
		t.Run(fmt.Sprint("fault ", fault), func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			lose := func(r *http.Request) fakegitlab.Fault {
				if r.Method == http.MethodPost && posts.Add(1) <= 2 {
					return fault
				}
				return fakegitlab.FaultNone
			}
			srv := fakegitlab.NewTestServer(t, fakeSeed(0), fakegitlab.Options{Fault: lose})
			c := newFakeClient(t, srv)
			opts := CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusSuccess}
			first, outcome, err := c.CreateDeployment(context.Background(), fakeProject, opts)
			if err != nil || outcome != Recorded {
				t.Fatalf("first create: outcome %d, error %v; want a new deployment", outcome, err)
			}
			second, outcome, err := c.CreateDeployment(context.Background(), fakeProject, opts)
			if err != nil || second.ID != first.ID || outcome != ReturnedClaimed {
				t.Errorf("second create: deployment %v, outcome %d, error %v; want deployment %d, claimed", second, outcome, err, first.ID)
			}
		})
	}
}

// A create answered with another user's deployment made within the second before it (the
// precision of GitLab's Date header, the only clock the client has) is told as existing: the
// client compares the deployment's user with its own, asked once per client with GET /user and
// only for the answer to a create of a success, the only status GitLab answers a repeat with. The same user's deployment of the same second is the one case
// GitLab's answers cannot tell from a new one. A job token, which GET /user refuses, cannot tell.
func TestCreateDeployment_anotherUsersDeploymentOfTheSameSecondIsExisting(t *testing.T) {
	t.Parallel()
	repeat := CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: fakeSHA, Status: StatusSuccess}
	for _, tc := range []struct {
		name    string
		maker   string
		outcome CreateOutcome
	}{
		{"made by another user", "olga", ReturnedExisting},
		{"made by the same user", "mae", Recorded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := currentSeed(time.Now(), false)
			seed.Users = append(seed.Users, fakegitlab.SeedUser{ID: 5, Username: "olga", Name: "Olga", Tokens: []string{"olga-token"}})
			seed.Projects[0].Members = append(seed.Projects[0].Members, fakegitlab.SeedMember{Username: "olga", AccessLevel: 30})
			seed.Projects[0].Deployments[0].User = tc.maker
			srv := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{})
			c := newFakeClient(t, srv)
			d, outcome, err := c.CreateDeployment(context.Background(), fakeProject, repeat)
			if err != nil {
				t.Fatalf("CreateDeployment: %v", err)
			}
			if d.ID != 1 || outcome != tc.outcome {
				t.Errorf("got deployment %d with outcome %d, want 1 with outcome %d", d.ID, outcome, tc.outcome)
			}
			// A second create of a success asks GitLab for the client's user no more.
			if _, _, err := c.CreateDeployment(context.Background(), fakeProject, CreateDeploymentOptions{
				Environment: "staging", Ref: "main", SHA: fakeSHA, Status: StatusSuccess,
			}); err != nil {
				t.Fatal(err)
			}
			if n := srv.Stats().ByRoute["GET /api/v4/user"]; n != 1 {
				t.Errorf("GET /user sent %d times, want once per client", n)
			}
		})
	}
}
