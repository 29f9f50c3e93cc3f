package simkit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// FaultsHandler serves a simulator's fault admin routes:
//
//	GET    /faults  the active faults, sorted by endpoint
//	POST   /faults  {"endpoint":"…","mode":"…","after":false,"delay_ms":0,"times":1}
//	                sets one fault and answers it as set
//	DELETE /faults  Faults.Clear, then the empty list []
//
// A fault on the wire has the keys endpoint, mode, after, delay_ms and
// times. POST answers 400 with ErrorBody for a body that is not such an
// object, an endpoint not in Endpoints, a mode not in Modes, a fault Check
// refuses, or a negative delay_ms or times. Other methods get 405.
type FaultsHandler struct {
	// Faults is the set the routes show and change.
	Faults *Faults
	// Endpoints are the endpoint keys a fault may be set on, in the order
	// the "unknown endpoint" message lists them.
	Endpoints []string
	// Modes are the modes a fault may have, FaultNone included, in the order
	// the "unknown mode" message lists them.
	Modes []FaultMode
	// ErrorBody returns the JSON body of a 400 answer carrying message, in
	// the gateway's error shape.
	ErrorBody func(message string) any
	// Check, when set, refuses a fault that is well formed but not allowed
	// (say, a mode that only applies to one endpoint) by returning the
	// message to answer; "" accepts it. It runs after the endpoint and mode
	// checks.
	Check func(endpoint string, mode FaultMode) string
	// ReadBody, when set, reads POST's body, answering (as the gateway does)
	// and returning false when it cannot; the body is then decoded as one
	// JSON object. When nil, the body (at most MaxBody bytes) is decoded as
	// a JSON stream: its first value is used, and a read error is answered
	// like malformed JSON.
	ReadBody func(w http.ResponseWriter, r *http.Request) ([]byte, bool)
}

// faultJSON is a Fault on the wire of the /faults routes.
type faultJSON struct {
	Endpoint string    `json:"endpoint"`
	Mode     FaultMode `json:"mode"`
	After    bool      `json:"after"`
	DelayMS  int64     `json:"delay_ms"`
	Times    int       `json:"times"`
}

// Register routes GET, POST and DELETE /faults of mux to h. Other methods
// on /faults are left to mux (a simulator's catch-all route answers them).
func (h *FaultsHandler) Register(mux *http.ServeMux) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		mux.Handle(method+" /faults", h)
	}
}

// ServeHTTP serves the /faults routes described on FaultsHandler.
func (h *FaultsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.list(w)
	case http.MethodPost:
		h.post(w, r)
	case http.MethodDelete:
		h.Faults.Clear()
		WriteJSON(w, http.StatusOK, []faultJSON{})
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		WriteJSON(w, http.StatusMethodNotAllowed, h.ErrorBody("method not allowed"))
	}
}

// list answers GET /faults.
func (h *FaultsHandler) list(w http.ResponseWriter) {
	out := []faultJSON{}
	for k, f := range h.Faults.List() {
		out = append(out, faultJSON{Endpoint: k, Mode: f.Mode, After: f.After, DelayMS: f.Delay.Milliseconds(), Times: f.Times})
	}
	slices.SortFunc(out, func(a, b faultJSON) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	WriteJSON(w, http.StatusOK, out)
}

// post answers POST /faults.
func (h *FaultsHandler) post(w http.ResponseWriter, r *http.Request) {
	var fj faultJSON
	var err error
	if h.ReadBody == nil {
		err = json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody)).Decode(&fj)
	} else {
		body, ok := h.ReadBody(w, r)
		if !ok {
			return
		}
		err = json.Unmarshal(body, &fj)
	}
	if err != nil {
		h.refuse(w, "invalid JSON: "+err.Error())
		return
	}
	switch {
	case !slices.Contains(h.Endpoints, fj.Endpoint):
		h.refuse(w, fmt.Sprintf("unknown endpoint %q; one of %v", fj.Endpoint, h.Endpoints))
		return
	case !slices.Contains(h.Modes, fj.Mode):
		h.refuse(w, fmt.Sprintf("unknown mode %q; one of %s", fj.Mode, modeList(h.Modes)))
		return
	}
	if h.Check != nil {
		if msg := h.Check(fj.Endpoint, fj.Mode); msg != "" {
			h.refuse(w, msg)
			return
		}
	}
	if fj.DelayMS < 0 || fj.Times < 0 {
		h.refuse(w, "delay_ms and times must not be negative")
		return
	}
	h.Faults.Set(fj.Endpoint, Fault{Delay: time.Duration(fj.DelayMS) * time.Millisecond, Mode: fj.Mode, After: fj.After, Times: fj.Times})
	WriteJSON(w, http.StatusOK, fj)
}

// refuse answers 400 with ErrorBody(msg).
func (h *FaultsHandler) refuse(w http.ResponseWriter, msg string) {
	WriteJSON(w, http.StatusBadRequest, h.ErrorBody(msg))
}

// modeList writes modes for a message: `"", no_answer, drop`.
func modeList(modes []FaultMode) string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = string(m)
		if m == FaultNone {
			names[i] = `""`
		}
	}
	return strings.Join(names, ", ")
}
