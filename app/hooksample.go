package app

import (
	"sync"
	"time"
	"unicode/utf8"
)

// Unauthenticated calls to the incoming gateway webhook (unknown gateway,
// source not allowed, bad signature) are counted, never stored whole: at
// most HookSamplesPerMinute of each verdict per minute are logged, each with
// its body and header values cut to SampledBodyBytes. Anyone can send them,
// so storing them all would let anyone fill the disk.
const (
	// DefaultHookSamplesPerMinute is Config.HookSamplesPerMinute's default.
	DefaultHookSamplesPerMinute = 10
	// SampledBodyBytes is how much of a sampled call's body is kept.
	SampledBodyBytes = 256
	// sampledFieldBytes caps the other text a sampled call claims (gateway
	// name, header values, event and transaction ids).
	sampledFieldBytes = 128
)

// sampledVerdicts are the verdicts reached before the caller proved who it
// is.
var sampledVerdicts = map[string]bool{"unknown_gateway": true, "forbidden_source": true, "bad_signature": true}

// hookSampler admits up to perMinute records per verdict per clock minute
// (on this node).
type hookSampler struct {
	perMinute int
	mu        sync.Mutex
	window    time.Time
	counts    map[string]int
}

// admit reports whether one more record of verdict may be stored at now.
func (s *hookSampler) admit(verdict string, now time.Time) bool {
	if s.perMinute < 0 {
		return false
	}
	m := now.Truncate(time.Minute)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !m.Equal(s.window) || s.counts == nil {
		s.window, s.counts = m, map[string]int{}
	}
	if s.counts[verdict] >= s.perMinute {
		return false
	}
	s.counts[verdict]++
	return true
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated]"
}
