package provider

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

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

// providerConfigWith renders a provider block with the given body and one staging deployment.
func providerConfigWith(providerBody string) string {
	return fmt.Sprintf(`
provider "gitlabdeploy" {
%[1]s
}

resource "gitlabdeploy_deployment" "test" {
  project     = "acme/app"
  environment = "staging"
  ref         = "release/1.x"
  sha         = %[2]q
  status      = "success"
}
`, providerBody, shaRelease)
}

// stagingRelease is the deployment of providerConfigWith, for the in-process harness.
func stagingRelease() resourceArgs {
	return resourceArgs{"project": "acme/app", "environment": "staging", "ref": "release/1.x", "sha": shaRelease, "status": "success"}
}

// deployedByUser checks the state's user, as deployedBy does in Terraform's state.
func deployedByUser(username string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"user": knownvalue.ObjectPartial(map[string]knownvalue.Check{"username": knownvalue.StringExact(username)})}
}

func TestProvider_configFromEnvironment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	h.providerBlock(map[string]string{
		envBaseURL: fake.URL() + "/api/v4/", envToken: tokenMaintainer, envMaxRetries: "2", envInsecure: "false",
	}, resourceArgs{})
	// runProtoSteps plans again after the apply: the plan must be empty.
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment"), []protoStep{{args: stagingRelease(), state: deployedByUser("mae")}}, nil)
}

// Inside a CI job with no token configured, the provider uses the job token against the job's
// GitLab; an access token, from the block or the environment, wins.
func TestProvider_jobToken(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	ciJob := map[string]string{envJobToken: jobTokenApp, envCIAPIURL: fake.URL() + "/api/v4"}
	withToken := map[string]string{
		envJobToken: jobTokenApp, envCIAPIURL: fake.URL() + "/api/v4", envToken: tokenDeveloper, envBaseURL: fake.URL(),
	}
	tools := stagingRelease()
	tools["project"] = "acme/tools"
	onMain := stagingRelease()
	onMain["ref"] = "main"
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment"), []protoStep{
		{preConfig: func() { h.providerBlock(ciJob, resourceArgs{}) }, args: stagingRelease(), state: deployedByUser("mae")},
		{
			preConfig: func() { h.providerBlock(nil, resourceArgs{"base_url": fake.URL(), "job_token": jobTokenApp}) },
			args:      stagingRelease(), action: "no-op",
		},
		// The job token may not reach another project.
		{
			preConfig: func() { h.providerBlock(ciJob, resourceArgs{}) }, args: tools,
			expectError: errorMatching(`Unable to Create Deployment`, `job token`),
		},
		{preConfig: func() { h.providerBlock(withToken, resourceArgs{}) }, args: onMain, state: deployedByUser("dev")},
	}, nil)
}

func TestProvider_blockWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	h.providerBlock(map[string]string{
		envBaseURL: "http://127.0.0.1:1", envToken: "wrong-token", envMaxRetries: "many", envInsecure: "maybe",
	}, resourceArgs{"base_url": fake.URL(), "token": tokenMaintainer, "max_retries": 1, "insecure": false})
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment"), []protoStep{{args: stagingRelease(), state: deployedByUser("mae")}}, nil)
}

