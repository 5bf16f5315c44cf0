package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Tokens, users and commits of testdata/basic.json. Project acme/app (id 1) has an unprotected
// staging and a protected production (deploy access: Maintainers; approval rules: one Maintainer
// and user dev). Its seeded deployments:
//
//	1 production v1.0.0 (tag) success, API, by mae: currently deployed to production
//	2 staging    main          success, API, by dev: currently deployed to staging
//	3 staging    main (0123…)  failed,  API, by dev
//	4 staging    main          running, CI job deploy-staging, by mae
//	5 production main          blocked, CI job deploy-production, by mae
//
// Project acme/tools (id 2) has only mae as a member; the job token belongs to acme/app (as mae).
const (
	tokenRoot       = "root-token" // administrator
	tokenMaintainer = "mae-token"  // mae, Maintainer of acme/app
	tokenDeveloper  = "dev-token"  // dev, Developer of acme/app
	tokenReporter   = "rita-token" // rita, Reporter of acme/app
	tokenOutsider   = "olga-token" // olga, member of no project
	jobTokenApp     = "app-job-token"

	shaMain    = "a91957a858320c0e17f3a0eca7cfacbff50ea29a" // branch main
	shaRelease = "e83c5163316f89bfbde7d9ab23ca2e25604af290" // branch release/1.x
	shaV1      = "99d03678b90d914dbb1b109132516d71a4a03ea8" // tag v1.0.0
	shaOld     = "0123456789abcdef0123456789abcdef01234567" // a commit on no branch
)

// testProviderOptions make tests fast: no real backoff, quick approval polling, and an empty
// environment so that a developer's own GITLAB_TOKEN never leaks into a test.
func testProviderOptions(env map[string]string) providerOptions {
	return providerOptions{
		getenv:               func(key string) string { return env[key] },
		retryWaitMin:         time.Millisecond,
		retryWaitMax:         5 * time.Millisecond,
		approvalPollInterval: 20 * time.Millisecond,
	}
}

// testAccProtoV6ProviderFactories serve the provider in-process, with testProviderOptions and
// no environment variables.
var testAccProtoV6ProviderFactories = testAccProviderFactoriesWithEnv(nil)

// testAccProviderFactoriesWithEnv is for tests of configuration from the environment: env
// stands in for the process environment, so such tests still run in parallel.
func testAccProviderFactoriesWithEnv(env map[string]string) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"gitlabdeploy": providerserver.NewProtocol6WithError(newWithOptions("test", testProviderOptions(env))()),
	}
}

// startFake starts a fake GitLab for one test, seeded from testdata/<seedFile>, and stops it
// when the test ends.
func startFake(t *testing.T, seedFile string) *fakegitlab.Server {
	t.Helper()
	return fakegitlab.NewTestServer(t, loadSeed(t, seedFile), fakegitlab.Options{})
}

// loadSeed parses testdata/<seedFile>.
func loadSeed(t *testing.T, seedFile string) *fakegitlab.Seed {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", seedFile))
	if err != nil {
		t.Fatalf("reading seed: %v", err)
	}
	seed, err := fakegitlab.ParseSeed(data)
	if err != nil {
		t.Fatalf("parsing seed %s: %v", seedFile, err)
	}
	return seed
}

// providerBlock configures the provider for the fake at url with an access token.
func providerBlock(url, token string) string {
	return fmt.Sprintf(`
provider "gitlabdeploy" {
  base_url = %[1]q
  token    = %[2]q
}
`, url, token)
}

// testClient talks to the fake as the administrator, to change GitLab behind Terraform's back
// and to check what GitLab holds.
func testClient(t *testing.T, fake *fakegitlab.Server) *gitlabapi.Client {
	t.Helper()
	client, err := gitlabapi.New(gitlabapi.Config{BaseURL: fake.URL(), Token: tokenRoot, RetryWaitMin: time.Millisecond})
	if err != nil {
		t.Fatalf("client for the fake: %v", err)
	}
	return client
}
