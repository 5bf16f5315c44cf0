package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// series is the repeated runs of one command with the requests each made, and the machine's
// load average before the first run and after the last.
type series struct {
	results    []result
	requests   []int
	loadBefore string
	loadAfter  string
}

func (s *series) add(r result, requests int) {
	s.results = append(s.results, r)
	s.requests = append(s.requests, requests)
}

// durations is one figure of each run.
func (s *series) durations(of func(result) time.Duration) []time.Duration {
	out := make([]time.Duration, len(s.results))
	for i, r := range s.results {
		out[i] = of(r)
	}
	return out
}

func (s *series) walls() []time.Duration {
	return s.durations(func(r result) time.Duration { return r.wall })
}

func (s *series) cpus() []time.Duration {
	return s.durations(func(r result) time.Duration { return r.cpu })
}

func (s *series) wall() time.Duration { return median(s.walls()) }

func (s *series) cpu() time.Duration { return median(s.cpus()) }

// cliCPU is the median of Terraform's own CPU.
func (s *series) cliCPU() time.Duration {
	return median(s.durations(func(r result) time.Duration { return r.cliCPU }))
}

func (s *series) cpuCell() string {
	if s.maxRSS() == 0 {
		return ""
	}
	return spreadCell(s.cpus(), seconds)
}

func (s *series) maxRSS() int64 {
	var peak int64
	for _, r := range s.results {
		peak = max(peak, r.maxRSS)
	}
	return peak
}

// requestRange is the smallest and largest request count of the runs.
func (s *series) requestRange() (lo, hi int) {
	lo, _, hi = spread(s.requests)
	return lo, hi
}

// requestsCell renders "measured / lower bound".
func (s *series) requestsCell(bound string) string {
	lo, hi := s.requestRange()
	if lo == hi {
		return fmt.Sprintf("%d / %s", lo, bound)
	}
	return fmt.Sprintf("%d–%d / %s", lo, hi, bound)
}

func (s *series) wallCell() string { return spreadCell(s.walls(), seconds) }

// rssCell is the largest peak RSS of the runs, and the smallest when they differ by more than
// a mebibyte.
func (s *series) rssCell() string {
	peak := s.maxRSS()
	if peak == 0 {
		return ""
	}
	least := peak
	for _, r := range s.results {
		least = min(least, r.maxRSS)
	}
	if peak-least > 1024 {
		return fmt.Sprintf("%s (smallest run: %s)", mebibytes(peak), mebibytes(least))
	}
	return mebibytes(peak)
}

func (s *series) loadCell() string {
	if s.loadBefore == "" {
		return ""
	}
	return s.loadBefore + " → " + s.loadAfter
}

// counted runs do with zeroed counters and adds its result and request count to s.
func counted(f *fake, s *series, do func() (result, error)) error {
	if f != nil {
		if err := f.resetStats(); err != nil {
			return err
		}
	}
	if s.loadBefore == "" {
		s.loadBefore = loadAverage1()
	}
	r, err := do()
	s.loadAfter = loadAverage1()
	if err != nil {
		return err
	}
	requests := 0
	if f != nil {
		st, err := f.stats()
		if err != nil {
			return err
		}
		requests = st.Total
	}
	s.add(r, requests)
	return nil
}

// alternate runs the baseline and the subject one after the other, runs times, so that both
// see the same machine.
func alternate(runs int, f *fake, base, subject *series, doBase, doSubject func() (result, error)) error {
	for range runs {
		if err := counted(nil, base, doBase); err != nil {
			return err
		}
		if err := counted(f, subject, doSubject); err != nil {
			return err
		}
	}
	return nil
}

// cliCPUPerResource is Terraform's own CPU per resource above the same command's for base
// (median of the runs).
func cliCPUPerResource(subject, base *series, n int) time.Duration {
	return (subject.cliCPU() - base.cliCPU()) / time.Duration(n)
}

