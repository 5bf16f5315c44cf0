package main

import (
	"fmt"
	"strings"
	"time"
)

// envOptimisation is a setting the provider makes at start-up that an environment variable
// turns off, so that make bench can measure the provider with and without it.
type envOptimisation struct {
	what string
	off  []string // environment without the optimisation
	// listing: it also matters to the large listing, measured beside the plan.
	listing bool
}

var envOptimisations = []envOptimisation{
	{
		what: "Garbage collector tuned by `TuneGC`: `GOGC` 1000 under a 160 MiB soft memory limit while the live " +
			"heap is under half of it (DESIGN.md §B10); without: Go's defaults, as with `GOGC=100`",
		off:     []string{"GOGC=100", "GOMEMLIMIT=off"},
		listing: true,
	},
	{
		what: "No SDK logs built when no `TF_LOG*` variable asks for logs: the SDK's levels `OFF` (`QuietSDKLogs`); " +
			"without: the SDK's default, TRACE, all formatted and then dropped by Terraform",
		off: []string{"TF_LOG_SDK=TRACE", "TF_LOG_SDK_PROTO=TRACE", "TF_LOG_SDK_FRAMEWORK=TRACE"},
	},
}

// optimisationRow is one line of the optimisations table.
type optimisationRow struct {
	what, figure, with, without, win string
}

// optimisations measures every optimisation the provider keeps with and without it: the
// start-up settings on a plan of N deployments with refresh (and the large listing where it
// matters), the code paths with the provider's Go benchmarks.
func (b *bench) optimisations() error {
	var rows []optimisationRow
	if len(b.provider) > 0 {
		rows = append(rows, b.codeOptimisations()...)
	}

	n := b.cfg.resources
	f, err := startFake(b.ctx, baseSeed(), 0)
	if err != nil {
		return err
	}
	defer f.close()
	ws, err := b.tf.workspace("optimisations")
	if err != nil {
		return err
	}
	if err := ws.write(deploymentsHCL(f.url(), n, "delete")); err != nil {
		return err
	}
	if _, err := ws.apply(); err != nil {
		return err
	}
	for _, o := range envOptimisations {
		var with, without series
		if err := alternate(b.cfg.runs, f, &without, &with, func() (result, error) { return ws.withEnv(o.off...).plan() },
			func() (result, error) { return ws.plan() }); err != nil {
			return err
		}
		figure := fmt.Sprintf("`terraform plan`, %d deployments in the state, refresh", n)
		rows = append(rows,
			optimisationRow{o.what, figure + ": wall time", with.wallCell(), without.wallCell(), saving(with.wall(), without.wall(), n)},
			optimisationRow{"", figure + ": provider CPU", with.cpuCell(), without.cpuCell(), saving(with.cpu(), without.cpu(), n)},
			optimisationRow{"", figure + ": provider peak RSS", with.rssCell(), without.rssCell(),
				fmt.Sprintf("%+.0f MiB", float64(with.maxRSS()-without.maxRSS())/1024)},
		)
	}

	if listing := b.listingOptimisations(); listing != nil {
		rows = append(rows, listing...)
	}
	b.rep.section("Optimisations kept, each measured with and without", optimisationsTable(rows))
	return nil
}

// listingOptimisations measures the start-up settings that matter to the large listing on it.
func (b *bench) listingOptimisations() []optimisationRow {
	large := b.cfg.listLarge
	f, err := startFake(b.ctx, historySeed(large), b.cfg.latency)
	if err != nil {
		b.rep.fail("optimisations", err)
		return nil
	}
	defer f.close()
	ws, err := b.tf.workspace("optimisations-listing")
	if err == nil {
		err = ws.write(listingHCL(f.url(), 0))
	}
	if err != nil {
		b.rep.fail("optimisations", err)
		return nil
	}
	var rows []optimisationRow
	for _, o := range envOptimisations {
		if !o.listing {
			continue
		}
		var with, without series
		for range b.cfg.runs {
			for _, run := range []struct {
				s  *series
				ws *workspace
			}{{&without, ws.withEnv(o.off...)}, {&with, ws}} {
				s, err := listPlan(f, run.ws, 1, large)
				if err != nil {
					b.rep.fail("optimisations", err)
					return nil
				}
				run.s.results = append(run.s.results, s.results...)
				run.s.requests = append(run.s.requests, s.requests...)
				if run.s.loadBefore == "" {
					run.s.loadBefore = s.loadBefore
				}
				run.s.loadAfter = s.loadAfter
			}
		}
		figure := fmt.Sprintf("Data source: list %d deployments, %s latency", large, b.cfg.latency)
		rows = append(rows,
			optimisationRow{o.what, figure + ": wall time", with.wallCell(), without.wallCell(), saving(with.wall(), without.wall(), 0)},
			optimisationRow{"", figure + ": provider CPU", with.cpuCell(), without.cpuCell(), saving(with.cpu(), without.cpu(), 0)},
			optimisationRow{"", figure + ": provider peak RSS", with.rssCell(), without.rssCell(),
				fmt.Sprintf("%+.0f MiB", float64(with.maxRSS()-without.maxRSS())/1024)},
		)
	}
	return rows
}

