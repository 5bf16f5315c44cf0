package provider

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// currentDeploymentStub answers the list of an environment's current deployment with #7, except
// that the first request hangs until its caller goes away (arrived is closed when it comes).
func currentDeploymentStub(t *testing.T, arrived chan struct{}) *gitlabapi.Client {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 && arrived != nil {
			close(arrived)
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":7,"iid":7,"status":"success","ref":"main","sha":"abc"}]`))
	}))
	t.Cleanup(srv.Close)
	c, err := gitlabapi.New(gitlabapi.Config{BaseURL: srv.URL, Token: tokenRoot, RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCurrentDeployments_canceledReadNotKept: the destroy check's read of an environment's current
// deployment, canceled, is asked again by the next plan in the process (issue 18 item 13).
func TestCurrentDeployments_canceledReadNotKept(t *testing.T) {
	t.Parallel()
	current := newCurrentDeployments(currentDeploymentStub(t, nil))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := current.id(canceled, "acme/app", "review/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled read error = %v, want context.Canceled", err)
	}
	if id, err := current.id(context.Background(), "acme/app", "review/x"); err != nil || id != 7 {
		t.Errorf("read after a canceled one = %d, %v; want deployment 7", id, err)
	}
}

// TestCurrentDeployments_waiterKeepsItsOwnContext: a plan waiting for another plan's read of the
// same environment reads for itself when that one is canceled, instead of failing with its
// cancellation (issue 18 item 13).
func TestCurrentDeployments_waiterKeepsItsOwnContext(t *testing.T) {
	t.Parallel()
	arrived, waiting := make(chan struct{}), make(chan struct{})
	current := newCurrentDeployments(currentDeploymentStub(t, arrived))
	current.reads.OnWait = func() { close(waiting) }
	firstCtx, cancelFirst := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		_, err := current.id(firstCtx, "acme/app", "review/x")
		firstDone <- err
	}()
	<-arrived
	type result struct {
		id  int64
		err error
	}
	waiterDone := make(chan result, 1)
	go func() {
		id, err := current.id(context.Background(), "acme/app", "review/x")
		waiterDone <- result{id, err}
	}()
	<-waiting
	cancelFirst()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the canceled read got %v, want context.Canceled", err)
	}
	if got := <-waiterDone; got.err != nil || got.id != 7 {
		t.Errorf("the waiting read got %d, %v; want deployment 7: it was not canceled", got.id, got.err)
	}
}
