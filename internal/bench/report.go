package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// row is one line of the results table. Empty cells print as a dash.
type row struct {
	operation string
	requests  string // measured / lower bound
	wall      string
	cpu       string // provider processes' CPU time
	baseline  string
	ratio     string
	peakRSS   string
	target    string
	met       *bool  // nil: no target
	load      string // the 1-minute load average before the first run and after the last
}

// report collects what BENCHMARKS.md shows.
type report struct {
	machine  []string
	rows     []row
	notes    []string // lines under the table
	sections []section
	started  time.Time
	failures []string
	// kept are the blocks of the previous report that other commands wrote (keptBlocks).
	kept []string
}

type section struct {
	title string
	body  string
}

func (r *report) add(x row) { r.rows = append(r.rows, x) }

func (r *report) section(title, body string) {
	r.sections = append(r.sections, section{title, body})
}

// fail records a scenario that could not be measured; the report shows it and the command exits
// non-zero.
func (r *report) fail(scenario string, err error) {
	msg := fmt.Sprintf("%s: %v", scenario, err)
	fmt.Fprintln(os.Stderr, "bench: FAILED", msg)
	r.failures = append(r.failures, msg)
}

func verdict(ok bool) *bool { return &ok }

func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (`scripts/bench`); do not edit by hand, except between `<!-- BEGIN name -->` and " +
		"`<!-- END name -->` markers, whose blocks other commands write and `make bench` keeps as they are. Every other " +
		"figure comes from the one run described under Machine. Request counts are read from the fake GitLab's " +
		"`/-/fake/stats`. Timed figures read \"median (minimum – maximum, runs)\", and a target is met when the median " +
		"meets it; the load column is the machine's 1-minute load average before the first run and after the last. " +
		"Peak RSS is the largest resident set of any provider process Terraform started for the command.\n\n")
	b.WriteString("## Machine\n\n")
	for _, m := range r.machine {
		b.WriteString("- " + m + "\n")
	}
	b.WriteString("\n## Results\n\n")
	b.WriteString("| Operation | Requests (measured / lower bound) | Wall time | Provider CPU | Baseline | Ratio | Peak RSS | Target | Met | Load |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.rows {
		met := "—"
		if x.met != nil {
			met = "yes"
			if !*x.met {
				met = "**NO**"
			}
		}
		cells := []string{x.operation, x.requests, x.wall, x.cpu, x.baseline, x.ratio, x.peakRSS, x.target, met, x.load}
		for i, c := range cells {
			if c == "" {
				cells[i] = "—"
			}
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if len(r.notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	if len(r.failures) > 0 {
		b.WriteString("\n## Scenarios that could not be measured\n\n")
		for _, f := range r.failures {
			b.WriteString("- " + strings.ReplaceAll(f, "\n", " ") + "\n")
		}
	}
	for _, s := range r.sections {
		b.WriteString("\n## " + s.title + "\n\n" + strings.TrimRight(s.body, "\n") + "\n")
	}
	for _, block := range r.kept {
		b.WriteString("\n" + block + "\n")
	}
	return b.String()
}

// keptBlocks returns the blocks of a previous report that run from a line `<!-- BEGIN name -->`
// to the line `<!-- END name -->`, markers included: other commands (such as make test-profile)
// write them into BENCHMARKS.md, and make bench carries them over.
func keptBlocks(previous string) []string {
	var blocks []string
	lines := strings.Split(previous, "\n")
	for i := 0; i < len(lines); i++ {
		name, ok := marker(lines[i], "BEGIN")
		if !ok {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if end, ok := marker(lines[j], "END"); ok && end == name {
				blocks = append(blocks, strings.Join(lines[i:j+1], "\n"))
				i = j
				break
			}
		}
	}
	return blocks
}

// marker returns the name of a line `<!-- WORD name -->`.
func marker(line, word string) (string, bool) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(line), "<!-- "+word+" ")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(inner, " -->")
	return strings.TrimSpace(name), ok && strings.TrimSpace(name) != ""
}

// machineInfo describes where the run happened.
func machineInfo(ctx context.Context, tfBin, tfVersion string, started time.Time, took time.Duration, loadStart string) []string {
	cpu := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				cpu = strings.TrimSpace(value)
				break
			}
		}
	}
	mem := "unknown"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if value, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kib int64
				if _, err := fmt.Sscanf(strings.TrimSpace(value), "%d kB", &kib); err == nil {
					mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1024*1024))
				}
			}
		}
	}
	kernel := "unknown"
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(data))
	}
	goVersion := runtime.Version()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	return []string{
		fmt.Sprintf("CPU: %s, %d logical CPUs (`nproc`)", cpu, runtime.NumCPU()),
		"Memory: " + mem,
		fmt.Sprintf("OS: %s/%s, kernel %s", runtime.GOOS, runtime.GOARCH, kernel),
		"Go: " + goVersion,
		fmt.Sprintf("Terraform CLI: %s (`%s`)", tfVersion, tfBin),
		fmt.Sprintf("Run: %s, took %s", started.UTC().Format(time.RFC3339), took.Round(time.Second)),
		fmt.Sprintf("Load average (1, 5, 15 min) at the start: %s; at the end: %s. Other work on the machine "+
			"slows the wall times; the provider's CPU times are less sensitive to it.", loadStart, loadAverage()),
	}
}

// loadAverage1 is the 1-minute load average.
func loadAverage1() string {
	load, _, _ := strings.Cut(loadAverage(), ",")
	return load
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], ", ")
}
