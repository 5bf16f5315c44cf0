package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// call is one API request. A write is never re-sent by send once it may have reached GitLab.
type call struct {
	method string
	path   string
	opt    any
	out    any
}

func (c call) write() bool { return c.method != http.MethodGet }

// send performs the request, retrying 429s, 5xx answers to reads and failures that happened
// before the request left this machine. A write that got a 5xx or lost its connection returns
// an error wrapping ErrOutcomeUnknown, for the caller to reconcile.
func (c *Client) send(ctx context.Context, req call) (*gitlab.Response, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		resp, err := c.sendOnce(ctx, req)
		if err == nil {
			return resp, nil
		}
		wait, retry := c.retryAfter(req, resp, err, attempt)
		if !retry {
			return resp, err
		}
		lastErr = err
		if attempt >= c.cfg.MaxRetries {
			return resp, fmt.Errorf("gave up after %d tries: %w", attempt+1, lastErr)
		}
		c.log(ctx, "retrying GitLab request", map[string]any{
			"method": req.method, "path": req.path, "attempt": attempt + 1, "wait": wait.String(), "error": err.Error(),
		})
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return resp, fmt.Errorf("%w (while waiting to retry after: %w)", ctx.Err(), lastErr)
		case <-timer.C:
		}
	}
}

func (c *Client) sendOnce(ctx context.Context, req call) (*gitlab.Response, error) {
	r, err := c.gl.NewRequest(req.method, req.path, req.opt, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, err
	}
	resp, err := c.gl.Do(r, req.out)
	if err == nil {
		return resp, nil
	}
	var er *gitlab.ErrorResponse
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		return resp, newError(req.method, "/"+req.path, http.StatusNotFound, nil)
	case errors.As(err, &er) && er.Response != nil:
		return resp, newError(req.method, "/"+req.path, er.Response.StatusCode, er.Body)
	case ctx.Err() != nil:
		return resp, ctx.Err()
	case sentNothing(err):
		return resp, &transportError{err: err, sent: false}
	default:
		return resp, &transportError{err: err, sent: true}
	}
}

// transportError is a failure with no HTTP answer.
type transportError struct {
	err  error
	sent bool
}

func (e *transportError) Error() string {
	if e.sent {
		return "the connection to GitLab failed before an answer arrived: " + e.err.Error()
	}
	return "could not reach GitLab: " + e.err.Error()
}

func (e *transportError) Unwrap() error { return e.err }

// sentNothing reports whether a transport error happened before the request could reach
// GitLab (name lookup, connection set-up or TLS handshake).
func sentNothing(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return true
	case errors.As(err, &opErr):
		return opErr.Op == "dial"
	}
	return false
}

// retryAfter decides whether a failed request may be sent again, and after how long.
func (c *Client) retryAfter(req call, resp *gitlab.Response, err error, attempt int) (time.Duration, bool) {
	var te *transportError
	if errors.As(err, &te) {
		if te.sent && req.write() {
			return 0, false
		}
		if !te.sent {
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
				return 0, false
			}
		}
		return c.backoff(attempt), true
	}
	switch status := StatusCode(err); {
	case status == http.StatusTooManyRequests:
		// GitLab's throttle answers before the request is handled, so even a write is safe.
		return c.rateLimitWait(resp, attempt), true
	case status >= 500 && status != http.StatusNotImplemented:
		return c.backoff(attempt), !req.write()
	}
	return 0, false
}

// backoff is capped exponential backoff with jitter: half fixed, half random.
func (c *Client) backoff(attempt int) time.Duration {
	wait := c.cfg.RetryWaitMin << min(attempt, 20)
	if wait <= 0 || wait > c.cfg.RetryWaitMax {
		wait = c.cfg.RetryWaitMax
	}
	half := wait / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// rateLimitWait honours Retry-After, then RateLimit-Reset, capped at RetryWaitMax.
func (c *Client) rateLimitWait(resp *gitlab.Response, attempt int) time.Duration {
	if resp != nil && resp.Response != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return c.capWait(time.Duration(s)*time.Second + jitter(c.cfg.RetryWaitMin))
		}
		if reset, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
			return c.capWait(time.Until(time.Unix(reset, 0)) + jitter(c.cfg.RetryWaitMin))
		}
	}
	return c.backoff(attempt)
}

func (c *Client) capWait(d time.Duration) time.Duration {
	return max(0, min(d, c.cfg.RetryWaitMax))
}

// jitter spreads clients that were throttled together over up to a quarter of d.
func jitter(d time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(d)/4 + 1))
}