// perResource is, for each pair of runs of subject and baseline, the subject's extra wall time
// per resource: pairs ran one after the other, on the same machine.
func perResource(subject, base *series, n int) []time.Duration {
	extra := make([]time.Duration, min(len(subject.results), len(base.results)))
	for i := range extra {
		extra[i] = (subject.results[i].wall - base.results[i].wall) / time.Duration(n)
	}
	return extra
}

func signedMilliseconds(d time.Duration) string {
	return fmt.Sprintf("%+.2f ms", float64(d)/float64(time.Millisecond))
}

func ratio(subject, base time.Duration) string {
	if base <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f×", float64(subject)/float64(base))
}

func providerHCL(url, token string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

provider "gitlabdeploy" {
  base_url = %q
  token    = %q
}
`, url, token)
}

// deploymentArguments are the arguments of every benchmark deployment, written once for the
// resource and once for the terraform_data baseline's input.
func deploymentArguments(onDestroy string) string {
	return fmt.Sprintf(`    project     = %q
    environment = "bench-${count.index %% 10}"
    ref         = "main"
    sha         = %q
    status      = var.status
    on_destroy  = %q
`, benchProject, mainSHA, onDestroy)
}

const statusVariable = `variable "status" {
  type    = string
  default = "running"
}
`

func deploymentsHCL(url string, n int, onDestroy string) string {
	args := strings.ReplaceAll(deploymentArguments(onDestroy), "\n    ", "\n  ")
	return providerHCL(url, deployerToken) + statusVariable + fmt.Sprintf(`
resource "gitlabdeploy_deployment" "d" {
  count       = %d
%s}
`, n, strings.TrimPrefix(args, "  "))
}

// baselineHCL is the same module with terraform_data, which Terraform runs without any
// provider process: Terraform's own cost for that many resources.
func baselineHCL(n int) string {
	return statusVariable + fmt.Sprintf(`
resource "terraform_data" "d" {
  count = %d
  input = {
%s  }
}
`, n, deploymentArguments("delete"))
}

// startup measures how long the provider binary takes to serve, its size, the in-process
// schema load, and that configuring it and planning a new deployment sends nothing.
func (b *bench) startup() error {
	info, err := os.Stat(b.providerBin)
	if err != nil {
		return err
	}
	b.rep.notes = append(b.rep.notes, fmt.Sprintf("Provider binary (as `make build`: `-trimpath -ldflags \"-s -w\"`): %.1f MiB.",
		float64(info.Size())/(1<<20)))

	var walls []time.Duration
	for range 2 * b.cfg.runs {
		d, err := handshake(b.ctx, b.providerBin, b.tf.scratch)
		if err != nil {
			return err
		}
		walls = append(walls, d)
	}
	b.rep.add(row{
		operation: "Provider start-up: process start until it serves the plugin protocol",
		requests:  "",
		wall:      spreadCell(walls, milliseconds),
		target:    "reported",
	})
	b.inProcessRows("BenchmarkProviderSchema")

	f, err := startFake(b.ctx, baseSeed(), 0)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err := b.tf.workspace("startup")
	if err != nil {
		return err
	}
	if err := ws.write(deploymentsHCL(f.url(), 1, "delete")); err != nil {
		return err
	}
	var s series
	for range b.cfg.runs {
		if err := counted(f, &s, func() (result, error) { return ws.plan() }); err != nil {
			return err
		}
	}
	lo, hi := s.requestRange()
	b.rep.add(row{
		operation: "Provider start-up and configure, then plan one new deployment (`terraform plan`, no state)",
		requests:  s.requestsCell("0"),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    "no request",
		met:       verdict(lo == 0 && hi == 0),
	})
	return nil
}

