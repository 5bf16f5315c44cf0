package gitlabapi

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections a server accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return conn, err
}

func TestNew_TLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, deploymentJSON(7, "production", "main", "abc", "success", time.Now(), false))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	counter := &countingListener{Listener: srv.Listener}
	srv.Listener = counter
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		baseURL string
		edit    func(*Config)
		newErr  string // New fails saying this
		errText string // the request fails saying this, without a retry
		kind    error
	}{
		{name: "trusted through the CA file", edit: func(c *Config) { c.CACertFile = caFile }},
		{name: "insecure", edit: func(c *Config) { c.Insecure = true }},
		{name: "insecure overrides a host name mismatch", baseURL: "https://localhost:" + port,
			edit: func(c *Config) { c.Insecure = true }},
		{name: "untrusted", edit: func(*Config) {},
			errText: "certificate signed by unknown authority", kind: ErrUntrustedCertificate},
		{name: "host name mismatch", baseURL: "https://localhost:" + port, edit: func(c *Config) { c.CACertFile = caFile },
			errText: "not localhost", kind: ErrUntrustedCertificate},
		{name: "CA file without certificates", edit: func(c *Config) { c.CACertFile = notPEM },
			newErr: "CA certificate file " + notPEM + " holds no PEM-encoded certificate"},
		{name: "missing CA file", edit: func(c *Config) { c.CACertFile = filepath.Join(dir, "missing.pem") },
			newErr: "reading CA certificate file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: each case counts the connections it makes.
			baseURL := srv.URL
			if tc.baseURL != "" {
				baseURL = tc.baseURL
			}
			cfg := Config{BaseURL: baseURL, Token: testToken, MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}
			tc.edit(&cfg)
			c, err := New(cfg)
			if tc.newErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.newErr) {
					t.Fatalf("New: %v, want an error saying %q", err, tc.newErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			before := counter.accepted.Load()
			_, err = c.GetDeployment(context.Background(), "1", 7)
			if tc.errText == "" {
				if err != nil {
					t.Fatalf("GetDeployment: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), "not trusted") {
				t.Fatalf("GetDeployment: %v, want %q saying %q", err, tc.kind, tc.errText)
			}
			if tries := counter.accepted.Load() - before; tries != 1 {
				t.Errorf("%d connections, want 1: an untrusted certificate does not get better with retries", tries)
			}
		})
	}
}

func TestSend_plainHTTPServerAtHTTPSURLIsNotRetried(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeMessage(w, 200, "ok") })
	_, err := newTestClient(t, strings.Replace(s.URL, "http://", "https://", 1)).GetDeployment(context.Background(), "1", 7)
	if err == nil || !strings.Contains(err.Error(), "could not reach GitLab") || strings.Contains(err.Error(), "gave up") {
		t.Fatalf("GetDeployment: %v, want one failed try to reach GitLab", err)
	}
}
