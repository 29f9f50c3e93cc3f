package graph

import (
	"sync"
	"time"
)

// wheel calls fn on each of its members every interval, from one goroutine
// for all of them (running only while it has members) instead of a timer
// and a goroutine per member: websockets' pings and principal re-checks.
// fn runs one member after the other and should not block for long. A
// member added just before a round gets its first call early.
type wheel[T comparable] struct {
	every time.Duration
	fn    func(T)

	mu      sync.Mutex
	members map[T]struct{}
	running bool
}

func newWheel[T comparable](every time.Duration, fn func(T)) *wheel[T] {
	return &wheel[T]{every: every, fn: fn, members: map[T]struct{}{}}
}

// add puts m on the wheel.
func (w *wheel[T]) add(m T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members[m] = struct{}{}
	if !w.running {
		w.running = true
		go w.run()
	}
}

// remove takes m off the wheel; fn may still be running on it once.
func (w *wheel[T]) remove(m T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.members, m)
}

func (w *wheel[T]) run() {
	t := time.NewTicker(w.every)
	defer t.Stop()
	var round []T
	for range t.C {
		w.mu.Lock()
		if len(w.members) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		round = round[:0]
		for m := range w.members {
			round = append(round, m)
		}
		w.mu.Unlock()
		for _, m := range round {
			w.fn(m)
		}
	}
}
