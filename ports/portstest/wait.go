package portstest

import (
	"testing"
	"time"
)

// Await checks cond until it holds, for at most within, and reports
// whether it did: a wait on a condition that another goroutine or process
// brings about (a socket closed, a job worked), never on time itself —
// moving time is the Clock's job. cond is checked at once, then every
// millisecond.
func Await(within time.Duration, cond func() bool) bool {
	if cond() {
		return true
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
			if cond() {
				return true
			}
		}
	}
}

// WaitFor fails tb unless cond holds within 10 s (Await); what names the
// condition in the failure.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	if !Await(10*time.Second, cond) {
		tb.Fatalf("timed out waiting for %s", what)
	}
}
