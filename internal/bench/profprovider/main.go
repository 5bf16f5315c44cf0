// Command profprovider is the provider with a CPU profile: the benchmark puts it in the
// dev_overrides directory for one plan, and each provider process Terraform starts writes
// BENCH_CPUPROFILE_DIR/cpu-<pid>.pprof when Terraform stops it.
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
	// Serve returns when Terraform shuts the provider down over gRPC.
	err = providerserver.Serve(context.Background(), provider.New("bench"), providerserver.ServeOpts{
		Address:         "registry.terraform.io/gitlabdeploy/gitlabdeploy",
		ProtocolVersion: 6,
	})
	pprof.StopCPUProfile()
	if cerr := f.Close(); cerr != nil {
		log.Print(cerr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
