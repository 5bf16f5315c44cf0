package provider

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// Through the CLI: an apply with a fine-grained token that lacks Deployment: Create fails with the
// permission, the operation and the fix; following the fix (a token that holds it) applies.
func TestAccDeploymentResource_fineGrainedTokenLacksPermission(t *testing.T) {
	t.Parallel()
	fake := startFake(t, gitlab19Seed)
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.writeConfig(providerBlock(fake.URL(), tokenFineGrainedRead) + recording("web", "web", "failed"))
	out := strings.Join(strings.Fields(cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"}, 1).output()), " ")
	for _, want := range []string{
		"Unable to Create Deployment",
		`The fine-grained personal access token lacks "Deployment: Create", which recording a deployment (POST /projects/acme%2Fapp/deployments) needs.`,
		`create a token that also holds "Deployment: Create"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the apply does not say %q:\n%s", want, out)
		}
	}
	if got := cli.deployments(); len(got) != 0 {
		t.Errorf("the state holds deployments %v after the refusal", got)
	}

	cli.writeConfig(providerBlock(fake.URL(), tokenFineGrainedDeploy) + recording("web", "web", "failed"))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	if got := cli.deployments(); len(got) != 1 {
		t.Errorf("the state holds deployments %v, want the one recorded with the permission", got)
	}
}

// A destroy that runs into GitLab 19's deployment_delete limit (here 1 per minute) waits as the
// 429 asks and then deletes: every deployment is gone, and each throttled delete was sent again
// once. The fake's clock moves a minute when a throttled delete comes back, as time would have
// passed during the wait (capped to milliseconds in tests).
func TestAccDeploymentResource_destroyWaitsOutTheDeleteLimit(t *testing.T) {
	t.Parallel()
	seed := loadSeed(t, gitlab19Seed)
	limit := 1
	seed.RateLimits = &fakegitlab.SeedRateLimits{DeploymentDelete: &limit}
	var mu sync.Mutex
	now, lastDelete := time.Now(), ""
	fake := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		},
		Fault: func(r *http.Request) fakegitlab.Fault {
			if r.Method == http.MethodDelete {
				mu.Lock()
				if r.URL.Path == lastDelete {
					now = now.Add(time.Minute)
				}
				lastDelete = r.URL.Path
				mu.Unlock()
			}
			return fakegitlab.FaultNone
		},
	})
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	config := providerBlock(fake.URL(), tokenMaintainer)
	for _, name := range []string{"a", "b", "c"} {
		config += recording(name, "review-"+name, "failed", `  on_destroy = "delete"`)
	}
	cli.writeConfig(config)
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	fake.ResetStats()
	cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color", "-parallelism=1"})
	if got := fake.Stats().ByRoute[routeDelete]; got != 5 {
		t.Errorf("%d delete requests, want 5: three deletes, two of them throttled once and sent again", got)
	}
	for _, name := range []string{"a", "b", "c"} {
		if n := len(deploymentsIn(t, fake, "review-"+name)); n != 0 {
			t.Errorf("%d deployments left in review-%s", n, name)
		}
	}
}
