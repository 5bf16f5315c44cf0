package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// goBenchmarks holds, per benchmark name (without the -GOMAXPROCS suffix), the values of each
// unit over the runs of `go test -bench -count N`.
type goBenchmarks map[string]map[string][]float64

// runGoBenchmarks runs the Go benchmarks matching pattern in pkg, count times each.
func runGoBenchmarks(ctx context.Context, root, pkg, pattern string, count int, benchtime string) (goBenchmarks, string, error) {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-count", strconv.Itoa(count), "-benchtime", benchtime, "-timeout", "20m", pkg}
	c := exec.CommandContext(ctx, "go", args...)
	c.Dir = root
	c.Env = cleanEnv()
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return nil, out.String(), fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(out.String(), 40))
	}
	return parseGoBench(out.String()), out.String(), nil
}

// parseGoBench reads the result lines of `go test -bench`: a name, the iteration count, then
// value-unit pairs.
func parseGoBench(out string) goBenchmarks {
	results := goBenchmarks{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || len(fields)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}
		name := fields[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		if results[name] == nil {
			results[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			results[name][fields[i+1]] = append(results[name][fields[i+1]], v)
		}
	}
	return results
}

// median returns the median of a benchmark's unit and whether it was measured.
func (g goBenchmarks) median(name, unit string) (float64, bool) {
	values := g[name][unit]
	if len(values) == 0 {
		return 0, false
	}
	return median(values), true
}

// spreadCell renders a benchmark's ns/op as "median (min – max, N runs)".
func (g goBenchmarks) spreadCell(name string, format func(time.Duration) string) string {
	values := g[name]["ns/op"]
	durations := make([]time.Duration, len(values))
	for i, v := range values {
		durations[i] = time.Duration(v)
	}
	return spreadCell(durations, format)
}
