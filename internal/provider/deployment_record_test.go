package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// recording is one gitlabdeploy_deployment that records ref main at shaMain, with extra lines.
func recording(name, environment, status string, extra ...string) string {
	return fmt.Sprintf(`
resource "gitlabdeploy_deployment" %[1]q {
  project     = "acme/app"
  environment = %[2]q
  ref         = "main"
  sha         = %[3]q
  status      = %[4]q
%[5]s
}
`, name, environment, shaMain, status, strings.Join(extra, "\n"))
}

// providerWarnings returns "<summary>: <detail>" of every warning of a CLI run with -json, but
// the CLI's own about development overrides.
func providerWarnings(t *testing.T, res cliResult) []string {
	t.Helper()
	var warnings []string
	for _, line := range strings.Split(res.stdout, "\n") {
		var msg struct {
			Type       string `json:"type"`
			Diagnostic struct {
				Severity, Summary, Detail string
			} `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" || msg.Diagnostic.Severity != "warning" ||
			strings.Contains(msg.Diagnostic.Summary, "development overrides") {
			continue
		}
		warnings = append(warnings, msg.Diagnostic.Summary+": "+msg.Diagnostic.Detail)
	}
	return warnings
}

// A create that repeats an environment's current deployment gets that deployment back from
// GitLab, and the apply says so, whatever its age: deployment 2 (made by dev months ago through
// the API) and deployment 6 (made by a CI job ten seconds before). The warning names the
// deployment, who made it and when, and the CI job. Run through the CLI, which prints warnings.
func TestAccDeploymentResource_existingDeploymentWarns(t *testing.T) {
	t.Parallel()
	seed := loadSeed(t, "basic.json")
	tenSecondsAgo := fakegitlab.At(time.Now().Add(-10 * time.Second))
	seed.Projects[0].Deployments = append(seed.Projects[0].Deployments, fakegitlab.SeedDeployment{
		Environment: "review", Ref: "main", SHA: shaMain, Status: gitlabapi.StatusSuccess, User: "mae",
		CIJob:     &fakegitlab.SeedCIJob{Name: "deploy-review", Stage: "deploy"},
		CreatedAt: tenSecondsAgo, UpdatedAt: tenSecondsAgo, FinishedAt: tenSecondsAgo,
	})
	fake := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{})
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.writeConfig(providerBlock(fake.URL(), tokenMaintainer) + recording("staging", "staging", "success") +
		recording("review", "review", "success"))

	warnings := providerWarnings(t, cli.mustRun(nil, []string{"apply", "-auto-approve", "-json"}))
	if len(warnings) != 2 {
		t.Fatalf("the apply gives %d warnings, want 2 (one per resource): %q", len(warnings), warnings)
	}
	out := strings.Join(warnings, "\n")
	for _, want := range []string{
		`GitLab recorded no new deployment: it answered with deployment 2 (#2 of project "acme/app"), the one ` +
			`currently deployed to environment "staging" with the same ref, sha and status, created by dev ` +
			`(Dave Developer) at 2026-01-06T10:00:00Z.`,
		`it answered with deployment 6 (#6 of project "acme/app"), the one currently deployed to environment ` +
			`"review" with the same ref, sha and status, created by mae (Mae Maintainer) at ` +
			tenSecondsAgo.Time.UTC().Format(time.RFC3339) + ` through CI job "deploy-review" (job`,
		"A CI job made this deployment, so GitLab refuses to change its status through the API",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the apply does not say %q:\n%s", want, out)
		}
	}
	if got := cli.deployments(); len(got) != 2 || got[2] != gitlabapi.StatusSuccess || got[6] != gitlabapi.StatusSuccess {
		t.Errorf("the state holds deployments %v, want 2 and 6", got)
	}
}

// A create that records a new deployment says nothing of an existing one.
func TestAccDeploymentResource_newDeploymentDoesNotWarn(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.writeConfig(providerBlock(fake.URL(), tokenMaintainer) + recording("fresh", "fresh", "success"))
	if warnings := providerWarnings(t, cli.mustRun(nil, []string{"apply", "-auto-approve", "-json"})); len(warnings) != 0 {
		t.Errorf("the apply of a new deployment warns: %q", warnings)
	}
	if got := cli.deployments(); len(got) != 1 || got[6] != gitlabapi.StatusSuccess {
		t.Errorf("the state holds deployments %v, want the new deployment 6", got)
	}
}

// Two resources of one apply that record the same deployment: GitLab answers both creates with
// one deployment, and the second resource (b, which depends on a) fails naming it and the fix,
// also when the first answer to each create is lost. With the fix applied, each tracks a
// deployment of its own.
func TestAccDeploymentResource_twoResourcesOneDeploymentRefused(t *testing.T) {
	t.Parallel()
	for _, lose := range []bool{false, true} {
		t.Run(fmt.Sprint("lost answers ", lose), func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
				if lose && r.Method == http.MethodPost && posts.Add(1) <= 2 {
					return fakegitlab.FaultLoseAnswer502
				}
				return fakegitlab.FaultNone
			}})
			provider := providerBlock(fake.URL(), tokenMaintainer)
			bothIDs := statecheck.CompareValue(compare.ValuesDiffer())
			const afterA = "  depends_on = [gitlabdeploy_deployment.a]"
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: provider + recording("a", "twice", "success") + recording("b", "twice", "success", afterA),
					ExpectError: errorMatching("Deployment Already Recorded by Another Resource",
						`GitLab answered this create with deployment 6 of project "acme/app", which another resource of this apply recorded or changed a moment before`,
						`ref "main" at sha `+shaMain+` with status "success" to environment "twice"`,
						`Give this resource a different "status" or "sha", or keep only one resource for this deployment.`),
				}, {
					Config: provider + recording("a", "twice", "success") + recording("b", "twice", "failed", afterA),
					ConfigStateChecks: []statecheck.StateCheck{
						bothIDs.AddStateValue("gitlabdeploy_deployment.a", tfjsonpath.New("deployment_id")),
						bothIDs.AddStateValue("gitlabdeploy_deployment.b", tfjsonpath.New("deployment_id")),
					},
				}},
			})
		})
	}
}

// A resource added to a configuration whose create GitLab answers with the deployment another
// resource tracks: when that other resource changes the deployment's status later in the same
// apply, the change is refused rather than flip the status under the new resource.
func TestAccDeploymentResource_updateOfAdoptedDeploymentRefused(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	provider := providerBlock(fake.URL(), tokenMaintainer)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            provider + recording("b", "shared", "success"),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("gitlabdeploy_deployment.b", tfjsonpath.New("deployment_id"), knownvalue.Int64Exact(6))},
			},
			{
				Config: provider + recording("a", "shared", "success") +
					recording("b", "shared", "failed", "  depends_on = [gitlabdeploy_deployment.a]"),
				ExpectError: errorMatching("Deployment Already Recorded by Another Resource",
					`Another resource of this apply recorded or changed deployment 6 of project "acme/app" a moment before`,
					"This resource leaves it as it is."),
			},
		},
	})
}