func TestProvider_invalidSettings(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	url := resourceArgs{"base_url": fake.URL()}
	with := func(extra resourceArgs) resourceArgs {
		out := resourceArgs{}
		for _, m := range []resourceArgs{url, extra} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	block := func(extra resourceArgs) resourceArgs {
		return with(resourceArgs{"token": tokenMaintainer, "max_retries": extra["max_retries"], "cacert_file": extra["cacert_file"]})
	}
	for i, c := range []struct {
		env   map[string]string
		block resourceArgs
		want  *regexp.Regexp
	}{
		{nil, url, errorMatching("Missing GitLab Token", "GITLAB_TOKEN")},
		{nil, with(resourceArgs{"token": "a", "job_token": "b"}), errorMatching("Conflicting GitLab Credentials", "Set only one")},
		{nil, with(resourceArgs{"token": ""}), errorMatching("Empty GitLab Token")},
		{nil, resourceArgs{"base_url": "ftp://gitlab.example.com", "token": "t"}, errorMatching("Invalid GitLab Base URL", `"base_url" is invalid: the URL "ftp://gitlab.example.com" is not an http:// or https:// URL`)},
		{nil, resourceArgs{"base_url": "127.0.0.1:44219", "token": "t"}, errorMatching("Invalid GitLab Base URL",
			`"base_url" is invalid: the URL "127.0.0.1:44219" has no scheme: write it as "https://127.0.0.1:44219", or with http:// for a GitLab served without TLS.`)},
		{map[string]string{envBaseURL: "gitlab.example.com", envToken: "t"}, resourceArgs{}, errorMatching("Invalid GitLab Base URL",
			`The GITLAB_BASE_URL environment variable is invalid: the URL "gitlab.example.com" has no scheme: write it as "https://gitlab.example.com"`)},
		{map[string]string{envToken: "t", envMaxRetries: "many"}, url, errorMatching("Invalid GitLab Max Retries Setting", "GITLAB_MAX_RETRIES")},
		{map[string]string{envToken: "t", envInsecure: "maybe"}, url, errorMatching("Invalid GitLab Insecure Setting", "true or false")},
		{nil, block(resourceArgs{"max_retries": -1}), errorMatching(`max_retries`, `at least 0`)},
		{nil, block(resourceArgs{"cacert_file": "/no/such/ca.pem"}), errorMatching(`Unreadable CA Certificate File`, `/no/such/ca.pem`)},
		{nil, block(resourceArgs{"cacert_file": notPEM}), regexp.MustCompile(`(?s)Unable to Create GitLab Client.*holds\s+no\s+PEM`)},
		{nil, with(resourceArgs{"token": "not-a-token"}), errorMatching(`Unable to Create Deployment`, `did not accept the credentials`)},
	} {
		for k, v := range c.block {
			if v == nil {
				delete(c.block, k)
			}
		}
		h.providerBlock(c.env, c.block)
		// Terraform configures the provider before it plans any resource.
		res := h.configureProvider()
		if res.failed == "" {
			res = h.lifecycle("gitlabdeploy_deployment").apply(stagingRelease())
		}
		if res.failed == "" || !c.want.MatchString(res.errorText()) {
			t.Errorf("setting %d (%v, env %v): failed at %q, want an error matching %s:\n%s", i+1, c.block, c.env, res.failed, c.want, res.errorText())
		}
	}
}

// A token known only at apply (here from terraform_data, which needs Terraform 1.4) is refused
// with a reason rather than sent as an empty credential.
func TestAccProvider_unknownToken(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.skipUnlessSupports(cliFeatureTerraformData)
	cli.writeConfig(`
resource "terraform_data" "token" {
  input = "from-elsewhere"
}
` + providerConfigWith(fmt.Sprintf("  base_url = %q\n  token = terraform_data.token.output", fake.URL())))
	apply := cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color"}, 1)
	if want := errorMatching(`Unknown GitLab Provider Setting`, `"token" is not known until apply`); !want.MatchString(flat(apply.output())) {
		t.Errorf("terraform apply did not fail with %s:\n%s", want, apply.output())
	}
}

// GitLab behind a private CA: trusted through cacert_file, or not verified with insecure.
func TestProvider_tls(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	tlsServer := httptest.NewTLSServer(fake.Handler())
	t.Cleanup(tlsServer.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	block := func(extra resourceArgs) func() {
		return func() {
			args := resourceArgs{"base_url": tlsServer.URL, "token": tokenMaintainer}
			for k, v := range extra {
				args[k] = v
			}
			h.providerBlock(nil, args)
		}
	}
	runProtoSteps(t, h.lifecycle("gitlabdeploy_deployment"), []protoStep{
		{preConfig: block(nil), args: stagingRelease(), expectError: errorMatching(`Unable to Create Deployment`, `set "cacert_file"`)},
		{preConfig: block(resourceArgs{"cacert_file": caFile}), args: stagingRelease(), state: deployedByUser("mae")},
		{preConfig: block(resourceArgs{"insecure": true}), args: stagingRelease(), action: "no-op"},
	}, nil)
}

func TestProviderSchema_tokensAreSensitive(t *testing.T) {
	t.Parallel()
	var resp provider.SchemaResponse
	newWithOptions("test", providerOptions{})().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	for _, name := range []string{"token", "job_token"} {
		if !resp.Schema.Attributes[name].IsSensitive() {
			t.Errorf("%s is not Sensitive", name)
		}
	}
}

// GitLab's refusals reach diagnostics without the credential that was sent.
func TestGitLabErrorDetail_neverHoldsTheToken(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	const secret = "glpat-very-secret-value"
	for _, cfg := range []gitlabapi.Config{
		{BaseURL: fake.URL(), Token: secret},
		{BaseURL: fake.URL(), JobToken: secret},
	} {
		client, err := gitlabapi.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.GetDeployment(context.Background(), "acme/app", 1)
		if err == nil {
			t.Fatal("an unknown token was accepted")
		}
		detail := gitlabErrorDetail(deploymentSubject("acme/app", 1), err)
		if strings.Contains(detail, secret) || !strings.Contains(detail, "did not accept the credentials") {
			t.Errorf("detail = %q; want the credentials advice and no token", detail)
		}
	}
}
