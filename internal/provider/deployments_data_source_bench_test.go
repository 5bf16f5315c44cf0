package provider

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// BenchmarkDeploymentsDataSource_read10k is gitlabdeploy_deployments reading 10,000
// deployments in process, from the API answer to the protocol's msgpack value: B/op is what the
// listing costs in allocations, and peak-heap-MiB the largest heap growth seen while it ran (the
// heap before it ran, the fake's memory, not counted). make bench reports the provider process's
// RSS for the same listing through Terraform.
func BenchmarkDeploymentsDataSource_read10k(b *testing.B) {
	benchmarkRead10k(b, New("bench")())
}

// BenchmarkDeploymentsDataSource_read10kThroughModel is the same listing with the state written
// the framework's usual way, through the data source's model and State.Set: what building the
// state directly saves (make bench reports both).
func BenchmarkDeploymentsDataSource_read10kThroughModel(b *testing.B) {
	p, ok := New("bench")().(*gitlabDeployProvider)
	if !ok {
		b.Fatal("New does not return a *gitlabDeployProvider")
	}
	benchmarkRead10k(b, providerListingThroughModel{p})
}

func benchmarkRead10k(b *testing.B, p provider.Provider) {
	const n = 10000
	srv := fakegitlab.NewTestServer(b, manyDeploymentsSeed(n), fakegitlab.Options{})
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(p)()
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

// providerListingThroughModel is the provider with deploymentsThroughModel as its
// gitlabdeploy_deployments.
type providerListingThroughModel struct{ *gitlabDeployProvider }

func (providerListingThroughModel) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &deploymentsThroughModel{} }}
}

// deploymentsThroughModel is gitlabdeploy_deployments converting each listed deployment with the
// framework's types and setting its state through the model.
type deploymentsThroughModel struct{ deploymentsDataSource }

func (d *deploymentsThroughModel) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config deploymentsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	opts, diags := config.listOptions(int(config.MaxResults.ValueInt64()))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	list, err := d.client.ListDeployments(ctx, config.Project.ValueString(), opts)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Deployments", err.Error())
		return
	}
	elems := make([]attr.Value, len(list))
	for i := range list {
		dep := &list[i]
		elems[i] = types.ObjectValueMust(deploymentListItemType.AttrTypes, map[string]attr.Value{
			"deployment_id": types.Int64Value(dep.ID),
			"iid":           types.Int64Value(dep.IID),
			"ref":           types.StringValue(dep.Ref),
			"sha":           types.StringValue(dep.SHA),
			"status":        types.StringValue(dep.Status),
			"environment":   types.StringValue(dep.Environment.Name),
			"created_at":    timeValue(dep.CreatedAt),
			"updated_at":    timeValue(dep.UpdatedAt),
			"user":          userValue(dep.User),
			"deployable":    jobValue(dep.Deployable),
			// Null without the includes.
			"pending_approval_count": types.Int64Null(),
			"approvals":              types.ListNull(types.ObjectType{AttrTypes: approvalAttrTypes}),
			"approval_summary":       types.ObjectNull(approvalSummaryAttrTypes),
			"merge_requests":         types.ListNull(mergeRequestType),
		})
	}
	config.Deployments = types.ListValueMust(deploymentListItemType, elems)
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}
