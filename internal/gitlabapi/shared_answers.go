package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// SharedAnswers asks GitLab at most once per key and shares its answer with the callers that
// wait for it and those that come later. Only GitLab's answer about the thing asked for is kept
// (a success, or a 404 or 403 that asking again would only repeat): any other failure (a 5xx
// after the retries, an unreachable GitLab, a cancellation) is asked again by the next caller,
// and callers that waited for an asker who gave up ask with their own context. The zero value is
// ready to use.
type SharedAnswers[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]*sharedAnswer[V]
	// OnWait, set by tests only, is called when a caller starts waiting for another's request.
	OnWait func()
}

type sharedAnswer[V any] struct {
	done        chan struct{} // closed once value, err and askerGaveUp are set
	value       V
	err         error
	askerGaveUp bool
}

// Get returns the answer for key, asking with ask unless another caller has asked or is asking.
// alias, when not nil, names another key under which an answer is shared too (the other spelling
// of the same thing), unless that key has an entry already.
func (s *SharedAnswers[K, V]) Get(ctx context.Context, key K, ask func(context.Context) (V, error), alias func(V) K) (V, error) {
	for {
		v, again, err := s.getOnce(ctx, key, ask, alias)
		if !again {
			return v, err
		}
	}
}

// getOnce asks, or waits for the caller already asking; again is true when that caller gave up
// before GitLab answered.
func (s *SharedAnswers[K, V]) getOnce(ctx context.Context, key K, ask func(context.Context) (V, error), alias func(V) K) (_ V, again bool, _ error) {
	s.mu.Lock()
	if s.entries == nil {
		s.entries = map[K]*sharedAnswer[V]{}
	}
	e, found := s.entries[key]
	if !found {
		e = &sharedAnswer[V]{done: make(chan struct{})}
		s.entries[key] = e
	}
	s.mu.Unlock()
	if found {
		if s.OnWait != nil {
			s.OnWait()
		}
		select {
		case <-e.done:
			return e.value, e.askerGaveUp, e.err
		case <-ctx.Done():
			var zero V
			return zero, false, ctx.Err()
		}
	}

	v, err := ask(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch status := StatusCode(err); {
	case err == nil && alias != nil:
		if other := alias(v); s.entries[other] == nil {
			s.entries[other] = e
		}
	case err != nil && status != http.StatusNotFound && status != http.StatusForbidden:
		delete(s.entries, key)
	}
	e.value, e.err = v, err
	e.askerGaveUp = errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	close(e.done)
	return v, false, err
}
