package provider

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// BenchmarkDeploymentsDataSource_read10k is gitlabdeploy_deployments reading 10,000
// deployments in process, from the API answer to the protocol's msgpack value: B/op is what the
// listing costs in allocations, and peak-heap-MiB the largest heap growth seen while it ran (the
// heap before it ran, the fake's memory, not counted). make bench reports the provider process's RSS for the same
// listing through Terraform.
func BenchmarkDeploymentsDataSource_read10k(b *testing.B) {
	const n = 10000
	srv := fakegitlab.NewTestServer(b, manyDeploymentsSeed(n), fakegitlab.Options{})
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("bench")())()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	providerType := schemas.Provider.ValueType()
	configure, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: dynamic(b, providerType, objectWith(b, providerType, map[string]tftypes.Value{
			"base_url": tftypes.NewValue(tftypes.String, srv.URL()),
			"token":    tftypes.NewValue(tftypes.String, tokenMaintainer),
		})),
	})
	if err != nil {
		b.Fatal(err)
	}
	checkDiags(b, "ConfigureProvider", configure.Diagnostics)
	typ := schemas.DataSourceSchemas["gitlabdeploy_deployments"].ValueType()
	config := dynamic(b, typ, objectWith(b, typ, map[string]tftypes.Value{
		"project": tftypes.NewValue(tftypes.String, "acme/app"),
	}))

	peak := watchHeap(b)
	for b.Loop() {
		resp, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "gitlabdeploy_deployments", Config: config})
		if err != nil {
			b.Fatal(err)
		}
		checkDiags(b, "ReadDataSource", resp.Diagnostics)
		b.StopTimer()
		state, err := resp.State.Unmarshal(typ)
		if err != nil {
			b.Fatal(err)
		}
		var attrs map[string]tftypes.Value
		var list []tftypes.Value
		if err := state.As(&attrs); err != nil {
			b.Fatal(err)
		}
		if err := attrs["deployments"].As(&list); err != nil || len(list) != n {
			b.Fatalf("listed %d deployments (%v), want %d", len(list), err, n)
		}
		b.StartTimer()
	}
	b.ReportMetric(peak()/(1<<20), "peak-heap-MiB")
}

// watchHeap samples the heap every millisecond until the returned function is called, which
// reports the largest growth over the heap when it started.
func watchHeap(b *testing.B) func() float64 {
	b.Helper()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	start := sample[0].Value.Uint64()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				metrics.Read(sample)
				mu.Lock()
				peak = max(peak, sample[0].Value.Uint64())
				mu.Unlock()
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak) - float64(start)
	}
}
