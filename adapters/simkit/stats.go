package simkit

import (
	"net/http"
	"sync"
)

// Stats counts calls per endpoint key. The set of keys is fixed when it is
// made: every key is reported, with 0 when it was never called. It is safe
// for concurrent use.
type Stats struct {
	keys []string

	mu sync.Mutex
	n  map[string]int
}

// NewStats returns counters for keys, all at zero.
func NewStats(keys ...string) *Stats {
	return &Stats{keys: keys, n: make(map[string]int, len(keys))}
}

// Inc counts one call to key. A key NewStats was not given is counted but
// never reported.
func (s *Stats) Inc(key string) {
	s.mu.Lock()
	s.n[key]++
	s.mu.Unlock()
}

// Snapshot returns the count of every key since NewStats or the last Reset.
func (s *Stats) Snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.keys))
	for _, k := range s.keys {
		out[k] = s.n[k]
	}
	return out
}

// Reset sets every count to zero.
func (s *Stats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.n)
}

// Register routes the stats admin routes of mux: GET /stats answers the
// Snapshot as a JSON object; POST /stats/reset calls reset (nil: s.Reset,
// for a simulator that also forgets other counts on a reset), then answers
// like GET /stats.
func (s *Stats) Register(mux *http.ServeMux, reset func()) {
	if reset == nil {
		reset = s.Reset
	}
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, s.Snapshot())
	})
	mux.HandleFunc("POST /stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		reset()
		WriteJSON(w, http.StatusOK, s.Snapshot())
	})
}