// handshake starts the provider as Terraform would and returns how long it took to print the
// go-plugin handshake line, then kills it.
func handshake(ctx context.Context, bin, scratch string) (time.Duration, error) {
	tmp, err := os.MkdirTemp(scratch, "handshake-")
	if err != nil {
		return 0, err
	}
	c := exec.CommandContext(ctx, bin)
	c.Env = append(cleanEnv(),
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		"PLUGIN_PROTOCOL_VERSIONS=6",
		"TMPDIR="+tmp, // the plugin's socket
	)
	stdout, err := c.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := c.Start(); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	took := time.Since(start)
	_ = c.Process.Kill()
	_ = c.Wait()
	if err != nil {
		return 0, fmt.Errorf("reading the provider's handshake: %w", err)
	}
	if !strings.HasPrefix(line, "1|6|") {
		return 0, fmt.Errorf("unexpected handshake %q", strings.TrimSpace(line))
	}
	return took, nil
}

func milliseconds(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// providerBenchmarks runs the provider package's Go benchmarks: the schema load, one deployment
// resource's protocol calls in process, and the listing data source in process. The scenarios
// that follow put their figures beside their own.
func (b *bench) providerBenchmarks() error {
	const pattern = "^(BenchmarkProviderSchema|BenchmarkDeploymentResource_.*|BenchmarkDeploymentsDataSource_read10k.*)$"
	g, _, err := runGoBenchmarks(b.ctx, b.root, "./internal/provider", pattern, b.cfg.runs, "1s")
	if err != nil {
		return err
	}
	for _, name := range []string{"BenchmarkProviderSchema", "BenchmarkDeploymentResource_planCreate",
		"BenchmarkDeploymentResource_planNoChange", "BenchmarkDeploymentResource_refreshAndPlanNoChange",
		"BenchmarkDeploymentsDataSource_read10k"} {
		if _, ok := g.median(name, "ns/op"); !ok {
			return fmt.Errorf("%s did not report", name)
		}
	}
	b.provider = g
	return nil
}

// inProcessRows adds the rows of the provider's Go benchmarks named, when they ran.
func (b *bench) inProcessRows(benchmarks ...string) {
	what := map[string]string{
		"BenchmarkProviderSchema": "Provider start-up: schema load (GetProviderSchema of a new provider server, in process; Go benchmark)",
		"BenchmarkDeploymentResource_planCreate": "One deployment of a first plan, in process (Go benchmark): " +
			"ValidateResourceConfig and PlanResourceChange",
		"BenchmarkDeploymentResource_planNoChange": "One unchanged deployment of a plan, in process (Go benchmark): " +
			"UpgradeResourceState, ValidateResourceConfig and PlanResourceChange",
		"BenchmarkDeploymentResource_refreshAndPlanNoChange": "The same with refresh, in process (Go benchmark): " +
			"plus ReadResource, one request to the fake",
		"BenchmarkDeploymentsDataSource_read10k": "Data source: read 10000 deployments in process, from the API answer " +
			"to the protocol value (Go benchmark, no latency)",
	}
	for _, name := range benchmarks {
		if _, ok := b.provider.median(name, "ns/op"); !ok {
			continue
		}
		x := row{operation: what[name], target: "reported", wall: b.provider.spreadCell(name, milliseconds)}
		alloc, _ := b.provider.median(name, "B/op")
		switch name {
		case "BenchmarkProviderSchema":
		case "BenchmarkDeploymentsDataSource_read10k":
			peak, _ := b.provider.median(name, "peak-heap-MiB")
			x.wall = b.provider.spreadCell(name, seconds)
			x.peakRSS = fmt.Sprintf("heap growth %.0f MiB; %.0f MiB allocated", peak, alloc/(1<<20))
		default:
			x.peakRSS = fmt.Sprintf("%.2f MiB allocated", alloc/(1<<20))
			x.target = "reported: the provider's own share of the plans below"
		}
		b.rep.add(x)
	}
}

// apiListing runs the API layer's listing benchmark: 10,000 deployments behind 20 ms of latency,
// pages fetched concurrently versus one after another.
func (b *bench) apiListing() error {
	g, _, err := runGoBenchmarks(b.ctx, b.root, "./internal/gitlabapi", "^BenchmarkListDeployments$", b.cfg.runs, "1x")
	if err != nil {
		return err
	}
	const seq, conc = "BenchmarkListDeployments/page_after_page", "BenchmarkListDeployments/concurrent"
	seqNS, ok1 := g.median(seq, "ns/op")
	concNS, ok2 := g.median(conc, "ns/op")
	if !ok1 || !ok2 {
		return fmt.Errorf("BenchmarkListDeployments did not report both of %s and %s", seq, conc)
	}
	b.apiConcurrent = time.Duration(concNS)
	seqReq, _ := g.median(seq, "requests/op")
	concReq, _ := g.median(conc, "requests/op")
	speedup := seqNS / concNS
	b.rep.add(row{
		operation: "API layer: list 10,000 deployments, 20 ms latency, page after page (Go benchmark)",
		requests:  fmt.Sprintf("%.0f / 100", seqReq),
		wall:      g.spreadCell(seq, seconds),
		target:    "baseline",
	})
	b.rep.add(row{
		operation: "API layer: list 10,000 deployments, 20 ms latency, pages fetched concurrently (Go benchmark; same order and content, checked)",
		requests:  fmt.Sprintf("%.0f / 100", concReq),
		wall:      g.spreadCell(conc, seconds),
		baseline:  "page after page: " + seconds(time.Duration(seqNS)),
		ratio:     fmt.Sprintf("%.1f× faster", speedup),
		target:    "≥ 6× faster; 100 requests",
		met:       verdict(speedup >= 6 && concReq == 100),
	})
	return nil
}

// deployments runs the life of N deployment resources beside the same module with
// terraform_data: first plan, create, plan with refresh, plan without refresh, update, destroy.
func (b *bench) deployments() error {
	n := b.cfg.resources
	f, err := startFake(b.ctx, baseSeed(), 0)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err := b.tf.workspace("deployments")
	if err != nil {
		return err
	}
	base, err := b.tf.workspace("deployments-baseline")
	if err != nil {
		return err
	}
	if err := ws.write(deploymentsHCL(f.url(), n, "delete")); err != nil {
		return err
	}
	if err := base.write(baselineHCL(n)); err != nil {
		return err
	}
	// planRow reports a plan beside the same plan of terraform_data; limit is the target for the
	// extra wall time per resource (0: reported only).
	planRow := func(what string, s, bs *series, bound string, wantRequests int, limit time.Duration) {
		extra := perResource(s, bs, n)
		lo, hi := s.requestRange()
		x := row{
			operation: what,
			requests:  s.requestsCell(bound),
			wall:      s.wallCell(),
			cpu:       s.cpuCell(),
			baseline:  "terraform_data: " + bs.wallCell(),
			ratio: fmt.Sprintf("%s; %s per resource (provider CPU: %.2f ms per resource; Terraform's own CPU: %s per resource)",
				ratio(s.wall(), bs.wall()), spreadCell(extra, signedMilliseconds),
				float64(s.cpu())/float64(n)/float64(time.Millisecond), signedMilliseconds(cliCPUPerResource(s, bs, n))),
			peakRSS: s.rssCell(),
			load:    s.loadCell(),
			target:  fmt.Sprintf("%s requests; extra wall time per resource reported", bound),
			met:     verdict(lo == wantRequests && hi == wantRequests),
		}
		if limit > 0 {
			x.target = fmt.Sprintf("≤ %s per resource above terraform_data; %s requests", milliseconds(limit), bound)
			x.met = verdict(median(extra) <= limit && lo == wantRequests && hi == wantRequests)
		}
		b.rep.add(x)
	}

	b.inProcessRows("BenchmarkDeploymentResource_planCreate", "BenchmarkDeploymentResource_planNoChange",
		"BenchmarkDeploymentResource_refreshAndPlanNoChange")

	var first, firstBase series
	if err := alternate(b.cfg.runs, f, &firstBase, &first, func() (result, error) { return base.plan() },
		func() (result, error) { return ws.plan() }); err != nil {
		return err
	}
	planRow(fmt.Sprintf("`terraform plan`, %d new deployments (no state)", n), &first, &firstBase, "0", 0, 4*time.Millisecond)

	// Each round creates the deployments (beside terraform_data), updates and destroys them; the
	// first round also times the plans of the deployments in the state.
	var create, createBase, update, destroy series
	var plans *statePlans
	for round := range b.cfg.runs {
		if err := alternate(1, f, &createBase, &create, func() (result, error) { return base.apply() },
			func() (result, error) { return ws.apply() }); err != nil {
			return err
		}
		if round == 0 {
			if plans, err = b.planState(f, ws, base); err != nil {
				return err
			}
		}
		if err := counted(f, &update, func() (result, error) { return ws.apply("-refresh=false", "-var=status=failed") }); err != nil {
			return err
		}
		if err := counted(f, &destroy, func() (result, error) { return ws.destroy("-refresh=false", "-var=status=failed") }); err != nil {
			return err
		}
		if _, err := base.destroy(); err != nil {
			return err
		}
	}
	lo, hi := create.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("`terraform apply`: create %d deployments", n),
		requests:  create.requestsCell(fmt.Sprint(n)),
		wall:      create.wallCell(),
		cpu:       create.cpuCell(),
		baseline:  "terraform_data: " + createBase.wallCell(),
		ratio:     ratio(create.wall(), createBase.wall()),
		peakRSS:   create.rssCell(),
		load:      create.loadCell(),
		target:    "1 request per deployment",
		met:       verdict(lo == n && hi == n),
	})
	planRow(fmt.Sprintf("`terraform plan`, %d deployments in the state, no change (refresh: 1 request each)", n),
		&plans.refresh, &plans.refreshBase, fmt.Sprint(n), n, 2500*time.Microsecond)
	planRow(fmt.Sprintf("`terraform plan -refresh=false`, %d deployments in the state, no change", n),
		&plans.noRefresh, &plans.noRefreshBase, "0", 0, 0)
	lo, hi = update.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("`terraform apply -refresh=false`: update the status of %d deployments (running → failed)", n),
		requests:  update.requestsCell(fmt.Sprint(n)),
		wall:      update.wallCell(),
		cpu:       update.cpuCell(),
		peakRSS:   update.rssCell(),
		load:      update.loadCell(),
		target:    "1 request per deployment",
		met:       verdict(lo == n && hi == n),
	})
	lo, hi = destroy.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("`terraform destroy -refresh=false`: delete %d deployments (`on_destroy = \"delete\"`)", n),
		requests:  destroy.requestsCell(fmt.Sprint(n)),
		wall:      destroy.wallCell(),
		cpu:       destroy.cpuCell(),
		peakRSS:   destroy.rssCell(),
		load:      destroy.loadCell(),
		target:    "1 request per deployment",
		met:       verdict(lo == n && hi == n),
	})
	return nil
}

