package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const providerAddress = "registry.terraform.io/gitlabdeploy/gitlabdeploy"

// terraform runs one Terraform CLI against the provider through dev_overrides, so that no
// `terraform init` (impossible offline) is needed.
type terraform struct {
	ctx        context.Context
	bin        string
	cliConfig  string // dev_overrides pointing at the rsswrap directory
	profConfig string // dev_overrides pointing at the profiling provider
	providers  string // the real provider binary, run by rsswrap
	scratch    string
	extraEnv   []string // -provider-env, for experiments
	runs       int      // counter for unique rusage file names
}

// writeCLIConfig writes a CLI configuration whose dev_overrides serve the provider from dir.
func writeCLIConfig(path, dir string) error {
	text := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", providerAddress, dir)
	return os.WriteFile(path, []byte(text), 0o644)
}

// result is the outcome of one Terraform command.
type result struct {
	wall   time.Duration
	maxRSS int64         // KiB, the largest of the provider processes; 0 when none ran
	cpu    time.Duration // user and system time of all provider processes
	cliCPU time.Duration // user and system time of Terraform itself, its providers' taken out
	procs  int           // provider processes started
	output string
}

// workspace is a directory holding one root module and its local state.
type workspace struct {
	tf  *terraform
	dir string
	env []string // added to the environment of Terraform and the provider
}

// withEnv is the same workspace run with env added, as the optimisations scenario turns one off.
func (w *workspace) withEnv(env ...string) *workspace {
	return &workspace{tf: w.tf, dir: w.dir, env: append(slices.Clone(w.env), env...)}
}

func (tf *terraform) workspace(name string) (*workspace, error) {
	dir := filepath.Join(tf.scratch, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &workspace{tf: tf, dir: dir}, nil
}

// write replaces the module's configuration.
func (w *workspace) write(hcl string) error {
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(hcl), 0o644)
}

// cmd runs terraform with args in the workspace; profile selects the profiling provider and
// names the directory its CPU profiles go to.
func (w *workspace) cmd(profileDir string, args ...string) (result, error) {
	tf := w.tf
	tf.runs++
	rusage := filepath.Join(tf.scratch, fmt.Sprintf("rusage-%d.jsonl", tf.runs))
	cliConfig := tf.cliConfig
	if profileDir != "" {
		cliConfig = tf.profConfig
	}
	c := exec.CommandContext(tf.ctx, tf.bin, append([]string{"-chdir=" + w.dir}, args...)...)
	c.Env = append(cleanEnv(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"BENCH_PROVIDER_BIN="+tf.providers,
		"BENCH_RUSAGE_FILE="+rusage,
		"BENCH_CPUPROFILE_DIR="+profileDir,
	)
	c.Env = append(c.Env, tf.extraEnv...)
	c.Env = append(c.Env, w.env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	start := time.Now()
	err := c.Run()
	r := result{wall: time.Since(start), output: out.String()}
	if err != nil {
		return r, fmt.Errorf("terraform %s in %s: %w\n%s", strings.Join(args, " "), w.dir, err, tail(r.output, 40))
	}
	r.maxRSS, r.cpu, r.procs, err = readRusage(rusage)
	// Terraform waits for the providers it starts, so its own usage includes theirs.
	r.cliCPU = c.ProcessState.UserTime() + c.ProcessState.SystemTime() - r.cpu
	return r, err
}

// plan, apply and destroy run the commands the benchmark times; refresh=false measures an
// operation's own requests without the refresh Terraform does first.
func (w *workspace) plan(extra ...string) (result, error) {
	return w.cmd("", append([]string{"plan", "-input=false", "-lock=false", "-no-color"}, extra...)...)
}

func (w *workspace) apply(extra ...string) (result, error) {
	return w.cmd("", append([]string{"apply", "-input=false", "-lock=false", "-no-color", "-auto-approve"}, extra...)...)
}

func (w *workspace) destroy(extra ...string) (result, error) {
	return w.cmd("", append([]string{"destroy", "-input=false", "-lock=false", "-no-color", "-auto-approve"}, extra...)...)
}

// cleanEnv is the harness's environment without the variables that would change what Terraform
// or the provider does.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "GITLAB_") || strings.HasPrefix(name, "CI_") ||
			strings.HasPrefix(name, "BENCH_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

type rusageRecord struct {
	MaxRSSKiB int64   `json:"max_rss_kib"`
	UserSec   float64 `json:"user_sec"`
	SysSec    float64 `json:"sys_sec"`
}

func readRusage(path string) (maxRSS int64, cpu time.Duration, procs int, err error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0, 0, 0, nil
	}
	if err != nil {
		return 0, 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var rec rusageRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", path, err)
		}
		procs++
		maxRSS = max(maxRSS, rec.MaxRSSKiB)
		cpu += time.Duration((rec.UserSec + rec.SysSec) * float64(time.Second))
	}
	return maxRSS, cpu, procs, sc.Err()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// terraformVersion asks the CLI for its version.
func terraformVersion(ctx context.Context, bin string) string {
	out, err := exec.CommandContext(ctx, bin, "version", "-json").Output()
	if err != nil {
		return "unknown"
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if json.Unmarshal(out, &v) != nil || v.Version == "" {
		return "unknown"
	}
	return v.Version
}
