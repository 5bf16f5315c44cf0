package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// faultsEnvironment is where the tests of this file record their deployments: acme/app of
// basic.json holds none there.
const faultsEnvironment = "faults"

// manyDeployments renders count deployments of main to faultsEnvironment, alike in every
// argument, the hardest case for telling a lost create's deployment from its siblings.
// providerExtra goes into the provider block.
func manyDeployments(url string, count int, status, onDestroy, providerExtra string) string {
	return fmt.Sprintf(`
provider "gitlabdeploy" {
  base_url = %[1]q
  token    = %[2]q
%[7]s
}

resource "gitlabdeploy_deployment" "many" {
  count       = %[3]d
  project     = "acme/app"
  environment = %[4]q
  ref         = "main"
  sha         = %[5]q
  status      = %[6]q
  on_destroy  = %[8]q
}
`, url, tokenMaintainer, count, faultsEnvironment, shaMain, status, providerExtra, onDestroy)
}

// gitlabDeploymentsIn reads, deployment id to status, what GitLab holds in faultsEnvironment. Its
// client outlasts the faults a test may still inject, and its token is the administrator's,
// which fault hooks leave alone.
func gitlabDeploymentsIn(ctx context.Context, url string) (map[int64]string, error) {
	client, err := gitlabapi.New(gitlabapi.Config{
		BaseURL: url, Token: tokenRoot, MaxRetries: 100, RetryWaitMin: time.Millisecond, RetryWaitMax: 1500 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	list, err := client.ListDeployments(ctx, "acme/app", gitlabapi.ListDeploymentsOptions{Environment: faultsEnvironment})
	if err != nil {
		return nil, fmt.Errorf("listing GitLab's deployments: %w", err)
	}
	out := make(map[int64]string, len(list))
	for _, d := range list {
		out[d.ID] = d.Status
	}
	return out, nil
}

// sameDeployments fails unless GitLab and the state hold the same count deployments with the
// same statuses, each of them status unless status is "".
func sameDeployments(inGitLab, inState map[int64]string, count int, status string) error {
	var problems []string
	if len(inGitLab) != count || len(inState) != count {
		problems = append(problems, fmt.Sprintf("GitLab holds %d deployments and the state %d; want %d in each",
			len(inGitLab), len(inState), count))
	}
	for id, s := range inGitLab {
		switch stateStatus, ok := inState[id]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("deployment %d (%s) is in GitLab, not in the state", id, s))
		case stateStatus != s:
			problems = append(problems, fmt.Sprintf("deployment %d is %s in GitLab, %s in the state", id, s, stateStatus))
		case status != "" && s != status:
			problems = append(problems, fmt.Sprintf("deployment %d is %s, want %s", id, s, status))
		}
	}
	for id := range inState {
		if _, ok := inGitLab[id]; !ok {
			problems = append(problems, fmt.Sprintf("deployment %d is in the state, not in GitLab", id))
		}
	}
	if len(problems) > 5 {
		problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// answerLoser is a fake's fault hook. It loses the answer of a share of the writes after the
// fake applied them, as the fake's LoseRate (-lose-rate) does, and of a share of the reads, by
// closing the connection; it counts both per method. It leaves the administrator, whose token
// the tests' own checks use, alone.
type answerLoser struct {
	writeRate, readRate float64

	mu   sync.Mutex
	rng  *rand.Rand
	sent map[string]int
	lost map[string]int
}

// faultSeedEnv replays a random fault test: its seed is logged, and taken from this variable
// when set.
const faultSeedEnv = "GITLABDEPLOY_TEST_FAULT_SEED"

// faultSeed is the seed of a test's random faults: GITLABDEPLOY_TEST_FAULT_SEED, else a random
// one; it is logged either way. Requests sent in parallel may still meet the faults in another
// order on a replay: the seed fixes the draws, not the scheduling.
func faultSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64() | 1 // never 0, which the fake takes as "pick one from the clock"
	if v := os.Getenv(faultSeedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil || seed == 0 {
			t.Fatalf("%s=%q: want a positive integer", faultSeedEnv, v)
		}
	}
	t.Logf("random faults from seed %d: replay with %s=%d", seed, faultSeedEnv, seed)
	return seed
}

func newAnswerLoser(t *testing.T, writeRate, readRate float64) *answerLoser {
	return &answerLoser{
		writeRate: writeRate, readRate: readRate,
		rng:  rand.New(rand.NewPCG(faultSeed(t), 0)),
		sent: map[string]int{}, lost: map[string]int{},
	}
}

func (l *answerLoser) fault(r *http.Request) fakegitlab.Fault {
	if r.Header.Get("Private-Token") == tokenRoot {
		return fakegitlab.FaultNone
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[r.Method]++
	rate := l.writeRate
	if r.Method == http.MethodGet {
		rate = l.readRate
	}
	if l.rng.Float64() >= rate {
		return fakegitlab.FaultNone
	}
	l.lost[r.Method]++
	if r.Method == http.MethodGet || l.rng.IntN(2) == 0 {
		return fakegitlab.FaultLoseAnswerClose
	}
	return fakegitlab.FaultLoseAnswer502
}

// counts returns how many requests of method were sent and how many answers were lost.
func (l *answerLoser) counts(method string) (sent, lost int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent[method], l.lost[method]
}

// checkSentOnceEach fails unless count requests of method were sent, one per operation, though
// some of their answers were lost (else the step tested nothing).
func (l *answerLoser) checkSentOnceEach(t *testing.T, method string, count int) error {
	sent, lost := l.counts(method)
	t.Logf("%d %s requests sent for %d operations, %d of their answers lost", sent, method, count, lost)
	switch {
	case lost == 0:
		return fmt.Errorf("no answer to %s was lost: the step tested no fault", method)
	case sent != count:
		return fmt.Errorf("%d %s requests sent for %d operations: a write whose answer was lost was sent again", sent, method, count)
	}
	return nil
}

// stateCheckFunc adapts a function to statecheck.StateCheck.
type stateCheckFunc func(context.Context, *tfjson.State) error

func (f stateCheckFunc) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(ctx, req.State)
}

// Writes whose answer is lost after GitLab applied them are never sent blindly again: 100
// creates, then 100 status changes, then 100 deletes, each losing a fifth of its answers (a 502
// or a closed connection), end with exactly 100 deployments in GitLab and in the state, then 0;
// a tenth of the reads lose their connection too and are retried.
func TestAccFaults_loseRate20_100DeploymentsNoDuplicates(t *testing.T) {
	t.Parallel()
	loser := newAnswerLoser(t, 0.2, 0.1)
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: loser.fault})
	const count = 100
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	for _, step := range []struct {
		status, action, method string
	}{
		{gitlabapi.StatusRunning, "create", http.MethodPost},
		// GitLab refuses a repeated move to the same status: a blind resend would fail.
		{gitlabapi.StatusCanceled, "update", http.MethodPut},
	} {
		cli.writeConfig(manyDeployments(fake.URL(), count, step.status, onDestroyDelete, ""))
		planned := plannedActions(t, cli.mustRun(nil, []string{"apply", "-auto-approve", "-json"}))
		for i := range count {
			if address := fmt.Sprintf("gitlabdeploy_deployment.many[%d]", i); planned[address] != step.action {
				t.Errorf("the apply to %s planned %q for %s, want %s", step.status, planned[address], address, step.action)
			}
		}
		if len(planned) != count {
			t.Errorf("the apply to %s planned changes of %d resources, want %d", step.status, len(planned), count)
		}
		inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
		if err != nil {
			t.Fatal(err)
		}
		if err := sameDeployments(inGitLab, cli.deployments(), count, step.status); err != nil {
			t.Errorf("after the apply to %s: %v", step.status, err)
		}
		if err := loser.checkSentOnceEach(t, step.method, count); err != nil {
			t.Error(err)
		}
		cli.mustRun(nil, []string{"plan", "-detailed-exitcode", "-no-color"}, 0) // the plan after the apply is empty
	}

	cli.mustRun(nil, []string{"destroy", "-auto-approve", "-no-color"})
	if _, lost := loser.counts(http.MethodGet); lost == 0 {
		t.Error("no read lost its connection: the test tested no dropped connection")
	}
	inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	if len(inGitLab) != 0 {
		t.Errorf("after destroy GitLab holds %d deployments, want 0", len(inGitLab))
	}
	// A repeated DELETE would be answered 404: the provider reads instead.
	if err := loser.checkSentOnceEach(t, http.MethodDelete, count); err != nil {
		t.Error(err)
	}
}

