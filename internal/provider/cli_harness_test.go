package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terraformCLI runs the Terraform CLI in one working directory against this binary as the
// provider.
type terraformCLI struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

// requiredProviders goes at the top of every configuration run through terraformCLI.
const requiredProviders = `
terraform {
  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}
`

// newTerraformCLI prepares a working directory. The provider's backoff waits at least
// retryWaitMin and at most retryWaitMax. Like resource.Test, it skips unless TF_ACC is set.
func newTerraformCLI(t *testing.T, retryWaitMin, retryWaitMax time.Duration) *terraformCLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (%v)", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pluginDir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(pluginDir, "terraform-provider-gitlabdeploy")); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		cliProviderAddress(), pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"CHECKPOINT_DISABLE=1",
		// Terraform and OpenTofu keep this switch for provider test frameworks: it skips the
		// plugin's TLS certificate, whose P-521 key under -race cost 0.2 s of CPU per plugin
		// start, about three starts per command.
		"TF_DISABLE_PLUGIN_TLS=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		fmt.Sprintf("%s=%s,%s", cliPluginEnv, retryWaitMin, retryWaitMax),
	}
	for _, kv := range os.Environ() {
		if !inheritedByCLI(kv) {
			continue
		}
		env = append(env, kv)
	}
	return &terraformCLI{t: t, bin: bin, dir: t.TempDir(), env: env}
}

// inheritedByCLI keeps the developer's Terraform and GitLab settings away from the CLI under
// test: each test sets what it needs.
func inheritedByCLI(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	for _, prefix := range []string{"TF_", "GITLAB_", "CI_", "CHECKPOINT_", cliPluginEnv} {
		if strings.HasPrefix(name, prefix) {
			return false
		}
	}
	return true
}

// writeConfig replaces the working directory's configuration.
func (c *terraformCLI) writeConfig(hcl string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(requiredProviders+hcl), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// writeFile writes another configuration file, name, into the working directory.
func (c *terraformCLI) writeFile(name, hcl string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(hcl), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// cliResult is what one CLI run printed and how it ended.
type cliResult struct {
	stdout, stderr string
	exitCode       int
}

func (r cliResult) output() string { return r.stdout + r.stderr }

// run runs terraform with args and extra environment variables, and returns what it printed
// and its exit code; it fails the test only when the CLI cannot run at all.
func (c *terraformCLI) run(env []string, args ...string) cliResult {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = append(append([]string{}, c.env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.exitCode = exitErr.ExitCode()
	case err != nil:
		c.t.Fatalf("running terraform %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// mustRun runs terraform and fails the test unless it exits with one of the codes wanted
// (default 0).
func (c *terraformCLI) mustRun(env []string, args []string, wantCodes ...int) cliResult {
	c.t.Helper()
	if len(wantCodes) == 0 {
		wantCodes = []int{0}
	}
	res := c.run(env, args...)
	for _, code := range wantCodes {
		if res.exitCode == code {
			return res
		}
	}
	c.t.Fatalf("terraform %s exited %d, want %v:\n%s", strings.Join(args, " "), res.exitCode, wantCodes, res.output())
	return res
}

// deployments reads, deployment id to status, the gitlabdeploy_deployment resources of the
// working directory's state file as the last run left it, without a refresh.
func (c *terraformCLI) deployments() map[int64]string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil {
		c.t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Mode, Type string
			Instances  []struct {
				Attributes struct {
					DeploymentID int64  `json:"deployment_id"`
					Status       string `json:"status"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		c.t.Fatalf("reading the state file: %v", err)
	}
	out := map[int64]string{}
	for _, r := range state.Resources {
		if r.Mode != "managed" || r.Type != "gitlabdeploy_deployment" {
			continue
		}
		for _, inst := range r.Instances {
			if _, dup := out[inst.Attributes.DeploymentID]; dup {
				c.t.Fatalf("two resources in the state hold deployment %d", inst.Attributes.DeploymentID)
			}
			out[inst.Attributes.DeploymentID] = inst.Attributes.Status
		}
	}
	return out
}

// cliState is the working directory's state file, as the last run left it.
type cliState struct {
	Outputs map[string]struct {
		Value any `json:"value"`
	} `json:"outputs"`
	Resources []struct {
		Mode, Type, Name string
		Instances        []struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// state reads the state file, without a refresh.
func (c *terraformCLI) state() cliState {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil {
		c.t.Fatal(err)
	}
	var s cliState
	if err := json.Unmarshal(data, &s); err != nil {
		c.t.Fatalf("reading the state file: %v", err)
	}
	return s
}

// attribute is an attribute of the single instance of managed resource address ("type.name"), nil
// when the state holds no such instance.
func (s cliState) attribute(address, name string) any {
	for _, r := range s.Resources {
		if r.Mode == "managed" && r.Type+"."+r.Name == address && len(r.Instances) == 1 {
			return r.Instances[0].Attributes[name]
		}
	}
	return nil
}
