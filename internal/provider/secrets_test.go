package provider

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// secretRun is one terraform apply of TestAccSecrets_neverInLogsOutputOrState.
type secretRun struct {
	name     string
	config   string   // after the required_providers block
	env      []string // besides TF_LOG and TF_LOG_PATH
	wantFail string   // part of the error an apply that must fail prints, flattened; no faults then
	logLevel string   // TF_LOG; default trace
	unsent   bool     // the configuration is refused before any request
}

// Neither the access token nor the CI job token reaches a log, Terraform's output or the state,
// while the log holds a DEBUG line for every GitLab request and a WARN line for every retry decision. Each run is a
// terraform apply with TF_LOG=trace (one with TF_LOG=debug), the provider running as its own plugin
// process as in a pipeline, so that the log holds Terraform's and the provider's lines at every
// level. The runs take the credentials from the provider block (literally and from a sensitive
// variable) and from the environment, with an access token and with a job token, and include
// refused credentials and a base_url that holds the token. In the runs that succeed, the first
// answer to every request path is a 503, so that the provider logs its retries too.
func TestAccSecrets_neverInLogsOutputOrState(t *testing.T) {
	t.Parallel()
	token, jobToken, wrongToken := "glpat-"+rand.Text(), "glcbt-"+rand.Text(), "glpat-"+rand.Text()
	seed := loadSeed(t, "basic.json")
	seed.Users = append(seed.Users, fakegitlab.SeedUser{ID: 50, Username: "keeper", Name: "Secret Keeper", Tokens: []string{token}})
	seed.JobTokens = append(seed.JobTokens, fakegitlab.SeedJobToken{Token: jobToken, Project: "acme/app", User: "mae"})
	for i := range seed.Projects {
		if seed.Projects[i].PathWithNamespace == "acme/app" {
			seed.Projects[i].Members = append(seed.Projects[i].Members, fakegitlab.SeedMember{Username: "keeper", AccessLevel: 40})
		}
	}
	var faults firstAnswerFails
	fake := fakegitlab.NewTestServer(t, seed, fakegitlab.Options{Fault: faults.fault})

	deployment := func(project, ref, sha string) string {
		return fmt.Sprintf(`
resource "gitlabdeploy_deployment" "test" {
  project     = %[1]q
  environment = "secrets"
  ref         = %[2]q
  sha         = %[3]q
  status      = "success"
}
`, project, ref, sha)
	}
	app := deployment("acme/app", "main", shaMain)
	variable := `
variable "credential" {
  type      = string
  sensitive = true
}
`
	hostPort := strings.TrimPrefix(fake.URL(), "http://")
	runs := []secretRun{
		{
			name:   "token from the environment",
			config: app,
			env:    []string{"GITLAB_BASE_URL=" + fake.URL(), "GITLAB_TOKEN=" + token},
		},
		{
			name:     "token from the environment, TF_LOG=debug",
			config:   app,
			env:      []string{"GITLAB_BASE_URL=" + fake.URL(), "GITLAB_TOKEN=" + token},
			logLevel: "debug",
		},
		{
			name:   "token written in the provider block",
			config: providerBlock(fake.URL(), token) + app,
		},
		{
			name: "token from a sensitive variable",
			config: variable + fmt.Sprintf(`
provider "gitlabdeploy" {
  base_url = %q
  token    = var.credential
}
`, fake.URL()) + app,
			env: []string{"TF_VAR_credential=" + token},
		},
		{
			name:   "job token from the CI job's environment",
			config: app,
			env:    []string{"CI_API_V4_URL=" + fake.URL() + "/api/v4", "CI_JOB_TOKEN=" + jobToken},
		},
		{
			name:     "unknown token",
			config:   app,
			env:      []string{"GITLAB_BASE_URL=" + fake.URL(), "GITLAB_TOKEN=" + wrongToken},
			wantFail: "GitLab did not accept the credentials",
		},
		{
			name:     "job token outside its project",
			config:   deployment("acme/tools", "main", shaMain),
			env:      []string{"CI_API_V4_URL=" + fake.URL() + "/api/v4", "CI_JOB_TOKEN=" + jobToken},
			wantFail: "Authentication by CI/CD job token not allowed from acme/app to acme/tools",
		},
		{
			// From a variable: Terraform quotes the configuration's source around an error.
			name: "token in the base URL",
			config: variable + fmt.Sprintf(`
provider "gitlabdeploy" {
  base_url = var.credential
  token    = %q
}
`, token) + app,
			env:      []string{"TF_VAR_credential=http://oauth2:" + token + "@" + hostPort},
			wantFail: `"base_url" is invalid: the URL holds a user name or password (user:password@ before the host): remove them, and give the credential as a token instead.`,
			unsent:   true,
		},
	}
	secrets := map[string]string{"access token": token, "job token": jobToken, "refused token": wrongToken}
	for _, run := range runs {
		faults.reset(run.wantFail == "")
		cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
		cli.writeConfig(run.config)
		logFile := filepath.Join(t.TempDir(), "terraform.log")
		level := run.logLevel
		if level == "" {
			level = "trace"
		}
		env := append([]string{"TF_LOG=" + level, "TF_LOG_PATH=" + logFile}, run.env...)
		want := 0
		if run.wantFail != "" {
			want = 1
		}
		res := cli.mustRun(env, []string{"apply", "-auto-approve", "-no-color", "-input=false"}, want)
		if run.wantFail != "" && !strings.Contains(flat(res.output()), run.wantFail) {
			t.Errorf("%s: the apply's error does not say %q:\n%s", run.name, run.wantFail, res.output())
		}
		log := readFile(t, logFile)
		// Without these, the scan would pass on a log that holds nothing of the provider.
		if level == "trace" && !strings.Contains(log, "provider.terraform-provider-gitlabdeploy: Received request: ") {
			t.Errorf("%s: the log holds no provider line: its capture is broken", run.name)
		}
		if !run.unsent {
			checkRequestLog(t, run.name, log, run.wantFail == "")
		}
		scanned := map[string]string{"the log": log, "the output": res.output()}
		for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
			scanned[name] = readFile(t, filepath.Join(cli.dir, name))
		}
		for where, text := range scanned {
			for what, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("%s: the %s is in %s", run.name, what, where)
				}
			}
		}
	}
}

