package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// copyExample puts an example directory's configuration (and its tests/ folder) into the CLI's
// working directory, with the required_providers block the examples leave out.
func copyExample(t *testing.T, c *terraformCLI, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "examples", dir)
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dest := filepath.Join(c.dir, rel)
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dest, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "providers.tf"), []byte(requiredProviders), 0o600); err != nil {
		t.Fatal(err)
	}
}

// auditExample is a CLI that supports feature, in a directory holding the example dir, and the
// environment that points it at a fake holding acme/app, with a January that breaks each of the
// guide's checks once, and acme/clean, with a January that breaks none.
func auditExample(t *testing.T, feature cliFeature, dir string) (*terraformCLI, []string) {
	t.Helper()
	c := newTerraformCLI(t, time.Millisecond, 10*time.Millisecond)
	c.skipUnlessSupports(feature)
	fake := auditHistoryOf(t, fakegitlab.Options{},
		auditProject{1, "acme/app", violations}, auditProject{2, "acme/clean", cleanHistory})
	copyExample(t, c, dir)
	return c, []string{"GITLAB_BASE_URL=" + fake.URL(), "GITLAB_TOKEN=" + tokenBob}
}

// checkFailures are the check blocks the guide's audit reported failing, by name, with the text
// that follows each.
var checkFailure = regexp.MustCompile(`Check block assertion failed[\s\S]*?in check "(\w+)"[\s\S]*?(Deployments [^\n]*(?:\n[^\n]+)*)`)

func failedChecks(output string) map[string]string {
	out := map[string]string{}
	for _, m := range checkFailure.FindAllStringSubmatch(output, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestAccAuditGuide_checks runs the audit guide's example as a user would: its checks flag, as
// warnings, each finding of a month that has one of each (a rule still waiting, a deployment
// approved by its deployer, one approved by the author of a merge request it shipped), and
// nothing in a clean month.
func TestAccAuditGuide_checks(t *testing.T) {
	t.Parallel()
	c, env := auditExample(t, cliFeatureCheckBlock, "guides/audit")

	res := c.mustRun(env, []string{"plan", "-no-color", "-var", "project=acme/app"})
	got := failedChecks(res.output())
	want := map[string]string{
		"approval_rules_met":       "Deployments whose approval rules are still not met: #4.",
		"not_approved_by_deployer": "Deployments approved by the user who deployed them: #2 (dora).",
		"not_approved_by_author":   "Deployments approved by the author of a merge request they shipped: #1 (alice).",
	}
	for name, text := range want {
		if !strings.Contains(strings.Join(strings.Fields(got[name]), " "), text) {
			t.Errorf("check %s: got %q, want %q\n%s", name, got[name], text, res.output())
		}
	}

	res = c.mustRun(env, []string{"plan", "-no-color", "-var", "project=acme/clean"})
	if got := failedChecks(res.output()); len(got) > 0 || strings.Contains(res.output(), "Check block assertion failed") {
		t.Errorf("the clean month fails checks %v:\n%s", got, res.output())
	}
	if !strings.Contains(res.output(), `"!3 Faster search, by @dev, merged by @bob at 2025-12-06T00:00:00Z"`) {
		t.Errorf("the released merge requests are not in the plan's outputs:\n%s", res.output())
	}
}

// TestAccAuditGuide_terraformTest runs the guide's second example, offline against the fake:
// terraform test proves that the audit flags each finding of one month and nothing in the other.
func TestAccAuditGuide_terraformTest(t *testing.T) {
	t.Parallel()
	c, env := auditExample(t, cliFeatureTestCommand, "guides/audit")
	res := c.mustRun(env, []string{"test", "-no-color"})
	if !strings.Contains(res.output(), "2 passed, 0 failed") {
		t.Errorf("terraform test:\n%s", res.output())
	}
}

// TestAccAuditGuide_postconditionsAreFatal: the guide's strict variant fails the plan on each
// finding, and plans cleanly for a clean month.
func TestAccAuditGuide_postconditionsAreFatal(t *testing.T) {
	t.Parallel()
	c, env := auditExample(t, cliFeaturePostcondition, "guides/audit-strict")

	res := c.mustRun(env, []string{"plan", "-no-color", "-var", "project=acme/app"}, 1)
	for _, text := range []string{
		"went out with its approval rules not met",
		"was approved by the user who deployed it",
		"was approved by the author of a merge request it shipped",
	} {
		if !strings.Contains(strings.Join(strings.Fields(res.output()), " "), text) {
			t.Errorf("the strict audit does not fail with %q:\n%s", text, res.output())
		}
	}
	c.mustRun(env, []string{"plan", "-no-color", "-var", "project=acme/clean"})
}
