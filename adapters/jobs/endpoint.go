package jobs

// Per-endpoint limits on webhook deliveries: one merchant endpoint, slow,
// dead or just busy, cannot hold every webhook worker of a node.

import (
	"context"
	"net/url"
	"sync"
	"time"
)

// WebhookSnooze is how long a delivery is put back when its endpoint
// already has its share of deliveries running on this node (and, for a
// healthy endpoint, none ended within WebhookSlotWait).
const WebhookSnooze = time.Second

// WebhookSlotWait bounds how long a delivery to a healthy endpoint at its
// cap waits in-process for a slot before it is snoozed. A healthy
// endpoint's deliveries end within SlowEndpoint, usually milliseconds, so
// the wait is short and saves the job row's UPDATE and refetch that a
// snooze costs; an endpoint that turns slow wakes its waiters to snooze at
// once, and an endpoint dead but not yet known holds a waiting worker at
// most this long.
const WebhookSlotWait = 500 * time.Millisecond

// SlowEndpoint: a delivery that failed or took longer than this marks its
// endpoint slow for SlowEndpointFor; a fast success clears it.
const (
	SlowEndpoint    = 2 * time.Second
	SlowEndpointFor = 30 * time.Second
)

// endpointLimit counts running deliveries per endpoint on this node: a
// healthy endpoint may use half the webhook workers (healthy), a slow or
// failing one max of them, so neither a dead endpoint not yet known as
// such nor one known slow can take every worker.
type endpointLimit struct {
	max     int
	healthy int
	mu      sync.Mutex
	busy    map[string]int
	slow    map[string]time.Time     // until when
	freed   map[string]chan struct{} // closed when one of the endpoint's deliveries ends
}

func newEndpointLimit(max, healthy int) *endpointLimit {
	return &endpointLimit{max: max, healthy: healthy, busy: map[string]int{}, slow: map[string]time.Time{},
		freed: map[string]chan struct{}{}}
}

// tryAcquire takes a slot for endpoint if it has one free. Otherwise it
// returns false and, for a healthy endpoint, a channel closed when one of
// its deliveries ends (nil for a slow one: waiting is pointless).
func (l *endpointLimit) tryAcquire(endpoint string, now time.Time) (bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit, slow := l.healthy, false
	if until, ok := l.slow[endpoint]; ok {
		if now.After(until) {
			delete(l.slow, endpoint)
		} else {
			limit, slow = l.max, true
		}
	}
	if l.busy[endpoint] < limit {
		l.busy[endpoint]++
		return true, nil
	}
	if slow {
		return false, nil
	}
	ch, ok := l.freed[endpoint]
	if !ok {
		ch = make(chan struct{})
		l.freed[endpoint] = ch
	}
	return false, ch
}

// acquire takes a slot for endpoint, waiting up to wait (or ctx) while a
// healthy endpoint is at its cap; false: snooze the delivery.
func (l *endpointLimit) acquire(ctx context.Context, endpoint string, wait time.Duration) bool {
	var timeout <-chan time.Time
	for {
		ok, freed := l.tryAcquire(endpoint, time.Now())
		if ok || freed == nil {
			return ok
		}
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// release ends a delivery that took took and failed (or not).
func (l *endpointLimit) release(endpoint string, took time.Duration, failed bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[endpoint]--; l.busy[endpoint] <= 0 {
		delete(l.busy, endpoint)
	}
	if failed || took > SlowEndpoint {
		l.slow[endpoint] = now.Add(SlowEndpointFor)
	} else {
		delete(l.slow, endpoint)
	}
	if ch, ok := l.freed[endpoint]; ok { // waiters re-check: a slot, or the endpoint now slow
		close(ch)
		delete(l.freed, endpoint)
	}
}

// endpointOf is a URL's scheme and host[:port] ("" if it does not parse).
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
