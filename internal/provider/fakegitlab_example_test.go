package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// The README's example of testing a configuration offline with the installable fake GitLab:
// examples/testing-with-the-fake/test.sh builds nothing itself; it starts the fakegitlab command
// with the example's seed, runs `terraform init` and `terraform test`, and stops the fake. This
// test builds cmd/fakegitlab, as `go install` would, and runs the script as a user does.
func TestAccFakeGitLabExample_terraformTest(t *testing.T) {
	t.Parallel()
	cli := newTerraformCLI(t, 0, 0)
	cli.skipUnlessSupports(cliFeatureTestCommand)

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "fakegitlab")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", fake, "./cmd/fakegitlab")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fakegitlab: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(cli.dir, "example"), os.DirFS(filepath.Join(root, "examples", "testing-with-the-fake"))); err != nil {
		t.Fatal(err)
	}

	script := exec.CommandContext(t.Context(), "sh", filepath.Join(cli.dir, "example", "test.sh"))
	script.Env = append(append([]string{}, cli.env...), "FAKEGITLAB="+fake, "TERRAFORM="+cli.bin,
		"TF_CLI_CONFIG_FILE="+providerMirror(t))
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("test.sh failed: %v\n%s", err, out)
	}
	if !errorMatching("records_a_successful_deployment", "pass", "a_new_commit_is_a_new_deployment", "pass",
		"2 passed, 0 failed").Match(out) {
		t.Errorf("terraform test did not pass both runs:\n%s", out)
	}
}

// providerMirror returns a CLI configuration that installs this test binary as the provider from a
// filesystem mirror, so that the script's `terraform init` works offline as it does for a user
// whose CLI reaches the registry (dev_overrides would still make init ask the registry).
func providerMirror(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	mirror := t.TempDir()
	const version = "0.0.1"
	dir := filepath.Join(mirror, cliProviderAddress(), version, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(dir, "terraform-provider-gitlabdeploy_v"+version)); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "mirror.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n}\n",
		mirror, cliProviderAddress())
	if err := os.WriteFile(config, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	return config
}
