package fakegitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkParamValue fails unless v is one of the types decodeParams promises.
func checkParamValue(t *testing.T, v any) {
	switch x := v.(type) {
	case string, json.Number, bool, nil:
	case []any:
		for _, e := range x {
			checkParamValue(t, e)
		}
	case map[string]any:
		for _, e := range x {
			checkParamValue(t, e)
		}
	default:
		t.Fatalf("unexpected parameter type %T", v)
	}
}

func FuzzDecodeParams(f *testing.F) {
	f.Add("per_page=2&page=1", "application/x-www-form-urlencoded", []byte("status=approved&comment=Looks good to me"))
	f.Add("", "application/json", []byte(`{"deploy_access_levels":[{"access_level":40},{"id":3,"_destroy":true}]}`))
	f.Add("a[][b]=1&a[][c]=2&a[][b]=3", "application/x-www-form-urlencoded", []byte("x[0][y]=1&x[1][y]=2&x[y]=3&%zz=1"))
	f.Add("q=%", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nsuccess\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, query, contentType string, body []byte) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/api/v4/projects/1/deployments", bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		p, err := decodeParams(req)
		if err != nil {
			if !errors.Is(err, errBadBody) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, v := range p {
			checkParamValue(t, v)
		}
	})
}

// FuzzAPI sends arbitrary requests to every route; no handler may panic.
func FuzzAPI(f *testing.F) {
	seed := loadSeed(f, "conformance.json")
	f.Add("GET", "/api/v4/projects/1/deployments", "order_by=finished_at&status=success&finished_after=2026-01-01", "mae-token", "")
	f.Add("POST", "/api/v4/projects/acme%2Fapp/deployments", "", "dev-token", "environment=x&sha=main&ref=main&tag=t&status=running")
	f.Add("PUT", "/api/v4/projects/1/deployments/3", "", "mae-token", `{"status":["running"]}`)
	f.Add("POST", "/api/v4/projects/1/deployments/4/approval", "represented_as=", "sam-token", `{"status":"rejected","comment":null}`)
	f.Add("PUT", "/api/v4/projects/1/protected_environments/production", "", "mae-token", `{"deploy_access_levels":[{"id":1,"user_id":"x"},7,{"_destroy":"maybe"}]}`)
	f.Add("POST", "/api/v4/projects/1/protected_environments", "", "root-token", `{"name":"","deploy_access_levels":{},"approval_rules":[{"required_approvals":99999999999999999999}]}`)
	f.Add("DELETE", "/api/v4/projects/-0/deployments/9223372036854775807", "page=-9223372036854775808&per_page=9223372036854775807", "mae-token", "")
	f.Fuzz(func(t *testing.T, method, path, query, token, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n?#") {
			return
		}
		srv, err := newServer(seed, Options{Now: fixedClock})
		if err != nil {
			t.Fatal(err)
		}
		srv.onPanic = func(v any) { t.Fatalf("handler panicked: %v", v) }
		req, err := http.NewRequestWithContext(t.Context(), method, "http://fake"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.RawQuery = query
		req.Header.Set("PRIVATE-TOKEN", token)
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code == 0 {
			t.Fatal("no answer")
		}
	})
}

func TestOddInputNeverPanics(t *testing.T) {
	t.Parallel()
	srv := newConformanceServer(t)
	srv.onPanic = func(v any) { t.Errorf("handler panicked: %v", v) }
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v4/projects/1/deployments?page=99999999999999999999&per_page=1", ""},
		{"GET", "/api/v4/projects/1/deployments?page=2147483647&per_page=100", ""},
		{"POST", "/api/v4/projects/1/deployments", `{"environment":["a"],"sha":{},"ref":1,"tag":"1","status":"success"}`},
		{"POST", "/api/v4/projects/1/deployments", `[1,2]`},
		{"POST", "/api/v4/projects/1/deployments", `{"environment":"e"`},
		{"POST", "/api/v4/projects/1/protected_environments", `{"name":"p","deploy_access_levels":[null]}`},
		{"PUT", "/api/v4/projects/1/protected_environments/production", `{"approval_rules":[{"id":"2","_destroy":"yes"}]}`},
		{"POST", "/api/v4/projects/1/deployments/5/approval", "status[]=approved&comment[x]=1"},
		{"DELETE", "/api/v4/projects//deployments/1", ""},
		{"GET", "/api/v4", ""},
	} {
		res := do(t, srv, tc.method, tc.path, "mae-token", tc.body)
		if res.status >= 500 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.status, res.body)
		}
	}
}
