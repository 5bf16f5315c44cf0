package gitlabapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// call is one API operation.
type call struct {
	method string
	path   string
	query  url.Values // sent in the URL
	body   any        // sent as JSON
	out    any        // filled from a successful answer

	// settle, for a write, is asked whether GitLab applied the write after its answer was lost
	// (a 5xx, a timeout, a connection closed after sending); when it did, settle fills out. A
	// write without settle is never sent twice.
	settle func(ctx context.Context) (applied bool, err error)
	// inFlightLock is read-locked while the request awaits its answer, so that a search for
	// what a lost write made waits for it (DESIGN.md §B9).
	inFlightLock *sync.RWMutex
	// onSuccess runs before inFlightLock is released.
	onSuccess func()
}

func (c call) write() bool { return c.method != http.MethodGet }

// send performs one operation. It retries 429s, 5xx answers to reads and failures that happened
// before the request left this machine; it sends a write again only after settle has seen that
// GitLab did not apply it. Every try after the first counts against MaxRetries and each wait is
// at most RetryWaitMax, so the time spent is bounded.
func (c *Client) send(ctx context.Context, req call) (*gitlab.Response, error) {
	first := time.Now()
	for try := 1; ; try++ {
		resp, err := c.sendOnce(ctx, req, try)
		if err == nil {
			return resp, nil
		}
		wait, reason := c.retryAfter(req, resp, err, try)
		if req.write() && outcomeUnknown(err) {
			applied, settleErr := c.settle(ctx, req, err, try)
			if settleErr != nil || applied {
				return nil, settleErr
			}
			// GitLab holds nothing of it: sending it again cannot make a duplicate.
			wait, reason = 0, "GitLab did not apply the write whose answer was lost"
		}
		if reason == "" {
			return resp, err
		}
		fields := map[string]any{"method": req.method, "path": "/" + req.path, "try": try, "reason": reason, "error": err.Error()}
		if unreached(err) && time.Since(first)+wait > c.cfg.UnreachableTimeout {
			fields["unreachable_timeout"] = c.cfg.UnreachableTimeout.String()
			c.warn(ctx, "giving up on GitLab request: GitLab stayed unreachable", fields)
			return resp, fmt.Errorf("gave up after %d tries in %s: %w", try, time.Since(first).Round(time.Second), err)
		}
		if try > c.cfg.MaxRetries {
			fields["max_retries"] = c.cfg.MaxRetries
			c.warn(ctx, "giving up on GitLab request: no retries left", fields)
			return resp, fmt.Errorf("gave up after %d tries; the last: %w", try, err)
		}
		fields["try"], fields["wait"] = try+1, wait.String()
		c.warn(ctx, "retrying GitLab request", fields)
		if sleepErr := sleep(ctx, wait); sleepErr != nil {
			return resp, fmt.Errorf("%w while waiting to try again after: %w", sleepErr, err)
		}
	}
}

