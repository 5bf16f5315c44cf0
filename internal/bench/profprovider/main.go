// Command profprovider is the provider with a CPU profile: the benchmark puts it in the
// dev_overrides directory for one plan, and each provider process Terraform starts writes
// BENCH_CPUPROFILE_DIR/cpu-<pid>.pprof, and its allocations to allocs-<pid>.pprof, when Terraform
// stops it.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/provider"
)

func main() {
	dir := os.Getenv("BENCH_CPUPROFILE_DIR")
	if dir == "" {
		log.Fatal("profprovider: BENCH_CPUPROFILE_DIR is not set")
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	// As main.go does.
	provider.QuietSDKLogs()
	provider.TuneGC()
	// Serve returns when Terraform shuts the provider down over gRPC.
	err = providerserver.Serve(context.Background(), provider.New("bench"), providerserver.ServeOpts{
		Address:         "registry.terraform.io/gitlabdeploy/gitlabdeploy",
		ProtocolVersion: 6,
	})
	pprof.StopCPUProfile()
	if cerr := f.Close(); cerr != nil {
		log.Print(cerr)
	}
	if perr := writeAllocs(filepath.Join(dir, fmt.Sprintf("allocs-%d.pprof", os.Getpid()))); perr != nil {
		log.Print(perr)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
