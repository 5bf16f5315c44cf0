// Command bench is `make bench`: it measures the provider against the fake GitLab (request
// counts, wall time, provider memory) with Go benchmarks and real Terraform runs, and writes
// BENCHMARKS.md. It is not part of the provider and not run by `make test`.
//
// The fake runs inside this process; Terraform runs the provider through dev_overrides, behind
// rsswrap, which records each provider process's peak RSS. One plan runs the provider built with
// a CPU profile (profprovider) to show where plan time goes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// config is what the flags set; the defaults are the targets.
type config struct {
	out        string
	terraform  string
	runs       int
	resources  int
	small      int // deployments for the cancel-and-delete and approval scenarios
	listSmall  int
	listLarge  int
	listHuge   int
	maxResults int
	latency    time.Duration
	keep       bool
	only       map[string]bool
	env        []string
}

// scenarios are the -only names, in the order they run.
var scenarios = []string{"gobench", "startup", "api", "resources", "cancel", "approvals", "listing", "audits", "optimisations"}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func main() {
	var cfg config
	flag.StringVar(&cfg.out, "out", "BENCHMARKS.md", "file to write the report to")
	flag.StringVar(&cfg.terraform, "terraform", "", "Terraform CLI (default: $TF_ACC_TERRAFORM_PATH, else terraform on PATH)")
	flag.IntVar(&cfg.runs, "runs", 7, "runs of each timed command; the report shows the median")
	flag.IntVar(&cfg.resources, "resources", 500, "deployment resources in the plan and apply scenarios")
	flag.IntVar(&cfg.small, "small", 50, "deployments in the cancel-and-delete and approval scenarios")
	flag.IntVar(&cfg.listSmall, "list-small", 250, "deployments listed in the small listing scenario")
	flag.IntVar(&cfg.listLarge, "list-large", 10000, "deployments listed with injected latency")
	flag.IntVar(&cfg.listHuge, "list-huge", 50000, "deployments listed in the memory scenario")
	flag.IntVar(&cfg.maxResults, "max-results", 150, "max_results in the truncated listing scenario")
	flag.DurationVar(&cfg.latency, "latency", 20*time.Millisecond, "latency the fake adds to each request in the listing scenarios")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the scratch directory (workspaces, profiles, Terraform output)")
	only := flag.String("only", "", "comma-separated scenarios to run, of "+strings.Join(scenarios, ", ")+"; default all")
	var env listFlag
	flag.Var(&env, "provider-env", "NAME=VALUE to add to the environment of Terraform and the provider (repeatable; for experiments)")
	flag.Parse()
	cfg.env = env
	if *only != "" {
		cfg.only = map[string]bool{}
		for name := range strings.SplitSeq(*only, ",") {
			if !slices.Contains(scenarios, name) {
				fmt.Fprintf(os.Stderr, "bench: -only: unknown scenario %q; choose from %s\n", name, strings.Join(scenarios, ", "))
				os.Exit(2)
			}
			cfg.only[name] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	started := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tfBin, err := terraformBinary(cfg.terraform)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "gitlabdeploy-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintln(os.Stderr, "bench: scratch directory", scratch)
	} else {
		defer os.RemoveAll(scratch)
	}

	out := cfg.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	previous, err := os.ReadFile(out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	loadStart := loadAverage()
	b := &bench{ctx: ctx, cfg: cfg, root: root, rep: &report{started: started, kept: keptBlocks(string(previous))}}
	if err := b.build(scratch, tfBin); err != nil {
		return err
	}
	b.scenario("gobench", b.providerBenchmarks)
	b.scenario("startup", b.startup)
	b.scenario("api", b.apiListing)
	b.scenario("resources", b.deployments)
	b.scenario("cancel", b.cancelAndDelete)
	b.scenario("approvals", b.approvals)
	b.scenario("listing", b.listing)
	b.scenario("audits", b.audits)
	b.scenario("optimisations", b.optimisations)

	b.rep.machine = machineInfo(ctx, tfBin, terraformVersion(ctx, tfBin), started, time.Since(started), loadStart)
	if err := os.WriteFile(out, []byte(b.rep.markdown()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s in %s\n", cfg.out, time.Since(started).Round(time.Second))
	if len(b.rep.failures) > 0 {
		return fmt.Errorf("%d scenario(s) could not be measured; see %s", len(b.rep.failures), cfg.out)
	}
	return nil
}

// bench holds what the scenarios share.
type bench struct {
	ctx         context.Context
	cfg         config
	root        string
	tf          *terraform
	rep         *report
	providerBin string
	profBin     string

	// apiConcurrent is the API layer's time to list the large history, the data source's
	// baseline.
	apiConcurrent time.Duration
	// provider holds the provider package's Go benchmarks, for the scenarios to show.
	provider goBenchmarks
}

func (b *bench) scenario(name string, f func() error) {
	if b.cfg.only != nil && !b.cfg.only[name] {
		return
	}
	fmt.Fprintf(os.Stderr, "bench: %s\n", name)
	start := time.Now()
	if err := f(); err != nil {
		b.rep.fail(name, err)
	}
	fmt.Fprintf(os.Stderr, "bench: %s took %s\n", name, time.Since(start).Round(100*time.Millisecond))
}

// build compiles the provider as `make build` does, the rsswrap stand-in and the profiling
// provider, and writes the two CLI configurations.
func (b *bench) build(scratch, tfBin string) error {
	bin := filepath.Join(scratch, "bin")
	wrapDir := filepath.Join(scratch, "wrap")
	profDir := filepath.Join(scratch, "prof")
	for _, dir := range []string{bin, wrapDir, profDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	const name = "terraform-provider-gitlabdeploy"
	b.providerBin = filepath.Join(bin, name)
	b.profBin = filepath.Join(profDir, name)
	builds := [][]string{
		{"build", "-trimpath", "-ldflags", "-s -w -X main.version=bench", "-o", b.providerBin, "."},
		{"build", "-o", filepath.Join(wrapDir, name), "./internal/bench/rsswrap"},
		{"build", "-o", b.profBin, "./internal/bench/profprovider"},
	}
	for _, args := range builds {
		c := exec.CommandContext(b.ctx, "go", args...)
		c.Dir = b.root
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("go %v: %w\n%s", args, err, out)
		}
	}
	b.tf = &terraform{
		ctx:        b.ctx,
		bin:        tfBin,
		cliConfig:  filepath.Join(scratch, "wrap.tfrc"),
		profConfig: filepath.Join(scratch, "prof.tfrc"),
		providers:  b.providerBin,
		scratch:    scratch,
		extraEnv:   b.cfg.env,
	}
	if err := writeCLIConfig(b.tf.cliConfig, wrapDir); err != nil {
		return err
	}
	return writeCLIConfig(b.tf.profConfig, profDir)
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := string(out[:len(out)-1])
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark from inside the provider's module")
	}
	return filepath.Dir(mod), nil
}

func terraformBinary(flagValue string) (string, error) {
	for _, candidate := range []string{flagValue, os.Getenv("TF_ACC_TERRAFORM_PATH")} {
		if candidate != "" {
			return candidate, nil
		}
	}
	path, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("no Terraform CLI: pass -terraform, set TF_ACC_TERRAFORM_PATH or put terraform on PATH")
	}
	return path, nil
}