// statePlans are the plans of deployments in the state, beside the same plans of terraform_data.
type statePlans struct {
	refresh, refreshBase, noRefresh, noRefreshBase series
}

// planState times the plans of the deployments in the state, with and without refresh, and
// profiles one.
func (b *bench) planState(f *fake, ws, base *workspace) (*statePlans, error) {
	var p statePlans
	if err := alternate(b.cfg.runs, f, &p.refreshBase, &p.refresh, func() (result, error) { return base.plan() },
		func() (result, error) { return ws.plan() }); err != nil {
		return nil, err
	}
	if err := alternate(b.cfg.runs, f, &p.noRefreshBase, &p.noRefresh, func() (result, error) { return base.plan("-refresh=false") },
		func() (result, error) { return ws.plan("-refresh=false") }); err != nil {
		return nil, err
	}
	if err := b.profilePlan(ws); err != nil {
		return nil, fmt.Errorf("profiling the plan: %w", err)
	}
	return &p, nil
}

// profilePlan runs one steady-state plan with the profiling provider and reports where its CPU
// time went.
func (b *bench) profilePlan(ws *workspace) error {
	dir := filepath.Join(b.tf.scratch, "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := ws.cmd(dir, "plan", "-input=false", "-lock=false", "-no-color"); err != nil {
		return err
	}
	entries, total, err := readProfiles(b.ctx, b.root, b.profBin, dir)
	if err != nil {
		return err
	}
	b.rep.section("Where the plan time goes", profileSummary(entries, total, b.cfg.resources))
	return nil
}

