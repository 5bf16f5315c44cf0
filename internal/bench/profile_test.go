package main

import (
	"strings"
	"testing"
)

func TestParsePprofTop(t *testing.T) {
	t.Parallel()
	out := `File: terraform-provider-gitlabdeploy
Type: cpu
Duration: 16.18s, Total samples = 5.04s (31.15%)
Showing nodes accounting for 5.04s, 100% of 5.04s total
      flat  flat%   sum%        cum   cum%
     0.28s  5.56%  5.56%      0.57s 11.31%  runtime.tryDeferToSpanScan
         0     0%  5.56%      2.06s 40.87%  github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).PlanResourceChange
     0.10s  1.98%  7.54%      0.20s  3.97%  github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/provider.(*deploymentResource).Read
`
	entries, total, err := parsePprofTop(out)
	if err != nil {
		t.Fatal(err)
	}
	if total != 5.04 || len(entries) != 3 {
		t.Fatalf("total %v with %d entries, want 5.04 with 3", total, len(entries))
	}
	if e := entries[1]; e.flat != 0 || e.cum != 2.06 || !strings.HasSuffix(e.name, "tf6server.(*server).PlanResourceChange") {
		t.Errorf("entry 1 = %+v", e)
	}
	summary := profileSummary(entries, total, 500)
	for _, want := range []string{"| PlanResourceChange | 2.06 s | 41% |", "this provider's own code", "10.08 ms per resource"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

func TestPackageOf(t *testing.T) {
	t.Parallel()
	for fn, want := range map[string]string{
		"runtime.mallocgc": "runtime",
		"github.com/hashicorp/terraform-plugin-framework/internal/fwserver.(*Server).PlanResourceChange.func1": "github.com/hashicorp/terraform-plugin-framework/internal/fwserver",
		"encoding/json.(*decodeState).object": "encoding/json",
		"aeshashbody":                         "runtime",
	} {
		if got := packageOf(fn); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", fn, got, want)
		}
	}
}

func TestParsePprofTopWithoutSamples(t *testing.T) {
	t.Parallel()
	if _, _, err := parsePprofTop("File: x\nType: cpu\n"); err == nil {
		t.Error("an output without samples parsed")
	}
}
