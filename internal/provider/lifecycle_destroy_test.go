package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// lifecycle { destroy = false } (Terraform 1.16, OpenTofu 1.12) beside on_destroy: the tests set
// on_destroy = "delete" and a failed status, which GitLab lets the provider delete, so that a
// delete that happens shows in GitLab.

func deploymentNeverDestroyed(url, sha string) string {
	return providerBlock(url, tokenMaintainer) + fmt.Sprintf(`
resource "gitlabdeploy_deployment" "web" {
  project     = "acme/app"
  environment = "web"
  ref         = "main"
  sha         = %q
  status      = "failed"
  on_destroy  = "delete"

  lifecycle {
    destroy = false
  }
}
`, sha)
}

// destroyArgs are the arguments of a destroy that forgets: OpenTofu fails a destroy that leaves
// forgotten objects behind unless told that this is intended.
func destroyArgs() []string {
	args := []string{"destroy", "-auto-approve", "-no-color"}
	if cliIsOpenTofu() {
		args = append(args, "-suppress-forget-errors")
	}
	return args
}

// inGitLab reports whether GitLab still holds deployment id.
func inGitLab(t *testing.T, client *gitlabapi.Client, id int64) bool {
	t.Helper()
	_, err := client.GetDeployment(context.Background(), "acme/app", id)
	if errors.Is(err, gitlabapi.ErrRecordNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func onlyDeployment(t *testing.T, cli *terraformCLI) int64 {
	t.Helper()
	deployments := cli.deployments()
	if len(deployments) != 1 {
		t.Fatalf("state holds deployments %v, want one", deployments)
	}
	for id := range deployments {
		return id
	}
	return 0
}

// terraform destroy forgets the deployment without calling the provider: on_destroy = "delete"
// does not apply, and GitLab keeps it.
func TestAccDeploymentResource_lifecycleDestroyFalseForgetsOnDestroy(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureLifecycleDestroy)
	fake := startFake(t, "basic.json")
	cli.writeConfig(deploymentNeverDestroyed(fake.URL(), shaMain))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	id := onlyDeployment(t, cli)

	out := cli.mustRun(nil, destroyArgs()).output()
	if !inGitLab(t, testClient(t, fake), id) {
		t.Errorf("deployment %d was deleted by a destroy under lifecycle { destroy = false }:\n%s", id, out)
	}
	if len(cli.deployments()) != 0 {
		t.Errorf("the state still holds %v after the destroy", cli.deployments())
	}
}

// A replacement (another sha) is where the two differ: OpenTofu forgets the old deployment, while
// Terraform 1.16 forgets only on destroy and on a tainted object's replacement, so the old
// deployment is destroyed as on_destroy says. on_destroy = "keep" forgets it under every CLI.
func TestAccDeploymentResource_lifecycleDestroyFalseOnReplacement(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureLifecycleDestroy)
	fake := startFake(t, "basic.json")
	cli.writeConfig(deploymentNeverDestroyed(fake.URL(), shaMain))
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"})
	old := onlyDeployment(t, cli)

	cli.writeConfig(deploymentNeverDestroyed(fake.URL(), shaRelease))
	out := cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"}).output()
	replacement := onlyDeployment(t, cli)
	client := testClient(t, fake)
	if replacement == old || !inGitLab(t, client, replacement) {
		t.Fatalf("the replacement recorded no new deployment (old %d, new %d):\n%s", old, replacement, out)
	}
	kept := inGitLab(t, client, old)
	switch {
	case cliIsOpenTofu() && !kept:
		t.Errorf("OpenTofu deleted the replaced deployment %d under lifecycle { destroy = false }:\n%s", old, out)
	case !cliIsOpenTofu() && kept:
		t.Errorf("Terraform kept the replaced deployment %d: on_destroy = \"delete\" should have deleted it:\n%s", old, out)
	}
	cli.mustRun(nil, destroyArgs())
}
