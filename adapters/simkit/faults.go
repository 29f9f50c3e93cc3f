package simkit

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// FaultMode is what a Fault does to an endpoint's answer. A simulator may
// define modes of its own (as FaultMode constants); Apply hands every mode
// it does not know to the simulator's Misbehave.
type FaultMode string

// The fault modes the simulators share. FaultNone, FaultNoAnswer and
// FaultDrop are carried out by Apply itself; Fault503 and FaultHTML only
// name the modes, since each gateway answers them with its own body.
const (
	// FaultNone only applies the Fault's Delay.
	FaultNone FaultMode = ""
	// FaultNoAnswer holds the request until the client gives up (its context
	// is done), Faults.Clear or Faults.Close is called, then closes the
	// connection without a response.
	FaultNoAnswer FaultMode = "no_answer"
	// FaultDrop closes the connection at once, without a response.
	FaultDrop FaultMode = "drop"
	// Fault503 answers HTTP 503 with the gateway's maintenance body.
	Fault503 FaultMode = "503"
	// FaultHTML answers with an HTML page where the client expects JSON.
	FaultHTML FaultMode = "html"
)

// Fault makes an endpoint misbehave.
type Fault struct {
	// Delay is real (not simulated) time waited before the operation, or
	// before the answer when After is true. If the client gives up during a
	// delay before the operation, the operation does not happen.
	Delay time.Duration
	// Mode is what happens to the answer (FaultNone: it is sent after Delay).
	Mode FaultMode
	// After makes the operation take full effect first and only then loses
	// or replaces its answer: the "the gateway did it but the client saw a
	// failure" case. When false, a Mode other than FaultNone stops the
	// operation from happening.
	After bool
	// Times is how many calls the fault applies to before it clears itself;
	// 0 applies it until Faults.Clear.
	Times int
}

// Faults is the set of active faults of one simulator, by endpoint key. It
// is safe for concurrent use. The zero value is an empty set, ready to use;
// a Faults must not be copied after first use.
type Faults struct {
	mu      sync.Mutex
	active  map[string]*Fault
	release chan struct{} // closed to let go of requests held by FaultNoAnswer; nil until one is held
	held    int           // requests waiting in Hold
	closed  bool
}

// Set makes calls to endpoint misbehave as f, replacing any fault already
// set there. A Fault with no Delay and FaultNone removes the endpoint's
// fault. Set does not check endpoint or f.Mode; FaultsHandler does.
func (fs *Faults) Set(endpoint string, f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.Delay <= 0 && f.Mode == FaultNone {
		delete(fs.active, endpoint)
		return
	}
	if fs.active == nil {
		fs.active = map[string]*Fault{}
	}
	fs.active[endpoint] = &f
}

// Clear removes every fault and lets go of requests currently held by
// FaultNoAnswer (their connections are closed without a response).
// Requests held later are held again.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	clear(fs.active)
	if fs.release != nil && !fs.closed {
		close(fs.release)
		fs.release = nil
	}
}

// List returns the active faults by endpoint key; Times is what remains.
func (fs *Faults) List() map[string]Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make(map[string]Fault, len(fs.active))
	for k, f := range fs.active {
		out[k] = *f
	}
	return out
}

// Take returns the fault to apply to one call of endpoint, using up one of
// its Times (the fault is removed when none remain); ok is false when the
// endpoint has no fault.
func (fs *Faults) Take(endpoint string) (f Fault, ok bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	active := fs.active[endpoint]
	if active == nil {
		return Fault{}, false
	}
	out := *active
	if active.Times > 0 {
		if active.Times--; active.Times == 0 {
			delete(fs.active, endpoint)
		}
	}
	return out, true
}

// Close lets go of every request held by FaultNoAnswer, now and later. A
// simulator calls it before its HTTP server shuts down, so that shutdown
// does not wait for clients to give up. Faults stay set.
func (fs *Faults) Close() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return
	}
	fs.closed = true
	if fs.release != nil {
		close(fs.release)
	}
}

// Hold blocks until ctx is done, Clear or Close is called, or at once if
// Close was called already: the wait of FaultNoAnswer.
func (fs *Faults) Hold(ctx context.Context) {
	fs.mu.Lock()
	if fs.closed {
		fs.mu.Unlock()
		return
	}
	if fs.release == nil {
		fs.release = make(chan struct{})
	}
	release := fs.release
	fs.held++
	fs.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-release:
	}
	fs.mu.Lock()
	fs.held--
	fs.mu.Unlock()
}

// Held returns how many requests are waiting in Hold. Once a request is
// counted here, Clear or Close lets it go: a test waits for Held to reach
// the number it expects, instead of sleeping, before it releases them.
func (fs *Faults) Held() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.held
}

// Answer writes a response that was computed earlier. Computing an
// operation's answer apart from writing it lets a fault lose or replace the
// answer after the operation took effect.
type Answer func(w http.ResponseWriter)

// Misbehave answers a call hit by a fault mode that Apply does not carry out
// itself: every mode but FaultNone, FaultNoAnswer and FaultDrop (Fault503,
// FaultHTML and a simulator's own modes, or an unknown mode set through
// Faults.Set).
type Misbehave func(w http.ResponseWriter, r *http.Request, mode FaultMode)

// Serve answers one call of endpoint: it takes the endpoint's fault and
// runs the call under it with Apply, or, when there is none, runs op and
// writes its answer.
func (fs *Faults) Serve(w http.ResponseWriter, r *http.Request, endpoint string, op func() Answer, misbehave Misbehave) {
	f, ok := fs.Take(endpoint)
	if !ok {
		op()(w)
		return
	}
	fs.Apply(w, r, f, op, misbehave)
}

// Apply answers one call under fault f. op performs the operation and
// returns its answer. Without f.After, Apply waits f.Delay, then either
// misbehaves (op never runs) or, for FaultNone, runs op and writes its
// answer. With f.After, op runs first, then Apply waits f.Delay and either
// misbehaves (the answer is lost) or writes the answer. If the client gives
// up during the delay the connection is dropped. FaultNoAnswer holds the
// request (see Hold) and drops the connection; FaultDrop drops it at once;
// any other mode is answered by misbehave.
func (fs *Faults) Apply(w http.ResponseWriter, r *http.Request, f Fault, op func() Answer, misbehave Misbehave) {
	var answer Answer
	if f.After {
		answer = op() // the operation takes effect whatever happens next
	}
	if !Sleep(r.Context(), f.Delay) {
		Drop(w)
		return
	}
	switch f.Mode {
	case FaultNone:
		if !f.After {
			answer = op()
		}
		answer(w)
	case FaultNoAnswer:
		fs.Hold(r.Context())
		Drop(w)
	case FaultDrop:
		Drop(w)
	default:
		misbehave(w, r, f.Mode)
	}
}

// Sleep waits d, or less if ctx is done first; it reports whether d elapsed
// (for d <= 0, whether ctx is still live).
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Drop closes the client connection without writing a response. When the
// connection cannot be hijacked (HTTP/2, or a ResponseWriter wrapper
// without Unwrap), it aborts the handler with http.ErrAbortHandler, which
// has the same effect.
func Drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