// cancelAndDelete destroys running deployments with on_destroy = "cancel_and_delete": GitLab
// refuses to delete a running deployment, so each needs a cancel and a delete.
func (b *bench) cancelAndDelete() error {
	n := b.cfg.small
	f, err := startFake(b.ctx, baseSeed(), 0)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err := b.tf.workspace("cancel-and-delete")
	if err != nil {
		return err
	}
	if err := ws.write(deploymentsHCL(f.url(), n, "cancel_and_delete")); err != nil {
		return err
	}
	var s series
	for range b.cfg.runs {
		if _, err := ws.apply(); err != nil {
			return err
		}
		if err := counted(f, &s, func() (result, error) { return ws.destroy("-refresh=false") }); err != nil {
			return err
		}
	}
	lo, hi := s.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("`terraform destroy -refresh=false`: %d running deployments with `on_destroy = \"cancel_and_delete\"`", n),
		requests:  s.requestsCell(fmt.Sprint(2 * n)),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    "2 requests per deployment (cancel, delete)",
		met:       verdict(lo == 2*n && hi == 2*n),
	})
	return nil
}

// approvals approves deployments that CI created and that wait for the approver.
func (b *bench) approvals() error {
	n := b.cfg.small
	var s series
	for round := range b.cfg.runs {
		// Each round approves deployments of a new fake, still waiting, from an empty state.
		f, err := startFake(b.ctx, blockedSeed(n), 0)
		if err != nil {
			return err
		}
		ws, err := b.tf.workspace(fmt.Sprintf("approvals-%d", round))
		if err == nil {
			err = ws.write(providerHCL(f.url(), approverToken) + fmt.Sprintf(`
resource "gitlabdeploy_deployment_approval" "a" {
  count         = %d
  project       = %q
  deployment_id = count.index + 1
  status        = "approved"
  comment       = "benchmark"
}
`, n, benchProject))
		}
		if err == nil {
			err = counted(f, &s, func() (result, error) { return ws.apply() })
		}
		f.close()
		if err != nil {
			return err
		}
	}
	lo, hi := s.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("`terraform apply`: approve %d deployments waiting for approval", n),
		requests:  s.requestsCell(fmt.Sprint(3 * n)),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    "3 requests per approval: the write, a read before it (DESIGN.md §B22) and one after",
		met:       verdict(lo == 3*n && hi == 3*n),
	})
	return nil
}

