package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// profileEntry is one function of `go tool pprof -top`.
type profileEntry struct {
	flat, cum float64 // seconds
	name      string
}

// readProfiles runs `go tool pprof -top` over the CPU profiles in dir and returns every
// function with its flat and cumulative time, and the total sampled time.
func readProfiles(ctx context.Context, root, binary, dir string) ([]profileEntry, float64, error) {
	files, err := filepath.Glob(filepath.Join(dir, "cpu-*.pprof"))
	if err != nil || len(files) == 0 {
		return nil, 0, fmt.Errorf("no CPU profile in %s: did Terraform stop the provider over gRPC?", dir)
	}
	args := append([]string{"tool", "pprof", "-top", "-nodecount=100000", "-nodefraction=0", "-edgefraction=0", "-unit=s", binary}, files...)
	c := exec.CommandContext(ctx, "go", args...)
	c.Dir = root
	out, err := c.CombinedOutput()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool pprof: %w\n%s", err, tail(string(out), 20))
	}
	return parsePprofTop(string(out))
}

// parsePprofTop reads the table of `go tool pprof -top -unit=s`:
//
//	Duration: 3.01s, Total samples = 2.10s (69.77%)
//	      flat  flat%   sum%        cum   cum%
//	     0.31s 14.76% 14.76%      0.50s 23.81%  runtime.mallocgc
func parsePprofTop(out string) ([]profileEntry, float64, error) {
	var entries []profileEntry
	total := 0.0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if _, rest, ok := strings.Cut(line, "Total samples = "); ok {
			v, _, _ := strings.Cut(rest, " ")
			total, _ = parseSeconds(v)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 6 {
			continue
		}
		flat, err1 := parseSeconds(fields[0])
		cum, err2 := parseSeconds(fields[3])
		if err1 != nil || err2 != nil {
			continue
		}
		entries = append(entries, profileEntry{flat: flat, cum: cum, name: strings.Join(fields[5:], " ")})
	}
	if total == 0 {
		return nil, 0, fmt.Errorf("no samples in the profile output:\n%s", tail(out, 10))
	}
	return entries, total, sc.Err()
}

func parseSeconds(s string) (float64, error) {
	s = strings.TrimSuffix(s, "s")
	return strconv.ParseFloat(s, 64)
}

// packageOf returns the import path of a function name such as
// github.com/x/y/internal/fwserver.(*Server).PlanResourceChange.func1. Names without a package,
// such as aeshashbody, are the runtime's assembly.
func packageOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return "runtime"
	}
	return fn[:slash+1+dot]
}

// profileBucket groups packages into the areas the report discusses.
func profileBucket(pkg string) string {
	switch {
	case pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || pkg == "internal/runtime" ||
		strings.HasPrefix(pkg, "internal/runtime/") || pkg == "internal/bytealg" || pkg == "sync" || pkg == "sync/atomic":
		return "Go runtime (allocation, garbage collection, scheduling)"
	case strings.Contains(pkg, "terraform-plugin-framework"):
		return "terraform-plugin-framework (schema, plan, state handling)"
	case strings.Contains(pkg, "terraform-plugin-go"):
		return "terraform-plugin-go (protocol types, msgpack/JSON decoding)"
	case strings.Contains(pkg, "vmihailenco/msgpack"):
		return "msgpack"
	case strings.Contains(pkg, "google.golang.org/grpc") || strings.Contains(pkg, "golang.org/x/net/http2") ||
		strings.Contains(pkg, "google.golang.org/protobuf"):
		return "gRPC and protobuf"
	case strings.Contains(pkg, "terraform-plugin-log") || strings.Contains(pkg, "go-hclog"):
		return "logging (terraform-plugin-log, go-hclog)"
	case strings.Contains(pkg, "gitlabdeploy/terraform-provider-gitlabdeploy"):
		return "this provider's own code"
	case strings.Contains(pkg, "client-go") || strings.HasPrefix(pkg, "net/http") || pkg == "net" ||
		strings.HasPrefix(pkg, "net/") || strings.Contains(pkg, "go-querystring") || strings.Contains(pkg, "retryablehttp"):
		return "HTTP to GitLab (client-go, net/http)"
	case strings.HasPrefix(pkg, "regexp"):
		return "regexp (the framework compiles a pattern per model field on every Get and Set)"
	case strings.HasPrefix(pkg, "crypto/"):
		return "crypto (go-plugin's TLS certificate, once per provider process)"
	case strings.HasPrefix(pkg, "encoding/"):
		return "encoding/json and friends"
	case strings.HasPrefix(pkg, "syscall") || strings.HasPrefix(pkg, "internal/poll") || pkg == "os":
		return "system calls"
	case strings.Contains(pkg, "go-cty") || strings.Contains(pkg, "zclconf"):
		return "cty"
	}
	return "other (" + pkg + ")"
}