// codeOptimisations are the code paths measured by pairs of the provider's Go benchmarks.
func (b *bench) codeOptimisations() []optimisationRow {
	var rows []optimisationRow
	pairs := []struct {
		what, figure, with, without string
		format                      func(time.Duration) string
	}{
		{
			what: "The data source's state built directly as Terraform values, sharing one type " +
				"(`deploymentListItemTypes`); without: the framework's types and `State.Set` of the model",
			figure: "Data source: read 10,000 deployments in process (Go benchmark)",
			with:   "BenchmarkDeploymentsDataSource_read10k", without: "BenchmarkDeploymentsDataSource_read10kThroughModel",
			format: seconds,
		},
		{
			what: "Read sets no state when GitLab changed nothing (`sameValues`); without: `State.Set` of the " +
				"refreshed model on every refresh",
			figure: "End of one unchanged deployment's Read, in process (Go benchmark)",
			with:   "BenchmarkDeploymentResource_unchangedRead/sameValues", without: "BenchmarkDeploymentResource_unchangedRead/State.Set",
			format: shortDuration,
		},
		{
			what: "ModifyPlan returns at once when the plan equals the state; without: the models of both " +
				"converted, planned and the plan set again",
			figure: "ModifyPlan of one unchanged deployment, in process (Go benchmark)",
			with:   "BenchmarkDeploymentResource_unchangedPlan/ModifyPlan", without: "BenchmarkDeploymentResource_unchangedPlan/planChange",
			format: shortDuration,
		},
	}
	for _, p := range pairs {
		withNS, ok1 := b.provider.median(p.with, "ns/op")
		withoutNS, ok2 := b.provider.median(p.without, "ns/op")
		if !ok1 || !ok2 {
			continue
		}
		withB, _ := b.provider.median(p.with, "B/op")
		withoutB, _ := b.provider.median(p.without, "B/op")
		rows = append(rows,
			optimisationRow{p.what, p.figure + ": time", b.provider.spreadCell(p.with, p.format),
				b.provider.spreadCell(p.without, p.format), saving(time.Duration(withNS), time.Duration(withoutNS), 0)},
			optimisationRow{"", p.figure + ": allocated", allocated(withB), allocated(withoutB),
				fmt.Sprintf("%.0f%% less", 100*(1-withB/withoutB))},
		)
		if peakWith, ok := b.provider.median(p.with, "peak-heap-MiB"); ok {
			peakWithout, _ := b.provider.median(p.without, "peak-heap-MiB")
			rows = append(rows, optimisationRow{"", p.figure + ": heap growth", fmt.Sprintf("%.0f MiB", peakWith),
				fmt.Sprintf("%.0f MiB", peakWithout), fmt.Sprintf("%+.0f MiB", peakWith-peakWithout)})
		}
	}
	return rows
}

// saving renders what the optimisation saves of a median: in percent, and per resource when
// n is not 0.
func saving(with, without time.Duration, n int) string {
	if without <= 0 {
		return ""
	}
	change := 100 * (1 - float64(with)/float64(without))
	s := fmt.Sprintf("%.0f%% less", change)
	if change < 0 {
		s = fmt.Sprintf("%.0f%% more", -change)
	}
	if n > 0 {
		s += fmt.Sprintf(" (%+.2f ms per resource)", float64(with-without)/float64(n)/float64(time.Millisecond))
	}
	return s
}

func allocated(bytes float64) string {
	if bytes >= 1<<20 {
		return fmt.Sprintf("%.0f MiB", bytes/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", bytes/(1<<10))
}

func optimisationsTable(rows []optimisationRow) string {
	var b strings.Builder
	b.WriteString("Every optimisation the provider keeps, with the figure it wins (medians; the spread as in Results). " +
		"Start-up settings are turned off through the environment of the same provider binary, in runs alternating " +
		"with the normal ones; code paths are compared by pairs of Go benchmarks.\n\n")
	b.WriteString("| Optimisation | Figure | With | Without | Win |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		cells := []string{r.what, r.figure, r.with, r.without, r.win}
		for i, c := range cells {
			if c == "" && i > 0 {
				cells[i] = "—"
			}
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}
