package fakegitlab

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runningCommand is RunCommand started in-process with its stdout readable line by line.
type runningCommand struct {
	stop   chan os.Signal
	lines  chan string // every stdout line; closed when the command returns
	stderr *syncBuffer
	exit   chan int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startCommand(t *testing.T, args ...string) *runningCommand {
	t.Helper()
	pr, pw := io.Pipe()
	rc := &runningCommand{stop: make(chan os.Signal, 1), lines: make(chan string, 100), stderr: &syncBuffer{}, exit: make(chan int, 1)}
	go func() {
		rc.exit <- RunCommand(args, pw, rc.stderr, rc.stop)
		pw.Close()
	}()
	go func() {
		defer close(rc.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			rc.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		select {
		case rc.stop <- syscall.SIGTERM:
		default:
		}
	})
	return rc
}

func (rc *runningCommand) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-rc.lines:
		if !ok {
			t.Fatalf("no more output; stderr: %s", rc.stderr.String())
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no output")
		return ""
	}
}

func (rc *runningCommand) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-rc.exit:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not exit")
		return -1
	}
}

var baseURLLine = regexp.MustCompile(`\Ahttp://127\.0\.0\.1:[0-9]+\z`)

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestCommandPrintsTheURLFirstThenTheDemoTokens(t *testing.T) {
	t.Parallel()
	rc := startCommand(t, "-listen", "127.0.0.1:0")
	base := rc.line(t)
	if !baseURLLine.MatchString(base) {
		t.Fatalf("first line %q is not the base URL alone", base)
	}
	var rest []string
	for range 10 {
		rest = append(rest, rc.line(t))
	}
	for _, want := range []string{"root-token", "release-bot-token", "mae-token", "sam-token", "dev-token", "rita-token", "demo-job-token"} {
		if !strings.Contains(strings.Join(rest, "\n"), want) {
			t.Errorf("the demo token %s is not printed:\n%s", want, strings.Join(rest, "\n"))
		}
	}
	if code := get(t, base+"/api/v4/projects/acme%2Fapp/deployments/4", "release-bot-token"); code != http.StatusOK {
		t.Errorf("demo deployment 4: %d", code)
	}
	rc.stop <- syscall.SIGTERM
	if code := rc.wait(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, stderr %q", code, rc.stderr.String())
	}
}

func TestCommandServesASeedFileWithFaults(t *testing.T) {
	t.Parallel()
	rc := startCommand(t, "-listen=127.0.0.1:0", "-seed", filepath.Join("testdata", "seeds", "conformance.json"), "-fail-rate", "1", "-latency", "1ms")
	base := rc.line(t)
	if !baseURLLine.MatchString(base) {
		t.Fatalf("first line %q", base)
	}
	if code := get(t, base+"/api/v4/user", "mae-token"); code < 500 {
		t.Errorf("-fail-rate 1 answered %d", code)
	}
	if code := get(t, base+"/-/fake/stats", ""); code != http.StatusOK {
		t.Errorf("stats: %d", code)
	}
	rc.stop <- os.Interrupt
	if code := rc.wait(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if l, ok := <-rc.lines; ok {
		t.Errorf("with -seed, nothing follows the URL; got %q", l)
	}
}

func TestCommandRefusesBadInputInOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"users":[{"id":1,"username":"u"}],"projects":[{"id":1,"path_with_namespace":"a/b",
		"branches":{"main":"a91957a858320c0e17f3a0eca7cfacbff50ea29a"},
		"deployments":[{"environment":"e","ref":"main","sha":"main","status":"success"},{"environment":"e","ref":"main","sha":"main","status":"success"},
		{"environment":"e","ref":"main","sha":"main","status":"bogus"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-seed", bad}, `projects[0].deployments[2].status: "bogus" is not a deployment status`},
		{[]string{"-seed", filepath.Join(dir, "missing.json")}, "-seed"},
		{[]string{"-fail-rate", "lots"}, "-fail-rate"},
		{[]string{"-fail-rate", "1.5"}, "-fail-rate"},
		{[]string{"-lose-rate", "-1"}, "-lose-rate"},
		{[]string{"-rate-limit", "-2"}, "-rate-limit"},
		{[]string{"-latency", "soon"}, "-latency"},
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"-listen", "256.0.0.1:0"}, "-listen"},
		{[]string{"extra"}, "extra"},
	} {
		var stdout, stderr bytes.Buffer
		code := RunCommand(tc.args, &stdout, &stderr, make(chan os.Signal))
		msg := stderr.String()
		if code == 0 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a non-zero exit and one line naming %s", tc.args, code, stdout.String(), msg, tc.want)
		}
	}
}

// TestCommandBinaryExitsCleanlyOnSIGTERM builds the real binary once: main must wire the signals.
func TestCommandBinaryExitsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "fakegitlab")
	if out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/fakegitlab").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(t.Context(), bin, "-listen", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !baseURLLine.MatchString(lines.Text()) {
		t.Fatalf("first line %q", lines.Text())
	}
	if code := get(t, lines.Text()+"/api/v4/user", "root-token"); code != http.StatusOK {
		t.Errorf("GET /user: %d", code)
	}
	go io.Copy(io.Discard, stdout) //nolint:errcheck // drain the demo lines
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}
