package provider

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
)

// The in-process harness (protocol_harness_test.go) claims to call the provider as the CLI does.
// These tests hold it to that: each life-cycle operation was run once under each CLI of
// cliSequenceDirs with a provider that records its calls (callRecorder), the recordings are
// the golden files of testdata/cli-sequences/<cli>-<version>/, and
//   - TestProtocolHarness_matchesCLISequences (always) runs the same operations in process and
//     compares;
//   - TestCLISequences (under the CLI `make test` uses) records them again and compares with
//     the goldens of that CLI's minor release, so that a patch release that calls the provider
//     differently shows up. Run it with -update-cli-sequences to write the goldens of the CLI
//     under test.

var updateCLISequences = flag.Bool("update-cli-sequences", false, "write testdata/cli-sequences for the CLI under test")

// sequenceStep is one operation of the recorded scenario: a configuration and one CLI command,
// run in order in one working directory against one fake GitLab (testdata/basic.json).
type sequenceStep struct {
	name     string
	resource string   // HCL after the provider block
	before   []string // a command run first, not recorded, whatever its outcome
	args     []string
	needs    *cliFeature
	// inProcess does the same with the in-process harness.
	inProcess func(l *lifecycle) *lifecycleResult
}

// stagingArgs are stagingDeployment's arguments for the in-process harness.
func stagingArgs(ref, sha, status string) resourceArgs {
	return resourceArgs{"project": "acme/app", "environment": "staging", "ref": ref, "sha": sha, "status": status}
}

// stagingDeployment renders resource "test" for acme/app's staging.
func stagingDeployment(ref, sha, status string, createBeforeDestroy bool) string {
	lifecycle := ""
	if createBeforeDestroy {
		lifecycle = "\n  lifecycle {\n    create_before_destroy = true\n  }\n"
	}
	return fmt.Sprintf(`
resource "gitlabdeploy_deployment" "test" {
  project     = "acme/app"
  environment = "staging"
  ref         = %q
  sha         = %q
  status      = %q
%s}
`, ref, sha, status, lifecycle)
}

// importedResource renders resource "imported" of acme/app's staging.
func importedResource(ref, sha, status string) string {
	return fmt.Sprintf(`
resource "gitlabdeploy_deployment" "imported" {
  project     = "acme/app"
  environment = "staging"
  ref         = %q
  sha         = %q
  status      = %q
}
`, ref, sha, status)
}

// importedDeployment renders an import of a seeded deployment of acme/app's staging into
// resource "imported", with a configuration that matches it.
func importedDeployment(target, ref, sha, status string) string {
	return fmt.Sprintf(`
import {
  to = gitlabdeploy_deployment.imported
  %s
}
`, target) + importedResource(ref, sha, status)
}

