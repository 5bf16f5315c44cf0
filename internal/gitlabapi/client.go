package gitlabapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Config says how to reach GitLab. Exactly one of Token and JobToken is set.
type Config struct {
	BaseURL    string
	Token      string
	JobToken   string
	CACertFile string
	Insecure   bool
	UserAgent  string

	// MaxRetries bounds the extra tries of one operation after failures that are safe to retry
	// (429, 5xx to a read, a connection that failed before sending) or after a write that
	// GitLab is seen not to have applied.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound one backoff wait; zero means 1s and 30s. A wait that
	// GitLab names in Retry-After is obeyed up to two minutes when RetryWaitMax is zero, and up to
	// RetryWaitMax when it is set (DESIGN.md §B26).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// RequestTimeout bounds one try, from sending to the end of the answer; zero means 60s.
	RequestTimeout time.Duration
	// UnreachableTimeout bounds the retries of a request that has never reached GitLab
	// (connection refused, dial timeout), counted from its first try: a wrong address fails
	// soon, a GitLab that restarts can be waited for longer. Zero means 30s.
	UnreachableTimeout time.Duration
	// PageConcurrency bounds the list pages fetched at once; zero means 8.
	PageConcurrency int

	// Log receives one line per request and reconciliation, at DEBUG; it never sees a credential.
	Log func(ctx context.Context, msg string, fields map[string]any)
	// Warn receives one line per retry and per request given up, with the reason; it never sees
	// a credential.
	Warn func(ctx context.Context, msg string, fields map[string]any)
}

// Client talks to one GitLab instance. It is safe for concurrent use.
type Client struct {
	gl  *gitlab.Client
	cfg Config

	// clock learns GitLab's time from its answers.
	clock serverClock

	// claimed holds the deployments this process created, so that a create whose answer was
	// lost never adopts a deployment another create of this process owns; createGuards keeps
	// such a search from running while a create with the same parameters awaits its answer.
	mu           sync.Mutex
	claimed      map[int64]bool
	createGuards map[createKey]*sync.RWMutex

	// retryAfterMax bounds a wait GitLab names in Retry-After.
	retryAfterMax time.Duration

	projects SharedAnswers[string, *Project]
	user     currentUser

	// pageFetched, set by tests only, is called when a list page's request returns, before
	// its result is taken.
	pageFetched func(page int)
}

// APIURL turns what users write as a base URL (with or without /api/v4, trailing slash or not)
// into the API root, e.g. https://gitlab.example.com/api/v4/. Its errors are sentences about
// "the URL", for the caller to say whose URL it is.
func APIURL(base string) (string, error) {
	base = strings.TrimSpace(base)
	if !strings.Contains(base, "://") {
		return "", fmt.Errorf("the URL %q has no scheme: write it as %q, or with http:// for a GitLab served "+
			"without TLS", base, "https://"+strings.TrimLeft(base, "/"))
	}
	u, err := url.Parse(base)
	switch {
	case strings.Contains(base, "@") && (err != nil || u.User != nil):
		// Never echo the URL here: it holds a credential.
		return "", errors.New("the URL holds a user name or password (user:password@ before the host): remove " +
			"them, and give the credential as a token instead")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "", fmt.Errorf("the URL %q is not an http:// or https:// URL such as https://gitlab.example.com", base)
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/api/v4")
	u.Path = path + "/api/v4/"
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// New builds a client. It sends no request.
func New(cfg Config) (*Client, error) {
	apiURL, err := APIURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	opts := []gitlab.ClientOptionFunc{
		// APIURL has checked the URL; client-go would otherwise log to the process's stderr.
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
		gitlab.WithBaseURL(apiURL),
		gitlab.WithHTTPClient(httpClient),
		// Retries are ours: client-go would re-send writes whose outcome is unknown.
		gitlab.WithoutRetries(),
		// client-go would throttle itself for life from the first RateLimit-Limit header it sees;
		// we back off on 429 instead.
		gitlab.WithCustomLimiter(unlimited{}),
	}
	if cfg.UserAgent != "" {
		opts = append(opts, gitlab.WithUserAgent(cfg.UserAgent))
	}
	var gl *gitlab.Client
	if cfg.JobToken != "" {
		gl, err = gitlab.NewJobClient(cfg.JobToken, opts...)
	} else {
		gl, err = gitlab.NewClient(cfg.Token, opts...)
	}
	if err != nil {
		return nil, err
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = time.Second
	}
	retryAfterMax := cfg.RetryWaitMax
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 30 * time.Second
		retryAfterMax = defaultRetryAfterMax
	}
	if cfg.PageConcurrency <= 0 {
		cfg.PageConcurrency = 8
	}
	if cfg.UnreachableTimeout <= 0 {
		cfg.UnreachableTimeout = DefaultUnreachableTimeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	return &Client{gl: gl, cfg: cfg, claimed: map[int64]bool{}, createGuards: map[createKey]*sync.RWMutex{},
		retryAfterMax: retryAfterMax}, nil
}

func newHTTPClient(cfg Config) (*http.Client, error) {
	transport := cleanhttp.DefaultPooledTransport()
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificate file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA certificate file %s holds no PEM-encoded certificate", cfg.CACertFile)
		}
		tlsConfig.RootCAs = pool
	}
	if cfg.Insecure {
		tlsConfig.InsecureSkipVerify = true //nolint:gosec // the user asked for it with insecure = true
	}
	transport.TLSClientConfig = tlsConfig
	return &http.Client{Transport: transport, Timeout: cfg.RequestTimeout}, nil
}

// defaultRetryAfterMax bounds a Retry-After wait when RetryWaitMax is left to its default: GitLab's
// deployment_delete limit asks for 60 seconds (DESIGN.md §A12, §B26).
const defaultRetryAfterMax = 2 * time.Minute

type unlimited struct{}

func (unlimited) Wait(context.Context) error { return nil }

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Log != nil {
		c.cfg.Log(ctx, msg, fields)
	}
}

// UsesJobToken reports whether the client authenticates with a CI/CD job token, which GitLab's
// project API treats as no credentials (DESIGN.md §A6).
func (c *Client) UsesJobToken() bool { return c.cfg.JobToken != "" }

func (c *Client) warn(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Warn != nil {
		c.cfg.Warn(ctx, msg, fields)
	}
}

// DefaultUnreachableTimeout is Config.UnreachableTimeout's default.
const DefaultUnreachableTimeout = 30 * time.Second

// projectPath is the API path of a project given by numeric id or full path.
func projectPath(project string) string {
	return "projects/" + gitlab.PathEscape(project)
}
