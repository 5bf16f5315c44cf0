package fakegitlab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A scenario (testdata/scenarios/*.json) is a list of requests against one fresh server and the
// answers GitLab gives, in order. Steps share the server, so a later step sees an earlier step's
// effect. In expected values, "$BASE" stands for the server's base URL.
type scenario struct {
	Seed string `json:"seed"` // a file in testdata/seeds, or "demo" for DemoSeed

	Steps []step `json:"steps"`
}

type step struct {
	Name     string            `json:"name"`
	Request  string            `json:"request"` // "METHOD /path?query"
	Token    string            `json:"token"`   // PRIVATE-TOKEN
	JobToken string            `json:"job_token"`
	Headers  map[string]string `json:"headers"`
	JSON     json.RawMessage   `json:"json"` // a JSON body
	Form     string            `json:"form"` // a form body, as curl --data sends it

	Status          int               `json:"status"`
	Body            json.RawMessage   `json:"body"`  // the whole body, compared as JSON
	Match           json.RawMessage   `json:"match"` // a part of the body: listed keys only
	Text            *string           `json:"text"`  // the body, byte for byte
	ResponseHeaders map[string]string `json:"response_headers"`
	AbsentHeaders   []string          `json:"absent_headers"`
}

func TestConformance(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var sc scenario
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&sc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			seed := DemoSeed()
			if sc.Seed != "demo" {
				seed = loadSeed(t, sc.Seed)
			}
			srv := NewTestServer(t, seed, Options{Now: fixedClock})
			for _, st := range sc.Steps {
				runStep(t, srv, st)
			}
		})
	}
}

func runStep(t *testing.T, srv *Server, st step) {
	t.Helper()
	method, path, _ := strings.Cut(st.Request, " ")
	var headers []string
	for k, v := range st.Headers {
		headers = append(headers, k, v)
	}
	if st.JobToken != "" {
		headers = append(headers, "JOB-TOKEN", st.JobToken)
	}
	body := st.Form
	if st.JSON != nil {
		body = string(st.JSON)
	}
	res := do(t, srv, method, path, st.Token, body, headers...)
	fail := func(format string, args ...any) {
		t.Errorf("%s: %s\n  request: %s\n  answer: %d %s", st.Name, fmt.Sprintf(format, args...), st.Request, res.status, res.body)
	}
	expand := func(s string) string { return strings.ReplaceAll(s, "$BASE", srv.URL()) }
	if res.status != st.Status {
		fail("status %d, want %d", res.status, st.Status)
	}
	if st.Text != nil && res.body != expand(*st.Text) {
		fail("body %q, want %q", res.body, expand(*st.Text))
	}
	if st.Body != nil {
		want := decode(t, expand(string(st.Body)))
		if got := decode(t, res.body); !reflect.DeepEqual(got, want) {
			fail("body differs, want %s", expand(string(st.Body)))
		}
	}
	if st.Match != nil {
		if err := matchJSON(decode(t, expand(string(st.Match))), decode(t, res.body), "body"); err != nil {
			fail("%v", err)
		}
	}
	for k, v := range st.ResponseHeaders {
		if vs, present := res.header[httpKey(k)]; !present || vs[0] != expand(v) {
			fail("header %s = %q, want %q", k, vs, expand(v))
		}
	}
	for _, k := range st.AbsentHeaders {
		if _, present := res.header[httpKey(k)]; present {
			fail("header %s present: %q", k, res.header.Get(k))
		}
	}
}

func httpKey(k string) string {
	parts := strings.Split(strings.ToLower(k), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// matchJSON checks that got has everything want has: objects may hold more keys, arrays must have
// the same length and match element by element.
func matchJSON(want, got any, path string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %v, want an object", path, got)
		}
		for _, k := range sortedKeys(w) {
			gv, present := g[k]
			if !present {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := matchJSON(w[k], gv, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: got %v, want %d elements", path, got, len(w))
		}
		for i := range w {
			if err := matchJSON(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	return nil
}