// settle asks the call whether GitLab applied a write whose answer was lost.
func (c *Client) settle(ctx context.Context, req call, err error, try int) (bool, error) {
	if req.settle == nil {
		return false, fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
	// A proxy's 502 or a timeout can come while GitLab is still working on the request.
	if sleepErr := sleep(ctx, c.backoff(try)); sleepErr != nil {
		return false, fmt.Errorf("%w: %w; then %w", ErrOutcomeUnknown, err, sleepErr)
	}
	c.log(ctx, "the answer to a write was lost; checking whether GitLab applied it", map[string]any{
		"method": req.method, "path": "/" + req.path, "error": err.Error(),
	})
	applied, settleErr := req.settle(ctx)
	if settleErr != nil {
		// %v: the check's own kind (say, a 404) must not pass for the write's.
		return false, fmt.Errorf("%w: %w; checking GitLab afterwards failed too: %v", ErrOutcomeUnknown, err, settleErr) //nolint:errorlint // see above
	}
	return applied, nil
}

func (c *Client) sendOnce(ctx context.Context, req call, try int) (*gitlab.Response, error) {
	// Whether the request left this machine decides whether a failure may have reached GitLab.
	var wrote atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	r, err := c.gl.NewRequest(req.method, req.path, req.body, []gitlab.RequestOptionFunc{
		gitlab.WithContext(traced), withQuery(req.query),
	})
	if err != nil {
		return nil, err
	}
	var notFoundBody []byte
	r.SetResponseHandler(func(resp *http.Response) error {
		c.clock.observe(resp.Header)
		if resp.StatusCode == http.StatusNotFound {
			// client-go drops a 404's body, but it tells a missing record from a missing project.
			notFoundBody, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		}
		return nil
	})
	if req.inFlightLock != nil {
		req.inFlightLock.RLock()
		defer req.inFlightLock.RUnlock()
	}
	started := time.Now()
	resp, err := c.gl.Do(r, req.out)
	c.logRequest(ctx, r.Method, r.URL, try, time.Since(started), resp, err)
	if err == nil {
		if req.onSuccess != nil {
			req.onSuccess()
		}
		return resp, nil
	}
	var er *gitlab.ErrorResponse
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		return resp, newError(req.method, "/"+req.path, http.StatusNotFound, notFoundBody)
	case errors.As(err, &er) && er.Response != nil:
		return resp, newError(req.method, "/"+req.path, er.Response.StatusCode, er.Body)
	case ctx.Err() != nil:
		if req.write() {
			return resp, fmt.Errorf("%w: %s %s was interrupted (%w); GitLab may have applied it",
				ErrOutcomeUnknown, req.method, "/"+req.path, ctx.Err())
		}
		return resp, ctx.Err()
	case resp != nil:
		// A success whose body could not be decoded.
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
			return resp, &Error{Method: req.method, Path: "/" + req.path, StatusCode: resp.StatusCode,
				Message: fmt.Sprintf("the answer is %q, not JSON: is the base URL that of GitLab?", mt), kind: ErrNotJSON}
		}
		return resp, &transportError{err: err, sent: true}
	default:
		return resp, newTransportError(err, wrote.Load())
	}
}

// logRequest logs one HTTP request at DEBUG: method, path and query (secret parameters
// redacted), status, duration, try and GitLab's request id.
func (c *Client) logRequest(ctx context.Context, method string, u *url.URL, try int, took time.Duration, resp *gitlab.Response, err error) {
	if c.cfg.Log == nil {
		return
	}
	fields := map[string]any{
		"method": method, "path": redactedRequestURI(u), "try": try, "duration_ms": took.Milliseconds(),
	}
	if resp != nil && resp.Response != nil {
		fields["status"] = resp.StatusCode
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			fields["request_id"] = id
		}
	} else if err != nil {
		fields["error"] = err.Error()
	}
	c.log(ctx, "GitLab request", fields)
}

// secretQueryParameters are the query parameters GitLab takes credentials from.
var secretQueryParameters = []string{"private_token", "job_token", "access_token"}

// redactedRequestURI is the path and query of u with the value of every parameter that carries a
// credential replaced. This client sends credentials in headers only; this is a second lock.
func redactedRequestURI(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	q := u.Query()
	for name := range q {
		for _, secret := range secretQueryParameters {
			if strings.EqualFold(name, secret) {
				q[name] = []string{"REDACTED"}
			}
		}
	}
	return u.EscapedPath() + "?" + q.Encode()
}

// withQuery puts the query parameters into the request URL.
func withQuery(q url.Values) gitlab.RequestOptionFunc {
	return func(r *retryablehttp.Request) error {
		if len(q) > 0 {
			r.URL.RawQuery = q.Encode()
		}
		return nil
	}
}

// transportError is a failure with no HTTP answer.
type transportError struct {
	err       error
	sent      bool  // the request may have reached GitLab
	permanent bool  // trying again cannot help
	kind      error // for errors.Is, or nil
}

func newTransportError(err error, sent bool) *transportError {
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &certErr):
		return &transportError{err: err, sent: sent, permanent: true, kind: ErrUntrustedCertificate}
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// https:// for a server that speaks plain HTTP, or some other non-TLS service.
		return &transportError{err: err, sent: sent, permanent: true, kind: ErrUnreachable}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return &transportError{err: err, sent: sent, permanent: true, kind: ErrUnreachable}
	case !sent:
		return &transportError{err: err, kind: ErrUnreachable}
	}
	return &transportError{err: err, sent: sent}
}

