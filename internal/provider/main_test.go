package provider

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Tests that need what terraform-plugin-testing cannot give (-parallelism=20, Terraform's own
// TF_LOG output, the JSON diagnostics of a whole configuration) run the Terraform CLI themselves
// through terraformCLI (cli_harness_test.go). Terraform starts this very test binary as the
// provider plugin, through dev_overrides; TestMain sees cliPluginEnv and serves the provider
// instead of running tests.
const cliPluginEnv = "GITLABDEPLOY_TEST_PLUGIN_RETRY_WAITS"

func TestMain(m *testing.M) {
	if waits, ok := os.LookupEnv(cliPluginEnv); ok {
		if err := servePlugin(waits); err != nil {
			fmt.Fprintln(os.Stderr, "serving the provider:", err)
			os.Exit(1)
		}
		return
	}
	quietRaceExit()
	lessGC()
	moreParallel()
	os.Exit(m.Run())
}

// moreParallel runs at least 4 tests at once unless -parallel is given: many tests wait on a CLI,
// an approval gate or a Retry-After, and with the default of GOMAXPROCS (2 on the 2-core machine)
// the waits held both slots (go test -race ./internal/provider: 95 s -> 88 s at load 3-4).
func moreParallel() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(max(4, runtime.GOMAXPROCS(0))))
	}
}

// lessGC lets the test process's heap grow to five times its live data before collecting, unless
// the developer set GOGC: the in-process tests allocate at a high rate, and with Go's default the
// collector took about a tenth of their CPU under -race (TestLifecycleMatrix: 9.1 s -> 7.9 s of
// CPU, 150 -> 250 MB).
func lessGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// quietRaceExit keeps the race detector of the provider processes the CLI starts (this test
// binary, built with -race) from sleeping its default second at exit: Terraform starts several
// per command and waits for each, which made the CLI tests wait more than they worked. A
// developer's own atexit_sleep_ms in GORACE is kept.
func quietRaceExit() {
	if options := os.Getenv("GORACE"); !strings.Contains(options, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(options+" atexit_sleep_ms=0"))
	}
}

// servePlugin serves the provider to Terraform, with the client's backoff bounded by waits
// ("<min>,<max>", Go durations) and configuration from the real environment.
func servePlugin(waits string) error {
	lo, hi, ok := strings.Cut(waits, ",")
	if !ok {
		return fmt.Errorf("%s=%q: want <min>,<max>", cliPluginEnv, waits)
	}
	waitMin, err := time.ParseDuration(lo)
	if err != nil {
		return err
	}
	waitMax, err := time.ParseDuration(hi)
	if err != nil {
		return err
	}
	// As main does: the SDK's TRACE lines, which Terraform drops, are not formatted, and the
	// collector is tuned as for users (DESIGN.md §B10).
	QuietSDKLogs()
	TuneGC()
	newProvider := newWithOptions("test", providerOptions{
		retryWaitMin:         waitMin,
		retryWaitMax:         waitMax,
		approvalPollInterval: 20 * time.Millisecond,
	})
	if path := os.Getenv(recordCallsEnv); path != "" {
		return tf6server.Serve(cliProviderAddress(), func() tfprotov6.ProviderServer {
			recorder := newCallRecorder(providerserver.NewProtocol6(newProvider())())
			recorder.onCall = appendCallTo(path)
			return recorder
		})
	}
	return providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{Address: cliProviderAddress(), ProtocolVersion: 6})
}

// cliProviderAddress is the provider's address for the CLI under test: OpenTofu's registry when
// TF_ACC_PROVIDER_HOST says so (see GNUmakefile), else Terraform's.
func cliProviderAddress() string {
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = "registry.terraform.io"
	}
	return host + "/gitlabdeploy/gitlabdeploy"
}