var cliSequenceSteps = []sequenceStep{
	{
		name: "create", resource: stagingDeployment("release/1.x", shaRelease, "running", false), args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.apply(stagingArgs("release/1.x", shaRelease, "running")) },
	},
	{
		name: "plan", resource: stagingDeployment("release/1.x", shaRelease, "running", false), args: []string{"plan"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.plan(stagingArgs("release/1.x", shaRelease, "running")) },
	},
	{
		name: "update", resource: stagingDeployment("release/1.x", shaRelease, "success", false), args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.apply(stagingArgs("release/1.x", shaRelease, "success")) },
	},
	{
		name: "refresh", resource: stagingDeployment("release/1.x", shaRelease, "success", false), args: []string{"plan", "-refresh-only"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.refresh(stagingArgs("release/1.x", shaRelease, "success"))
		},
	},
	{
		name: "refresh-apply", resource: stagingDeployment("release/1.x", shaRelease, "success", false), args: []string{"apply", "-refresh-only", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.refreshApply(stagingArgs("release/1.x", shaRelease, "success"))
		},
	},
	{
		name: "replace", resource: stagingDeployment("main", shaMain, "failed", false), args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.apply(stagingArgs("main", shaMain, "failed")) },
	},
	{
		name: "replace-create-before-destroy", resource: stagingDeployment("release/1.x", shaRelease, "failed", true), args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			l.createBeforeDestroy = true
			return l.apply(stagingArgs("release/1.x", shaRelease, "failed"))
		},
	},
	{
		name: "replace-forced", resource: stagingDeployment("release/1.x", shaRelease, "failed", false), args: []string{"apply", "-auto-approve", "-replace=gitlabdeploy_deployment.test"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			l.createBeforeDestroy = false
			return l.applyReplacing(stagingArgs("release/1.x", shaRelease, "failed"))
		},
	},
	{
		name: "destroy", resource: stagingDeployment("release/1.x", shaRelease, "failed", false), args: []string{"destroy", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.destroy(stagingArgs("release/1.x", shaRelease, "failed"))
		},
	},
	{
		name: "recreate", resource: stagingDeployment("release/1.x", shaRelease, "failed", false), args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.apply(stagingArgs("release/1.x", shaRelease, "failed")) },
	},
	{
		name: "remove", resource: "", args: []string{"apply", "-auto-approve"},
		inProcess: func(l *lifecycle) *lifecycleResult { return l.applyRemoved() },
	},
	{
		name: "import-id", resource: importedDeployment(`id = "acme/app:3"`, "main", shaOld, "failed"), args: []string{"plan"}, needs: &cliFeatureImportBlock,
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.importByID("acme/app:3", stagingArgs("main", shaOld, "failed"))
		},
	},
	{
		name: "import-identity", args: []string{"plan"}, needs: &cliFeatureIdentity,
		resource: importedDeployment("identity = {\n    project_id    = 1\n    deployment_id = 3\n  }", "main", shaOld, "failed"),
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.importByIdentity(map[string]int64{"project_id": 1, "deployment_id": 3}, stagingArgs("main", shaOld, "failed"))
		},
	},
	{
		name: "import-id-apply", resource: importedDeployment(`id = "acme/app:3"`, "main", shaOld, "failed"), args: []string{"apply", "-auto-approve"}, needs: &cliFeatureImportBlock,
		inProcess: func(l *lifecycle) *lifecycleResult {
			return l.importApplyByID("acme/app:3", stagingArgs("main", shaOld, "failed"))
		},
	},
	{
		name: "import-command", resource: importedResource("main", shaOld, "failed"),
		before: []string{"state", "rm", "gitlabdeploy_deployment.imported"},
		args:   []string{"import", "gitlabdeploy_deployment.imported", "acme/app:3"},
		inProcess: func(l *lifecycle) *lifecycleResult {
			l.object = nil
			return l.importCommand("acme/app:3", stagingArgs("main", shaOld, "failed"))
		},
	},
}

// cliSequenceDirs are the CLIs the goldens were recorded with.
var cliSequenceDirs = []cliUnderTest{
	{family: "terraform", version: "1.11.4"},
	{family: "opentofu", version: "1.12.6"},
	{family: "terraform", version: "1.16.0"},
}

type cliUnderTest struct {
	family, version string
}

func (c cliUnderTest) dir() string {
	return filepath.Join("testdata", "cli-sequences", c.family+"-"+c.version)
}

// supports reports whether this CLI has feature f (nil: every CLI has it).
func (c cliUnderTest) supports(f *cliFeature) bool {
	if f == nil {
		return true
	}
	check := cliFeatureCheck{feature: *f, openTofu: c.family == "opentofu"}
	return check.skipReason(version.Must(version.NewVersion(c.version))) == ""
}

// keepsIdentities reports whether this CLI keeps resource identities (Terraform 1.12 and later,
// OpenTofu 1.12 and later).
func (c cliUnderTest) keepsIdentities() bool {
	return c.supports(&cliFeatureIdentity)
}

// refreshesOrphansFirst reports whether the CLI refreshes a resource instance that left the
// configuration before it plans its destruction: recorded under OpenTofu 1.12 and Terraform
// 1.16; Terraform 1.11 plans first. Terraform 1.12 to 1.15 are taken to do as 1.16 does,
// unrecorded.
func (c cliUnderTest) refreshesOrphansFirst() bool {
	return c.family == "opentofu" || !version.Must(version.NewVersion(c.version)).LessThan(version.Must(version.NewVersion("1.12.0")))
}

func readGolden(t *testing.T, path string) []recordedCall {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var calls []recordedCall
	if err := json.Unmarshal(data, &calls); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return calls
}

func writeGolden(t *testing.T, path string, calls []recordedCall) {
	t.Helper()
	data, err := json.MarshalIndent(calls, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}

// diffSequences is "" when the two sequences are equal, else a description of the first
// difference.
func diffSequences(want, got []recordedCall) string {
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = callLine(want[i])
		}
		if i < len(got) {
			g = callLine(got[i])
		}
		if w != g {
			return fmt.Sprintf("call %d:\n  want %s\n  got  %s\n(%d calls wanted, %d made)", i+1, w, g, len(want), len(got))
		}
	}
	return ""
}