// plannedActions are the actions of an apply -json's planned changes, by resource address.
func plannedActions(t *testing.T, res cliResult) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(res.stdout, "\n") {
		var msg struct {
			Type   string `json:"type"`
			Change struct {
				Resource struct {
					Addr string `json:"addr"`
				} `json:"resource"`
				Action string `json:"action"`
			} `json:"change"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "planned_change" {
			continue
		}
		out[msg.Change.Resource.Addr] = msg.Change.Action
	}
	return out
}

// answerCounter counts the answers of a handler by status code.
type answerCounter struct {
	mu       sync.Mutex
	byStatus map[int]int
}

// serveCounting serves h on a new loopback server and counts its answers; it returns the
// counter and the server's URL.
func serveCounting(t *testing.T, h http.Handler) (*answerCounter, string) {
	c := &answerCounter{byStatus: map[int]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		c.mu.Lock()
		c.byStatus[rec.status]++
		c.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

// count returns how many answers had a status code from lo to hi.
func (c *answerCounter) count(lo, hi int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for status, k := range c.byStatus {
		if status >= lo && status <= hi {
			n += k
		}
	}
	return n
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// 200 deployments applied with terraform apply -parallelism=20 against a GitLab that fails a
// fifth of all requests (500, 502 or 503, having done nothing) and throttles beyond 50 requests
// a second (429 with Retry-After: 1) end as exactly 200 deployments in GitLab and in the state,
// and a plan with the faults still on shows no change.
func TestAccFaults_parallelism20FailRate20RateLimit50_200Deployments(t *testing.T) {
	t.Parallel()
	const count = 200
	// However slow the machine, one request in 20 is throttled too.
	var mu sync.Mutex
	seed := faultSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	throttleSome := func(r *http.Request) fakegitlab.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Private-Token") != tokenRoot && rng.IntN(20) == 0 {
			return fakegitlab.Fault429
		}
		return fakegitlab.FaultNone
	}
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{FailRate: 0.2, RateLimit: 50, Fault: throttleSome, RandSeed: seed})
	answers, url := serveCounting(t, fake.Handler())
	// The backoff cap is above the second GitLab's throttle asks to wait, so that only honouring
	// Retry-After keeps the throttled requests from running out of retries.
	cli := newTerraformCLI(t, 20*time.Millisecond, 2*time.Second)
	cli.writeConfig(manyDeployments(url, count, gitlabapi.StatusRunning, onDestroyKeep, ""))

	start := time.Now()
	cli.mustRun(nil, []string{"apply", "-auto-approve", "-no-color", "-input=false", "-parallelism=20"})
	applied := time.Since(start)
	inState := cli.deployments()
	inGitLab, err := gitlabDeploymentsIn(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameDeployments(inGitLab, inState, count, gitlabapi.StatusRunning); err != nil {
		t.Fatalf("after apply: %v", err)
	}

	res := cli.mustRun(nil, []string{"plan", "-detailed-exitcode", "-no-color", "-input=false", "-parallelism=20"}, 0)
	if !strings.Contains(res.stdout, "No changes.") {
		t.Errorf("the plan after apply is not empty:\n%s", res.stdout)
	}
	throttled, failed := answers.count(http.StatusTooManyRequests, http.StatusTooManyRequests), answers.count(500, 599)
	t.Logf("apply took %s; GitLab answered %d requests: %d throttled (429), %d failed (5xx)",
		applied.Round(time.Millisecond), answers.count(0, 999), throttled, failed)
	if throttled == 0 || failed == 0 {
		t.Errorf("%d answers were 429 and %d were 5xx: the test tested no throttling or no failure", throttled, failed)
	}
}

// flat joins output into one line of single spaces, without the frame Terraform draws around
// diagnostics, so that wrapped messages can be searched.
func flat(output string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(output, "│", " ")), " ")
}

// writeBudget is a fake's fault hook: once limit is called for a method, only that many more
// requests of it succeed; the rest are answered 503, having done nothing.
type writeBudget struct {
	mu   sync.Mutex
	left map[string]int
}

func (b *writeBudget) limit(method string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == nil {
		b.left = map[string]int{}
	}
	b.left[method] = n
}

func (b *writeBudget) lift() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left = nil
}

func (b *writeBudget) fault(r *http.Request) fakegitlab.Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, limited := b.left[r.Method]
	switch {
	case !limited:
		return fakegitlab.FaultNone
	case n == 0:
		return fakegitlab.Fault503
	}
	b.left[r.Method] = n - 1
	return fakegitlab.FaultNone
}

// An apply that GitLab fails midway leaves in the state exactly what GitLab holds, read from
// the state file before any refresh: of 10 creates, 6 succeed and 4 give up after max_retries
// = 2 (3 tries), saying so and quoting GitLab's last answer; of the 10 status changes that
// follow, 3 succeed and 7 give up. Each time, the next apply does exactly what is left to do.
func TestAccFaults_failedApply_6of10Created_3of10Updated_stateTrueToGitLab(t *testing.T) {
	t.Parallel()
	const count = 10
	var budget writeBudget
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: budget.fault})
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	apply := []string{"apply", "-auto-approve", "-no-color", "-input=false"}
	plan := []string{"plan", "-detailed-exitcode", "-no-color", "-input=false"}
	stateMatchesGitLab := func(count int, status string) {
		t.Helper()
		inState := cli.deployments()
		inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
		if err != nil {
			t.Fatal(err)
		}
		if err := sameDeployments(inGitLab, inState, count, status); err != nil {
			t.Fatalf("the state is not true to GitLab: %v", err)
		}
	}
	gaveUp := func(output, summary string, times int) {
		t.Helper()
		out := flat(output)
		for _, want := range []string{summary, "gave up after 3 tries; the last:", "GitLab answered 503: 503 Service Unavailable"} {
			if n := strings.Count(out, want); n != times {
				t.Errorf("%q appears %d times, want %d:\n%s", want, n, times, output)
			}
		}
	}

	budget.limit(http.MethodPost, 6)
	cli.writeConfig(manyDeployments(fake.URL(), count, gitlabapi.StatusRunning, onDestroyKeep, "  max_retries = 2"))
	gaveUp(cli.mustRun(nil, apply, 1).output(), "Error: Unable to Create Deployment", 4)
	stateMatchesGitLab(6, gitlabapi.StatusRunning)

	budget.lift()
	if out := cli.mustRun(nil, apply).stdout; !strings.Contains(out, "Plan: 4 to add, 0 to change, 0 to destroy.") {
		t.Errorf("after 6 of 10 creates, the plan does not add just the 4 others:\n%s", out)
	}
	stateMatchesGitLab(count, gitlabapi.StatusRunning)

	budget.limit(http.MethodPut, 3)
	cli.writeConfig(manyDeployments(fake.URL(), count, gitlabapi.StatusCanceled, onDestroyKeep, "  max_retries = 2"))
	gaveUp(cli.mustRun(nil, apply, 1).output(), "Error: Unable to Update Deployment Status", 7)
	stateMatchesGitLab(count, "")
	inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	canceled := 0
	for _, status := range inGitLab {
		if status == gitlabapi.StatusCanceled {
			canceled++
		}
	}
	if canceled != 3 {
		t.Errorf("%d deployments are canceled in GitLab, want 3", canceled)
	}

	budget.lift()
	if out := cli.mustRun(nil, apply).stdout; !strings.Contains(out, "Plan: 0 to add, 7 to change, 0 to destroy.") {
		t.Errorf("after 3 of 10 status changes, the plan does not change just the 7 others:\n%s", out)
	}
	stateMatchesGitLab(count, gitlabapi.StatusCanceled)
	cli.mustRun(nil, plan, 0)
}

// When a create's answer is lost and GitLab cannot be asked afterwards whether it recorded the
// deployment, the apply fails naming the deployment that may exist, rather than risk a
// duplicate; importing it then brings GitLab and the state together: 1 deployment in each.
func TestFaults_lostCreateUncheckable_namesWhatMayExist(t *testing.T) {
	t.Parallel()
	var lookups atomic.Bool
	lookups.Store(true)
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		switch {
		case r.Header.Get("Private-Token") == tokenRoot || !lookups.Load():
			return fakegitlab.FaultNone
		case r.Method == http.MethodPost:
			return fakegitlab.FaultLoseAnswer502
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/deployments"):
			return fakegitlab.Fault500
		}
		return fakegitlab.FaultNone
	}})
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	h.providerBlock(nil, resourceArgs{"base_url": fake.URL(), "token": tokenMaintainer, "max_retries": 1})
	l := h.lifecycle(deploymentType)
	args := resourceArgs{
		"project": "acme/app", "environment": faultsEnvironment, "ref": "main", "sha": shaMain,
		"status": gitlabapi.StatusRunning, "on_destroy": onDestroyKeep,
	}
	res := l.apply(args)
	if want := errorMatching("Unable to Create Deployment", "the outcome of the request is unknown",
		`GitLab may hold a deployment to environment "faults" of project acme/app (ref "main", sha `+shaMain+
			", status running) that Terraform does not track: look for it before applying again"); res.failed == "" ||
		!want.MatchString(res.errorText()) {
		t.Fatalf("the apply failed at %q, want %s:\n%s", res.failed, want, res.errorText())
	}
	if !l.state().IsNull() {
		t.Fatalf("the failed create left %v in the state, want nothing", l.state())
	}

	// The advice followed: the deployment GitLab holds is imported (terraform import).
	lookups.Store(false)
	inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	if len(inGitLab) != 1 {
		t.Fatalf("GitLab holds %v; want the 1 deployment the lost create recorded", inGitLab)
	}
	for id := range inGitLab {
		if res := l.importCommand(deploymentResourceID("acme/app", id), args); res.failed != "" {
			t.Fatalf("terraform import failed at %s:\n%s", res.failed, res.errorText())
		}
	}
	if res := l.apply(args); res.failed != "" || res.action != "no-op" {
		t.Fatalf("the apply after the import plans %q (failed at %q), want no change:\n%s", res.action, res.failed, res.errorText())
	}
	inState := map[int64]string{int64Attr(l.state(), "deployment_id"): stringAttr(t, l.state(), "status")}
	if inGitLab, err = gitlabDeploymentsIn(t.Context(), fake.URL()); err != nil {
		t.Fatal(err)
	}
	if err := sameDeployments(inGitLab, inState, 1, gitlabapi.StatusRunning); err != nil {
		t.Error(err)
	}
	if res := l.destroy(args); res.failed != "" {
		t.Errorf("terraform destroy failed at %s:\n%s", res.failed, res.errorText())
	}
}

// A throttled request is sent again only after the wait GitLab's Retry-After asks for (1 s),
// a write included: 2 throttled creates, each followed by a try at least 1 s later, then exactly 1
// deployment in GitLab and in the state.
func TestFaults_throttled2Creates_waitRetryAfter(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var posts []time.Time
	fake := fakegitlab.NewTestServer(t, loadSeed(t, "basic.json"), fakegitlab.Options{Fault: func(r *http.Request) fakegitlab.Fault {
		if r.Method != http.MethodPost {
			return fakegitlab.FaultNone
		}
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, time.Now())
		if len(posts) <= 2 {
			return fakegitlab.Fault429
		}
		return fakegitlab.FaultNone
	}})
	h := newProtocolHarnessFor(t, fake, tokenMaintainer)
	// Backoff alone would try again within milliseconds.
	h.tune = func(opts *providerOptions) { opts.retryWaitMax = time.Minute }
	l := h.lifecycle(deploymentType)
	args := resourceArgs{
		"project": "acme/app", "environment": faultsEnvironment, "ref": "main", "sha": shaMain,
		"status": gitlabapi.StatusRunning, "on_destroy": onDestroyKeep,
	}
	runProtoSteps(t, l, []protoStep{{
		args: args,
		check: func(l *lifecycle) {
			mu.Lock()
			defer mu.Unlock()
			if len(posts) != 3 {
				t.Errorf("%d create requests, want 3 (2 throttled, 1 answered)", len(posts))
			}
			for i := 1; i < len(posts); i++ {
				if gap := posts[i].Sub(posts[i-1]); gap < time.Second {
					t.Errorf("try %d came %s after a 429 with Retry-After: 1", i+1, gap)
				}
			}
			inGitLab, err := gitlabDeploymentsIn(t.Context(), fake.URL())
			if err != nil {
				t.Fatal(err)
			}
			inState := map[int64]string{int64Attr(l.state(), "deployment_id"): stringAttr(t, l.state(), "status")}
			if err := sameDeployments(inGitLab, inState, 1, gitlabapi.StatusRunning); err != nil {
				t.Error(err)
			}
		},
	}}, nil)
}

// approvalPoster is a fake's fault hook that loses the answer to every decision after the fake
// recorded it (a 502, then a closed connection, in turn) and counts the decisions sent per
// deployment.
type approvalPoster struct {
	mu   sync.Mutex
	sent map[string]int // by path
}

func (p *approvalPoster) fault(r *http.Request) fakegitlab.Fault {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/approval") {
		return fakegitlab.FaultNone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent == nil {
		p.sent = map[string]int{}
	}
	p.sent[r.URL.Path]++
	total := 0
	for _, n := range p.sent {
		total += n
	}
	if total%2 == 0 {
		return fakegitlab.FaultLoseAnswerClose
	}
	return fakegitlab.FaultLoseAnswer502
}

// sentTimes is a state check: decisions on deployment id were sent n times in all.
func (p *approvalPoster) sentTimes(id int64, n int) statecheck.StateCheck {
	return stateCheckFunc(func(context.Context, *tfjson.State) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if got := p.sent[fmt.Sprintf("/api/v4/projects/acme/app/deployments/%d/approval", id)] +
			p.sent[fmt.Sprintf("/api/v4/projects/acme%%2Fapp/deployments/%d/approval", id)]; got != n {
			return fmt.Errorf("%d decisions sent on deployment %d, want %d: one whose answer was lost was sent again", got, id, n)
		}
		return nil
	})
}

// onlyDecision is a state check: GitLab holds exactly one decision of user on deployment id,
// with status.
func onlyDecision(url string, id, user int64, status string) statecheck.StateCheck {
	return stateCheckFunc(func(ctx context.Context, _ *tfjson.State) error {
		client, err := gitlabapi.New(gitlabapi.Config{BaseURL: url, Token: tokenRoot})
		if err != nil {
			return err
		}
		d, err := client.GetDeployment(ctx, "acme/app", id)
		if err != nil {
			return err
		}
		var statuses []string
		for _, a := range d.Approvals {
			if a.User.ID == user {
				statuses = append(statuses, a.Status)
			}
		}
		if len(statuses) != 1 || statuses[0] != status {
			return fmt.Errorf("user %d's decisions on deployment %d in GitLab: %v; want one, %s", user, id, statuses, status)
		}
		return nil
	})
}

// Decisions whose answer is lost are read back, never sent blindly again: GitLab refuses any
// decision once the deployment no longer waits for approvals, which the lost one may have
// caused. Every decision's answer is lost here: 3 decisions, each sent once, and one decision
// per deployment in GitLab, as in the state. With an access token, an approval of a deployment
// that waits for 3, then a change to a rejection; with a CI job token, which cannot ask GitLab
// whose it is, the approval that ends a deployment's wait. (One provider configuration per
// case: in-process test providers share their server between configurations.)
func TestFaults_lostApprovalAnswers_3DecisionsSentOnce(t *testing.T) {
	t.Parallel()
	t.Run("access token", func(t *testing.T) {
		t.Parallel()
		var poster approvalPoster
		fake := fakegitlab.NewTestServer(t, loadSeed(t, approvalSeed), fakegitlab.Options{Fault: poster.fault})
		// Production waits for 3 approvals, one per rule.
		decision := func(status string) resourceArgs {
			return approvalArgs{deployment: 1, status: status, comment: "decided under faults"}.args()
		}
		runProtoSteps(t, newProtocolHarnessFor(t, fake, "mae-token").lifecycle("gitlabdeploy_deployment_approval"), []protoStep{
			{
				args: decision(gitlabapi.ApprovalApproved),
				state: map[string]knownvalue.Check{
					"status":                 knownvalue.StringExact(gitlabapi.ApprovalApproved),
					"pending_approval_count": knownvalue.Int64Exact(2),
				},
				check: gitlabCheck(t, onlyDecision(fake.URL(), 1, userMae, gitlabapi.ApprovalApproved), poster.sentTimes(1, 1)),
			},
			{
				args: decision(gitlabapi.ApprovalRejected), action: "update",
				state: map[string]knownvalue.Check{
					"status":                 knownvalue.StringExact(gitlabapi.ApprovalRejected),
					"pending_approval_count": knownvalue.Int64Exact(3),
				},
				check: gitlabCheck(t, onlyDecision(fake.URL(), 1, userMae, gitlabapi.ApprovalRejected), poster.sentTimes(1, 2)),
			},
		}, nil)
	})
	t.Run("job token", func(t *testing.T) {
		t.Parallel()
		var poster approvalPoster
		fake := fakegitlab.NewTestServer(t, loadSeed(t, approvalSeed), fakegitlab.Options{Fault: poster.fault})
		// Canary waits for 1 approval: this one ends the wait.
		runProtoSteps(t, newProtocolHarnessFor(t, fake, "mae-job-token").lifecycle("gitlabdeploy_deployment_approval"), []protoStep{{
			args: approvalArgs{deployment: 5, status: gitlabapi.ApprovalApproved}.args(),
			state: map[string]knownvalue.Check{
				"pending_approval_count": knownvalue.Int64Exact(0),
				"username":               knownvalue.StringExact("mae"),
			},
			check: gitlabCheck(t, onlyDecision(fake.URL(), 5, userMae, gitlabapi.ApprovalApproved), poster.sentTimes(5, 1),
				stateCheckFunc(func(context.Context, *tfjson.State) error {
					if n := fake.Stats().ByRoute["GET /api/v4/user"]; n != 0 {
						return fmt.Errorf("GET /user sent %d times with a job token, which GitLab refuses", n)
					}
					return nil
				})),
		}}, nil)
	})
}

// A 404 empties no state by itself. A base_url that does not lead to GitLab's API, a project
// gone (moved, or another GitLab) and a token that lost access all answer 404, and each fails
// the refresh of a deployment and of a decision loudly; with the right settings back, both are
// still in the state and the plan is empty.
func TestFaults_notFoundKinds3_neverEmptyState(t *testing.T) {
	t.Parallel()
	notGitLab := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notGitLab.Close)
	cases := []struct {
		name, summary, typeName string
		args                    resourceArgs
	}{
		{
			name: "deployment", summary: "Unable to Read Deployment", typeName: "gitlabdeploy_deployment",
			args: resourceArgs{"project": "acme/app", "environment": "staging", "ref": "main", "sha": shaMain, "status": "failed"},
		},
		{
			name: "decision", summary: "Unable to Read Deployment Decision", typeName: "gitlabdeploy_deployment_approval",
			args: approvalArgs{deployment: 1, status: "approved"}.args(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := startFake(t, approvalSeed)
			outsider, err := fakegitlab.ParseSeed([]byte(`{"users": [{"id": 99, "username": "olga", "name": "Olga Outsider", "tokens": ["olga-token"]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fake.AddSeed(outsider); err != nil {
				t.Fatal(err)
			}
			usersOnly := loadSeed(t, approvalSeed)
			usersOnly.Projects, usersOnly.JobTokens = nil, nil
			otherGitLab := fakegitlab.NewTestServer(t, usersOnly, fakegitlab.Options{})
			keptInState := func(cause, advice string) *regexp.Regexp {
				return errorMatching(tc.summary, cause, advice, "The provider keeps the", "in the state")
			}
			l := newProtocolHarnessFor(t, fake, "mae-token").lifecycle(tc.typeName)
			runProtoSteps(t, l, []protoStep{
				{args: tc.args},
				{
					preConfig:   func() { l.h.reconfigureURL(notGitLab.URL, "mae-token") },
					args:        tc.args,
					expectError: keptInState("GitLab answered 404: 404 page not found", `Check that "base_url" (or GITLAB_BASE_URL) is the address of your GitLab`),
				},
				{
					provider:    &providerTarget{otherGitLab, "mae-token"},
					args:        tc.args,
					expectError: keptInState("404 Project Not Found", "GitLab shows no such project to these credentials"),
				},
				{
					provider:    &providerTarget{fake, "olga-token"},
					args:        tc.args,
					expectError: keptInState("404 Project Not Found", "GitLab shows no such project to these credentials"),
				},
				{provider: &providerTarget{fake, "mae-token"}, args: tc.args, action: "no-op"},
			}, nil)
		})
	}
}
