package smssim

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode string

// Fault modes, each a failure an SMS client meets in the field.
const (
	// FaultNone only applies the Fault's Delay.
	FaultNone FaultMode = ""
	// FaultInternal answers the provider's transient refusal with HTTP 200:
	// BulkSMSBD response_code 1005 "Internal Error" (retryable); GreenWeb
	// status FAILED with a "please try again" statusmsg.
	FaultInternal FaultMode = "internal"
	// FaultDown answers HTTP 503 with an HTML page, as a provider under
	// maintenance or a proxy in front of it does.
	FaultDown FaultMode = "down"
	// FaultNoAnswer holds the request until the client gives up (its context
	// is done), ClearFaults or Close is called, then closes the connection
	// without a response.
	FaultNoAnswer FaultMode = "no_answer"
	// FaultDrop closes the connection at once, without a response.
	FaultDrop FaultMode = "drop"
)

var faultModes = []FaultMode{FaultNone, FaultInternal, FaultDown, FaultNoAnswer, FaultDrop}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
type Fault struct {
	// Delay is real (not simulated) time waited before the operation, or
	// before the answer when After is true. If the client gives up during a
	// delay before the operation, the operation does not happen.
	Delay time.Duration
	// Mode is what happens to the answer (FaultNone: it is sent after Delay).
	Mode FaultMode
	// After makes the operation take full effect first (the message is
	// recorded and charged) and only then loses or replaces its answer: the
	// "sent, but the client saw a failure" case that makes a retry send the
	// SMS twice. When false, a Mode other than FaultNone stops the operation.
	After bool
	// Times is how many calls the fault applies to before it clears itself;
	// 0 applies it until ClearFaults.
	Times int
}

// SetFault makes calls to endpoint (an Endpoint* key) misbehave as f,
// replacing any fault already set there. A Fault with no Delay and FaultNone
// removes the endpoint's fault.
func (s *Simulator) SetFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Delay <= 0 && f.Mode == FaultNone {
		delete(s.faults, endpoint)
		return
	}
	s.faults[endpoint] = &f
}

// ClearFaults removes every fault and lets go of requests currently held by
// FaultNoAnswer (their connections are closed without a response).
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
	if !s.closed {
		close(s.release)
		s.release = make(chan struct{})
	}
}

// Faults returns the active faults by endpoint key; Times is what remains.
func (s *Simulator) Faults() map[string]Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Fault, len(s.faults))
	for k, f := range s.faults {
		out[k] = *f
	}
	return out
}

// takeFault returns the fault to apply to one call of endpoint, using up one
// of its Times.
func (s *Simulator) takeFault(endpoint string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[endpoint]
	if f == nil {
		return Fault{}, false
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, endpoint)
		}
	}
	return out, true
}

// serveAPI counts the call, runs op and writes its answer, applying the
// endpoint's fault if one is set; internal builds the FaultInternal answer.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, endpoint string, p url.Values, op, internal apiFunc) {
	s.count(endpoint)
	f, faulty := s.takeFault(endpoint)
	if !faulty {
		writeReply(w, op(r, p))
		return
	}
	var rp reply
	if f.After {
		rp = op(r, p) // the message is sent whatever happens next
	}
	if !sleep(r.Context(), f.Delay) {
		dropConnection(w)
		return
	}
	switch f.Mode {
	case FaultNone:
		if !f.After {
			rp = op(r, p)
		}
		writeReply(w, rp)
	case FaultInternal:
		writeReply(w, internal(r, p))
	case FaultDown:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"+
			"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>smssim</center>\r\n</body>\r\n</html>\r\n")
	case FaultNoAnswer:
		s.mu.Lock()
		release := s.release
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
		dropConnection(w)
	default: // FaultDrop
		dropConnection(w)
	}
}

// sleep waits d, or less if ctx is done first; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
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

// dropConnection closes the client connection without writing a response.
// When the connection cannot be hijacked (HTTP/2, or a wrapper without
// Unwrap), aborting the handler has the same effect.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// faultJSON is a Fault on the wire of the /faults routes.
type faultJSON struct {
	Endpoint string    `json:"endpoint"`
	Mode     FaultMode `json:"mode"`
	After    bool      `json:"after"`
	DelayMS  int64     `json:"delay_ms"`
	Times    int       `json:"times"`
}

// listFaults handles GET /faults: the active faults, sorted by endpoint.
func (s *Simulator) listFaults(w http.ResponseWriter, _ *http.Request) {
	out := []faultJSON{}
	for k, f := range s.Faults() {
		out = append(out, faultJSON{Endpoint: k, Mode: f.Mode, After: f.After, DelayMS: f.Delay.Milliseconds(), Times: f.Times})
	}
	slices.SortFunc(out, func(a, b faultJSON) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	writeJSON(w, http.StatusOK, out)
}

// postFault handles POST /faults
// {"endpoint":"send","mode":"internal","after":false,"delay_ms":0,"times":1}
// and answers the fault as set; 400 {"message":…} for an unknown endpoint or
// mode or a negative number.
func (s *Simulator) postFault(w http.ResponseWriter, r *http.Request) {
	var fj faultJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&fj); err != nil {
		writeJSON(w, http.StatusBadRequest, messageBody{"invalid JSON: " + err.Error()})
		return
	}
	switch {
	case !slices.Contains(endpoints, fj.Endpoint):
		writeJSON(w, http.StatusBadRequest, messageBody{fmt.Sprintf("unknown endpoint %q; one of %v", fj.Endpoint, endpoints)})
		return
	case !slices.Contains(faultModes, fj.Mode):
		writeJSON(w, http.StatusBadRequest, messageBody{fmt.Sprintf("unknown mode %q; one of \"\", internal, down, no_answer, drop", fj.Mode)})
		return
	case fj.DelayMS < 0 || fj.Times < 0:
		writeJSON(w, http.StatusBadRequest, messageBody{"delay_ms and times must not be negative"})
		return
	}
	s.SetFault(fj.Endpoint, Fault{Delay: time.Duration(fj.DelayMS) * time.Millisecond, Mode: fj.Mode, After: fj.After, Times: fj.Times})
	writeJSON(w, http.StatusOK, fj)
}

// deleteFaults handles DELETE /faults: ClearFaults, then the empty list.
func (s *Simulator) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	writeJSON(w, http.StatusOK, []faultJSON{})
}