func callLine(c recordedCall) string {
	data, _ := json.Marshal(c)
	return string(data)
}

// cliVersion is the version the CLI at bin reports.
func cliVersion(t *testing.T, c *terraformCLI) string {
	t.Helper()
	res := c.mustRun(nil, []string{"version", "-json"})
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
		t.Fatalf("terraform version -json: %v\n%s", err, res.output())
	}
	// A development build (OpenTofu's report "1.12.6-dev") counts as its release.
	return version.Must(version.NewVersion(v.TerraformVersion)).Core().String()
}

// goldenFor is the recorded CLI of the same family and minor release as version (a patch
// release calls as its siblings do unless it changed something, which the comparison shows), or
// false. The harness models the recorded releases only; another release is recorded first.
func goldenFor(family, v string) (cliUnderTest, bool) {
	running := version.Must(version.NewVersion(v)).Segments()
	for _, c := range cliSequenceDirs {
		recorded := version.Must(version.NewVersion(c.version)).Segments()
		if c.family == family && recorded[0] == running[0] && recorded[1] == running[1] {
			return c, true
		}
	}
	return cliUnderTest{}, false
}

// TestCLISequences records the calls the CLI under test makes for each operation and compares
// them with the goldens of that CLI.
func TestCLISequences(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	family := "terraform"
	if cliIsOpenTofu() {
		family = "opentofu"
	}
	running := cliUnderTest{family: family, version: cliVersion(t, cli)}
	golden, ok := goldenFor(family, running.version)
	switch {
	case *updateCLISequences:
		golden = running
	case !ok:
		t.Skipf("no recorded sequences for %s %s's minor release: record them with -update-cli-sequences and add the release to cliSequenceDirs", family, running.version)
	}
	for _, step := range cliSequenceSteps {
		if !running.supports(step.needs) {
			t.Logf("%s: %s %s lacks %s", step.name, family, running.version, step.needs.name)
			continue
		}
		cli.writeConfig(providerBlock(fake.URL(), tokenMaintainer) + step.resource)
		if step.before != nil {
			cli.run(nil, step.before...)
		}
		record := filepath.Join(t.TempDir(), step.name+".jsonl")
		cli.mustRun([]string{recordCallsEnv + "=" + record}, step.args)
		got := readRecording(t, record)
		path := filepath.Join(golden.dir(), step.name+".json")
		if *updateCLISequences {
			writeGolden(t, path, got)
			continue
		}
		if diff := diffSequences(readGolden(t, path), got); diff != "" {
			t.Errorf("%s (terraform %s) under %s %s calls the provider differently from %s %s, recorded in %s: %s",
				step.name, strings.Join(step.args, " "), family, running.version, golden.family, golden.version, path, diff)
		}
	}
}

func readRecording(t *testing.T, path string) []recordedCall {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []recordedCall
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var c recordedCall
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return calls
}

// TestProtocolHarness_matchesCLISequences runs the recorded operations with the in-process
// harness, configured as each recorded CLI, and compares its calls with the CLI's.
func TestProtocolHarness_matchesCLISequences(t *testing.T) {
	t.Parallel()
	for _, cli := range cliSequenceDirs {
		t.Run(cli.family+"-"+cli.version, func(t *testing.T) {
			t.Parallel()
			h := newProtocolHarnessAs(t, startFake(t, "basic.json"), tokenMaintainer, cli)
			l := h.lifecycle("gitlabdeploy_deployment")
			for _, step := range cliSequenceSteps {
				path := filepath.Join(cli.dir(), step.name+".json")
				if !cli.supports(step.needs) {
					if _, err := os.Stat(path); err == nil {
						t.Errorf("%s is recorded, but %s %s lacks %s", path, cli.family, cli.version, step.needs.name)
					}
					continue
				}
				if _, err := os.Stat(path); os.IsNotExist(err) {
					t.Errorf("%s: not recorded: run TestCLISequences -update-cli-sequences under %s %s", path, cli.family, cli.version)
					continue
				}
				h.calls.sequence()
				res := step.inProcess(l)
				if res.failed != "" {
					t.Errorf("%s: %s failed:\n%s", step.name, res.failed, res.errorText())
				}
				if diff := diffSequences(readGolden(t, path), h.calls.sequence()); diff != "" {
					t.Errorf("%s: the harness calls the provider differently from %s %s (%s): %s", step.name, cli.family, cli.version, path, diff)
				}
			}
		})
	}
}
