// Command fakegitlab serves a fake GitLab REST API for trying and testing the provider; see
// package fakegitlab for its flags and seed document.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(fakegitlab.RunCommand(os.Args[1:], os.Stdout, os.Stderr, stop))
}