// profileSummary renders where the sampled CPU time went: by area (flat time), then the
// protocol calls' cumulative time, then the hottest functions.
func profileSummary(entries []profileEntry, total float64, resources int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CPU samples of all provider processes during one `terraform plan` of %d deployments "+
		"already in the state (refresh included): %.2f s in total, %.2f ms per resource.\n\n", resources, total, 1000*total/float64(resources))

	buckets := map[string]float64{}
	for _, e := range entries {
		buckets[profileBucket(packageOf(e.name))] += e.flat
	}
	names := make([]string, 0, len(buckets))
	for name := range buckets {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return compareDesc(buckets[a], buckets[b], a, b) })
	b.WriteString("By area (time spent in the area's own functions):\n\n| Area | CPU | Share |\n|---|---|---|\n")
	other := 0.0
	for _, name := range names {
		share := buckets[name] / total
		if share < 0.01 {
			other += buckets[name]
			continue
		}
		fmt.Fprintf(&b, "| %s | %.2f s | %.0f%% |\n", name, buckets[name], 100*share)
	}
	if other > 0 {
		fmt.Fprintf(&b, "| everything under 1%% each | %.2f s | %.0f%% |\n", other, 100*other/total)
	}

	b.WriteString("\nBy protocol call, and the runtime's memory work (cumulative, so the rows overlap):\n\n| Call | CPU | Share |\n|---|---|---|\n")
	for _, rpc := range []string{"GetProviderSchema", "ValidateProviderConfig", "ConfigureProvider", "ValidateResourceConfig",
		"UpgradeResourceState", "ReadResource", "PlanResourceChange", "ApplyResourceChange", "ReadDataSource"} {
		for _, e := range entries {
			if strings.HasSuffix(e.name, "tf6server.(*server)."+rpc) {
				fmt.Fprintf(&b, "| %s | %.2f s | %.0f%% |\n", rpc, e.cum, 100*e.cum/total)
			}
		}
	}

	for _, fn := range []struct{ name, label string }{
		{"runtime.gcBgMarkWorker", "garbage collection (background marking)"},
		{"runtime.mallocgc", "memory allocation"},
	} {
		for _, e := range entries {
			if e.name == fn.name {
				fmt.Fprintf(&b, "| %s | %.2f s | %.0f%% |\n", fn.label, e.cum, 100*e.cum/total)
			}
		}
	}

	b.WriteString("\nHottest functions (flat):\n\n| Function | Flat | Cumulative |\n|---|---|---|\n")
	flat := slices.Clone(entries)
	slices.SortFunc(flat, func(a, b profileEntry) int { return compareDesc(a.flat, b.flat, a.name, b.name) })
	for _, e := range flat[:min(15, len(flat))] {
		fmt.Fprintf(&b, "| `%s` | %.2f s | %.2f s |\n", e.name, e.flat, e.cum)
	}

	b.WriteString("\nThis provider's functions and the framework's plan steps (cumulative, top 15):\n\n| Function | Cumulative |\n|---|---|\n")
	var own []profileEntry
	for _, e := range entries {
		if strings.Contains(e.name, "terraform-provider-gitlabdeploy/internal/provider") ||
			strings.Contains(e.name, "internal/fwserver.") || strings.Contains(e.name, "internal/fwschemadata.") ||
			strings.Contains(e.name, "internal/fromproto6.") || strings.Contains(e.name, "internal/toproto6.") {
			own = append(own, e)
		}
	}
	slices.SortFunc(own, func(a, b profileEntry) int { return compareDesc(a.cum, b.cum, a.name, b.name) })
	for _, e := range own[:min(15, len(own))] {
		fmt.Fprintf(&b, "| `%s` | %.2f s |\n", e.name, e.cum)
	}
	return b.String()
}

func compareDesc(x, y float64, a, b string) int {
	switch {
	case x > y:
		return -1
	case x < y:
		return 1
	}
	return strings.Compare(a, b)
}
