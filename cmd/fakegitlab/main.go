// Command fakegitlab serves a fake GitLab REST API (deployments, approvals, environments, protected
// environments) for testing Terraform configurations that use the gitlabdeploy provider, offline.
// Install the version that matches the provider:
//
//	go install github.com/gitlabdeploy/terraform-provider-gitlabdeploy/cmd/fakegitlab@vX.Y.Z
//
// Flags, the seed document and the endpoints for tests are described in the provider's README.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// version is set by the release build; go install takes it from the module version instead.
var version string

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Printf("fakegitlab %s (seed format version %d)\n", buildVersion(), fakegitlab.SeedVersion)
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(fakegitlab.RunCommand(os.Args[1:], os.Stdout, os.Stderr, stop))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
