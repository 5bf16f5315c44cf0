package main

import (
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	t.Parallel()
	out := `goos: linux
BenchmarkListDeployments/concurrent-2         	       1	 312000000 ns/op	       100.0 requests/op	 5000 B/op	      12 allocs/op
BenchmarkListDeployments/concurrent-2         	       1	 290000000 ns/op	       100.0 requests/op	 5000 B/op	      12 allocs/op
BenchmarkListDeployments/concurrent-2         	       1	 400000000 ns/op	       100.0 requests/op	 5000 B/op	      12 allocs/op
BenchmarkSchema-2   	     100	  1234567 ns/op
PASS
ok  	example	3.2s
`
	got := parseGoBench(out)
	if v, ok := got.median("BenchmarkListDeployments/concurrent", "ns/op"); !ok || v != 312000000 {
		t.Errorf("median ns/op = %v, %v; want 312000000, true", v, ok)
	}
	if v, ok := got.median("BenchmarkListDeployments/concurrent", "requests/op"); !ok || v != 100 {
		t.Errorf("median requests/op = %v, %v; want 100, true", v, ok)
	}
	if v, ok := got.median("BenchmarkSchema", "ns/op"); !ok || v != 1234567 {
		t.Errorf("BenchmarkSchema ns/op = %v, %v; want 1234567, true", v, ok)
	}
	if _, ok := got.median("BenchmarkMissing", "ns/op"); ok {
		t.Error("a benchmark that did not run has a median")
	}
}

func TestKeptBlocks(t *testing.T) {
	t.Parallel()
	previous := "# Benchmarks\n\n| a | b |\n\n<!-- BEGIN test-profile -->\n## Test suite\n\n- 90 s\n<!-- END test-profile -->\n" +
		"\n<!-- BEGIN unfinished -->\nlost\n"
	got := keptBlocks(previous)
	want := "<!-- BEGIN test-profile -->\n## Test suite\n\n- 90 s\n<!-- END test-profile -->"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("keptBlocks = %q, want [%q]", got, want)
	}
	r := &report{kept: got}
	if out := r.markdown(); !strings.HasSuffix(out, "\n"+want+"\n") {
		t.Errorf("the report does not end with the kept block:\n%s", out)
	}
}
