package jobs

import (
	"context"
	"testing"
	"time"
)

// A delivery over a healthy endpoint's cap waits for a slot in-process
// (no snooze) and takes it as soon as one of that endpoint's deliveries ends.
func TestEndpointLimitHealthyWaitsForSlot(t *testing.T) {
	l := newEndpointLimit(2, 4)
	ctx := context.Background()
	for range 4 {
		if !l.acquire(ctx, "http://a", time.Hour) {
			t.Fatal("a healthy endpoint under its cap was refused a slot")
		}
	}
	got := make(chan bool)
	go func() { got <- l.acquire(ctx, "http://a", time.Hour) }()
	// Another endpoint is not held up by a's waiter.
	if !l.acquire(ctx, "http://b", 0) {
		t.Fatal("another endpoint was refused a slot")
	}
	l.release("http://a", time.Millisecond, false, time.Now())
	if !<-got {
		t.Fatal("the waiting delivery did not get the freed slot")
	}
}

// The wait is bounded: with no slot freed in time the delivery is snoozed.
func TestEndpointLimitWaitIsBounded(t *testing.T) {
	l := newEndpointLimit(2, 1)
	ctx := context.Background()
	if !l.acquire(ctx, "http://a", 0) {
		t.Fatal("first delivery refused")
	}
	if l.acquire(ctx, "http://a", time.Millisecond) {
		t.Fatal("a delivery over the cap got a slot without one being freed")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if l.acquire(cctx, "http://a", time.Hour) {
		t.Fatal("a cancelled delivery got a slot")
	}
}

// A slow or failing endpoint gets WebhooksPerEndpoint slots and no wait:
// the delivery over it is snoozed at once, and a waiter gives up as soon as
// the endpoint turns slow.
func TestEndpointLimitSlowEndpointDoesNotWait(t *testing.T) {
	l := newEndpointLimit(1, 2)
	ctx := context.Background()
	for range 2 {
		if !l.acquire(ctx, "http://dead", 0) {
			t.Fatal("healthy endpoint refused under its cap")
		}
	}
	got := make(chan bool)
	go func() { got <- l.acquire(ctx, "http://dead", time.Hour) }()
	// One delivery fails: the endpoint is slow, its cap 1 with 1 still
	// running, so the waiter snoozes instead of taking the freed slot.
	l.release("http://dead", 10*time.Second, true, time.Now())
	if <-got {
		t.Fatal("a waiter took a slot of an endpoint that turned slow past its cap")
	}
	start := time.Now()
	if l.acquire(ctx, "http://dead", time.Hour) {
		t.Fatal("a slow endpoint at its cap gave a slot")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a delivery to a slow endpoint waited %s, want an immediate snooze", d)
	}
}