func listingHCL(url string, maxResults int) string {
	limit := ""
	if maxResults > 0 {
		limit = fmt.Sprintf("  max_results = %d\n", maxResults)
	}
	return providerHCL(url, deployerToken) + fmt.Sprintf(`
data "gitlabdeploy_deployments" "all" {
  project     = %q
  environment = %q
%s}

output "listed" {
  value = length(data.gitlabdeploy_deployments.all.deployments)
}
`, benchProject, historyEnv, limit)
}

// listPlan plans the listing module runs times and checks that every run listed want
// deployments.
func listPlan(f *fake, ws *workspace, runs, want int) (*series, error) {
	var s series
	for range runs {
		err := counted(f, &s, func() (result, error) {
			r, err := ws.plan()
			if err == nil && !strings.Contains(r.output, fmt.Sprintf("listed = %d\n", want)) {
				err = fmt.Errorf("the plan did not list %d deployments:\n%s", want, tail(r.output, 20))
			}
			return r, err
		})
		if err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// listing reads histories of growing size through the gitlabdeploy_deployments data source.
func (b *bench) listing() error {
	pages := func(k int) int { return (k + 99) / 100 }

	// A few hundred, no latency: the page count at its lower bound.
	small := b.cfg.listSmall
	f, err := startFake(b.ctx, historySeed(small), 0)
	if err != nil {
		return err
	}
	ws, err := b.tf.workspace("list-small")
	if err != nil {
		f.close()
		return err
	}
	if err := ws.write(listingHCL(f.url(), 0)); err != nil {
		f.close()
		return err
	}
	s, err := listPlan(f, ws, b.cfg.runs, small)
	f.close()
	if err != nil {
		return err
	}
	lo, hi := s.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: list %d deployments (`terraform plan`)", small),
		requests:  s.requestsCell(fmt.Sprint(pages(small))),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    fmt.Sprintf("%d page requests", pages(small)),
		met:       verdict(lo == pages(small) && hi == pages(small)),
	})

	// Ten thousand behind latency: end to end beside the API layer, memory, and max_results.
	b.inProcessRows("BenchmarkDeploymentsDataSource_read10k")
	large := b.cfg.listLarge
	f, err = startFake(b.ctx, historySeed(large), b.cfg.latency)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err = b.tf.workspace("list-large")
	if err != nil {
		return err
	}
	if err := ws.write(listingHCL(f.url(), 0)); err != nil {
		return err
	}
	s, err = listPlan(f, ws, b.cfg.runs, large)
	if err != nil {
		return err
	}
	lo, hi = s.requestRange()
	baseline, ratioCell := "", ""
	if b.apiConcurrent > 0 {
		baseline = "API layer alone (Go benchmark above): " + seconds(b.apiConcurrent)
		ratioCell = ratio(s.wall(), b.apiConcurrent)
	}
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: list %d deployments, %s latency (`terraform plan`, end to end)", large, b.cfg.latency),
		requests:  s.requestsCell(fmt.Sprint(pages(large))),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		baseline:  baseline,
		ratio:     ratioCell,
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    fmt.Sprintf("%d page requests; provider peak RSS < 200 MiB", pages(large)),
		met:       verdict(lo == pages(large) && hi == pages(large) && s.maxRSS() < 200*1024),
	})

	if err := ws.write(listingHCL(f.url(), b.cfg.maxResults)); err != nil {
		return err
	}
	s, err = listPlan(f, ws, b.cfg.runs, b.cfg.maxResults)
	if err != nil {
		return err
	}
	lo, hi = s.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: first %d of %d deployments (`max_results = %d`), %s latency",
			b.cfg.maxResults, large, b.cfg.maxResults, b.cfg.latency),
		requests: s.requestsCell(fmt.Sprint(pages(b.cfg.maxResults))),
		wall:     s.wallCell(),
		cpu:      s.cpuCell(),
		peakRSS:  s.rssCell(),
		load:     s.loadCell(),
		target:   fmt.Sprintf("%d page requests", pages(b.cfg.maxResults)),
		met:      verdict(lo == pages(b.cfg.maxResults) && hi == pages(b.cfg.maxResults)),
	})
	f.close()

	// Fifty thousand: past GitLab's 10,000 count, so the reader cannot know the last page.
	huge := b.cfg.listHuge
	f, err = startFake(b.ctx, historySeed(huge), b.cfg.latency)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err = b.tf.workspace("list-huge")
	if err != nil {
		return err
	}
	if err := ws.write(listingHCL(f.url(), 0)); err != nil {
		return err
	}
	s, err = listPlan(f, ws, b.cfg.runs, huge)
	if err != nil {
		return err
	}
	lo, hi = s.requestRange()
	bound := pages(huge) + pageConcurrency
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: list %d deployments, %s latency (GitLab stops counting past 10,000)", huge, b.cfg.latency),
		requests:  s.requestsCell(fmt.Sprintf("%d (at most %d)", pages(huge), bound)),
		wall:      s.wallCell(),
		cpu:       s.cpuCell(),
		peakRSS:   s.rssCell(),
		load:      s.loadCell(),
		target:    fmt.Sprintf("≤ %d page requests; provider peak RSS < 1 GiB", bound),
		met:       verdict(lo >= pages(huge) && hi <= bound && s.maxRSS() < 1024*1024),
	})
	return nil
}

// pageConcurrency is the API layer's default bound on pages fetched at once.
const pageConcurrency = 8