func (e *transportError) Error() string {
	switch {
	case errors.Is(e.kind, ErrUnreachable):
		return "could not reach GitLab: " + e.err.Error()
	case e.kind != nil:
		return fmt.Sprintf("%v: %v", e.kind, e.err)
	case e.sent:
		return "the connection to GitLab failed before an answer arrived: " + e.err.Error()
	}
	return "could not reach GitLab: " + e.err.Error()
}

func (e *transportError) Unwrap() []error {
	if e.kind != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.err}
}

// unreached reports whether a failed request never reached GitLab.
func unreached(err error) bool {
	var te *transportError
	return errors.As(err, &te) && !te.sent
}

// outcomeUnknown reports whether a failed request may have been applied by GitLab.
func outcomeUnknown(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return te.sent
	}
	status := StatusCode(err)
	return status >= 500 && status != http.StatusNotImplemented
}

// retryAfter decides whether a failed request may be sent again as it is, and after how long;
// the reason is "" when it may not.
func (c *Client) retryAfter(req call, resp *gitlab.Response, err error, try int) (time.Duration, string) {
	var te *transportError
	if errors.As(err, &te) {
		switch {
		case te.permanent:
			return 0, ""
		case !te.sent:
			return c.backoff(try), "the connection failed before the request was sent"
		case !req.write():
			return c.backoff(try), "the connection failed before an answer came, and a read is safe to repeat"
		}
		return 0, ""
	}
	switch status := StatusCode(err); {
	case status == http.StatusTooManyRequests:
		// GitLab's throttle answers before the request is handled, so even a write is safe.
		return c.rateLimitWait(resp, try), "GitLab throttled the request (429); waiting as its Retry-After or RateLimit-Reset header asks"
	case status >= 500 && status != http.StatusNotImplemented && !req.write():
		return c.backoff(try), fmt.Sprintf("GitLab answered %d to a read, which is safe to repeat", status)
	}
	return 0, ""
}

// backoff is capped exponential backoff with jitter, half fixed and half random: the first
// retry waits about RetryWaitMin, each later one twice as long, never more than RetryWaitMax.
func (c *Client) backoff(try int) time.Duration {
	wait := c.cfg.RetryWaitMin << min(try-1, 20)
	if wait <= 0 || wait > c.cfg.RetryWaitMax {
		wait = c.cfg.RetryWaitMax
	}
	half := wait / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// rateLimitWait honours Retry-After (seconds or an HTTP date), capped at retryAfterMax, then
// RateLimit-Reset (a Unix time), capped at RetryWaitMax, plus a little jitter (DESIGN.md §B26).
func (c *Client) rateLimitWait(resp *gitlab.Response, try int) time.Duration {
	if resp == nil || resp.Response == nil {
		return c.backoff(try)
	}
	h := resp.Header
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return c.capRetryAfter(time.Duration(s)*time.Second + jitter(c.cfg.RetryWaitMin))
	}
	if t, err := http.ParseTime(h.Get("Retry-After")); err == nil {
		return c.capRetryAfter(time.Until(t) + jitter(c.cfg.RetryWaitMin))
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
		return c.capWait(time.Until(time.Unix(reset, 0)) + jitter(c.cfg.RetryWaitMin))
	}
	return c.backoff(try)
}

func (c *Client) capWait(d time.Duration) time.Duration {
	return max(0, min(d, c.cfg.RetryWaitMax))
}

func (c *Client) capRetryAfter(d time.Duration) time.Duration {
	return max(0, min(d, c.retryAfterMax))
}

// jitter spreads clients that were throttled together over up to a quarter of d.
func jitter(d time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(d)/4 + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// serverClock learns GitLab's time from the Date header of its answers, so that a search for a
// deployment created "since the request was sent" does not depend on this machine's clock.
type serverClock struct {
	known  atomic.Bool
	offset atomic.Int64 // GitLab's time minus ours, in nanoseconds
}

func (s *serverClock) observe(h http.Header) {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	// Date is truncated to the second and was set before the answer travelled, so this offset
	// is never later than the true one.
	s.offset.Store(int64(time.Until(date)))
	s.known.Store(true)
}

// earliest returns a GitLab time at most about two seconds before GitLab's clock read at our
// time t, or false when no answer has shown GitLab's clock yet.
func (s *serverClock) earliest(t time.Time) (time.Time, bool) {
	if !s.known.Load() {
		return time.Time{}, false
	}
	return t.Add(time.Duration(s.offset.Load()) - time.Second), true
}
