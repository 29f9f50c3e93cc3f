package nagadsim

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode string

// Fault modes. Each mimics a failure a real client meets: no answer within
// the client's timeout, a dropped connection, a 503 from the gateway's
// front, and the web application firewall's HTML "Request Rejected" page of
// spec §7.1.
const (
	// FaultNone only applies the Fault's Delay.
	FaultNone FaultMode = ""
	// FaultNoAnswer holds the request until the client gives up (its
	// context is done), ClearFaults or Close is called, then closes the
	// connection without a response.
	FaultNoAnswer FaultMode = "no_answer"
	// FaultDrop closes the connection at once, without a response.
	FaultDrop FaultMode = "drop"
	// Fault503 answers HTTP 503 with an HTML "Service Unavailable" page.
	Fault503 FaultMode = "503"
	// FaultHTML answers HTTP 200 with the firewall's text/html page "Request
	// Rejected … Your support ID is: N" instead of JSON (what a server whose
	// IP is not whitelisted gets; HTTP 200 as such firewalls answer).
	FaultHTML FaultMode = "html"
)

var faultModes = []FaultMode{FaultNone, FaultNoAnswer, FaultDrop, Fault503, FaultHTML}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
type Fault struct {
	// Delay is real (not simulated) time waited before the operation, or
	// before the answer when After is true. If the client gives up during a
	// delay before the operation, the operation does not happen.
	Delay time.Duration
	// Mode is what happens to the answer (FaultNone: it is sent after Delay).
	Mode FaultMode
	// After makes the operation take full effect first (initialize opens the
	// session, cancel refunds) and only then loses or replaces its answer.
	// When false, a Mode other than FaultNone stops the operation.
	After bool
	// Times is how many calls the fault applies to before it clears itself;
	// 0 applies it until ClearFaults.
	Times int
}

// SetFault makes calls to endpoint (an Endpoint* key) misbehave as f,
// replacing any fault already set there. A Fault with no Delay and
// FaultNone removes the endpoint's fault.
func (s *Simulator) SetFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Delay <= 0 && f.Mode == FaultNone {
		delete(s.faults, endpoint)
		return
	}
	s.faults[endpoint] = &f
}

// ClearFaults removes every fault and lets go of requests currently held
// by FaultNoAnswer (their connections are closed without a response).
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

// takeFault returns the fault to apply to one call of endpoint, using up
// one of its Times.
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

// serveAPI counts the call, runs fn and writes its answer, applying the
// endpoint's fault if one is set.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, endpoint string, fn apiFunc, body []byte) {
	s.count(endpoint)
	f, faulty := s.takeFault(endpoint)
	if !faulty {
		code, v := fn(r, body)
		writeJSON(w, code, v)
		return
	}
	if !f.After {
		if !sleep(r.Context(), f.Delay) {
			dropConnection(w)
			return
		}
		if f.Mode != FaultNone {
			s.misbehave(w, r, f.Mode)
			return
		}
		code, v := fn(r, body)
		writeJSON(w, code, v)
		return
	}
	code, v := fn(r, body) // the operation takes effect whatever happens next
	if !sleep(r.Context(), f.Delay) {
		dropConnection(w)
		return
	}
	if f.Mode != FaultNone {
		s.misbehave(w, r, f.Mode)
		return
	}
	writeJSON(w, code, v)
}

// misbehave answers (or does not) as mode says.
func (s *Simulator) misbehave(w http.ResponseWriter, r *http.Request, mode FaultMode) {
	switch mode {
	case FaultNoAnswer:
		s.mu.Lock()
		release := s.release
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
		dropConnection(w)
	case FaultDrop:
		dropConnection(w)
	case Fault503:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprint(w, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"+
			"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n")
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprint(w, WAFPage(randString(digitChars, 19)))
	default:
		writeJSON(w, http.StatusInternalServerError, errorBody{Reason: ReasonInvalidRequest, Message: "unknown fault mode " + string(mode)})
	}
}

// WAFPage is the web application firewall's rejection page, as non-whitelisted
// merchants receive it instead of JSON (spec §7.1), with the given support ID.
func WAFPage(supportID string) string {
	return "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. " +
		"Please consult with your administrator.<br><br>Your support ID is: " + supportID +
		"<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
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
// {"endpoint":"verify","mode":"html","after":false,"delay_ms":0,"times":1}
// and answers the fault as set; 400 {"message":…} for an unknown endpoint
// or mode or a negative number.
func (s *Simulator) postFault(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var fj faultJSON
	if err := json.Unmarshal(body, &fj); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid JSON: " + err.Error()})
		return
	}
	switch {
	case !slices.Contains(endpoints, fj.Endpoint):
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("unknown endpoint %q; one of %v", fj.Endpoint, endpoints)})
		return
	case !slices.Contains(faultModes, fj.Mode):
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("unknown mode %q; one of \"\", no_answer, drop, 503, html", fj.Mode)})
		return
	case fj.DelayMS < 0 || fj.Times < 0:
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "delay_ms and times must not be negative"})
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
