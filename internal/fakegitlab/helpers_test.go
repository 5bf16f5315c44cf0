package fakegitlab

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// testEpoch is the fixed clock of the conformance tests; each stored timestamp moves it on by 1 ms.
var testEpoch = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testEpoch }

// loadSeed parses testdata/seeds/<name>.
func loadSeed(t testing.TB, name string) *Seed {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSeed(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// newConformanceServer serves testdata/seeds/conformance.json on a fixed clock.
func newConformanceServer(t *testing.T, opts ...func(*Options)) *Server {
	t.Helper()
	o := Options{Now: fixedClock, RandSeed: 1}
	for _, f := range opts {
		f(&o)
	}
	return NewTestServer(t, loadSeed(t, "conformance.json"), o)
}

// client is client-go for one user, without retries so that no test sleeps.
func client(t *testing.T, srv *Server, token string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(srv.URL()+"/api/v4"), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one raw request. token goes into PRIVATE-TOKEN when set; body is sent as JSON when it
// starts with '{', else as a form.
func do(t *testing.T, srv *Server, method, path, token, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// decode unmarshals a JSON body into a generic value.
func decode(t *testing.T, body string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return v
}

// field digs into a decoded JSON value by object keys.
func field(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