// checkRequestLog fails the test unless the log holds the provider's DEBUG line, in its own
// subsystem, of an answered HTTP request with every field the Debugging section of the provider
// page promises, and, when the fake failed first answers, a WARN line of a retry decision with its
// reason and wait. hclog writes the fields in no fixed order.
func checkRequestLog(t *testing.T, run, log string, retried bool) {
	t.Helper()
	const prefix = "[DEBUG] provider.terraform-provider-gitlabdeploy: "
	const module = " @module=gitlabdeploy.gitlab_api "
	if !hasLineWithAll(log, prefix+"GitLab request: ", module, " method=", ` path="/api/v4/projects/acme%2F`,
		" status=", " duration_ms=", " try=", " request_id=01FAKE") {
		t.Errorf("%s: the log holds no DEBUG line of a GitLab request with method, path, status, duration, try and request id:\n%s",
			run, grepLines(log, "gitlab_api"))
	}
	if retried && !hasLineWithAll(log, "[WARN]  provider.terraform-provider-gitlabdeploy: retrying GitLab request: ", module,
		` reason="GitLab answered 503 to a read`, " wait=", " try=2 ", " error=") {
		t.Errorf("%s: the log holds no WARN line of a retry decision with its reason and wait:\n%s", run, grepLines(log, "gitlab_api"))
	}
}

// hasLineWithAll reports whether a line of text contains every one of parts.
func hasLineWithAll(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// firstAnswerFails is a fake's fault hook that, while on, answers 503 to the first request of
// each method and path since the last reset.
type firstAnswerFails struct {
	mu   sync.Mutex
	on   bool
	seen map[string]bool
}

func (f *firstAnswerFails) reset(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on, f.seen = on, nil
}

func (f *firstAnswerFails) fault(r *http.Request) fakegitlab.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Method + " " + r.URL.EscapedPath()
	if !f.on || f.seen[key] {
		return fakegitlab.FaultNone
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[key] = true
	return fakegitlab.Fault503
}

// readFile returns a file's content, or "" when it does not exist.
func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}
