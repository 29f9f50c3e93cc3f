package nagadsim

import (
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode = simkit.FaultMode

// Fault modes. Each mimics a failure a real client meets: no answer within
// the client's timeout, a dropped connection, a 503 from the gateway's
// front, and the web application firewall's HTML "Request Rejected" page of
// docs/gateways/nagad.md §11.1. FaultNone only applies the Fault's Delay; FaultNoAnswer holds
// the request until the client gives up, ClearFaults or Close is called,
// then closes the connection without a response; FaultDrop closes it at
// once.
const (
	FaultNone     = simkit.FaultNone
	FaultNoAnswer = simkit.FaultNoAnswer
	FaultDrop     = simkit.FaultDrop
	// Fault503 answers HTTP 503 with an HTML "Service Unavailable" page.
	Fault503 = simkit.Fault503
	// FaultHTML answers HTTP 200 with the firewall's text/html page "Request
	// Rejected … Your support ID is: N" instead of JSON (what a server whose
	// IP is not whitelisted gets; HTTP 200 as such firewalls answer).
	FaultHTML = simkit.FaultHTML
)

// faultModes are the modes POST /faults accepts.
var faultModes = []FaultMode{FaultNone, FaultNoAnswer, FaultDrop, Fault503, FaultHTML}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
// With After, the operation takes full effect first (initialize opens the
// session, cancel refunds) and only then loses or replaces its answer.
type Fault = simkit.Fault

// SetFault makes calls to endpoint (an Endpoint* key) misbehave as f,
// replacing any fault already set there. A Fault with no Delay and
// FaultNone removes the endpoint's fault.
func (s *Simulator) SetFault(endpoint string, f Fault) { s.faults.Set(endpoint, f) }

// ClearFaults removes every fault and lets go of requests currently held
// by FaultNoAnswer (their connections are closed without a response).
func (s *Simulator) ClearFaults() { s.faults.Clear() }

// HeldRequests returns how many requests FaultNoAnswer is holding now (until
// ClearFaults, Close or the client giving up).
func (s *Simulator) HeldRequests() int { return s.faults.Held() }

// Faults returns the active faults by endpoint key; Times is what remains.
func (s *Simulator) Faults() map[string]Fault { return s.faults.List() }

// serveAPI counts the call, runs fn and writes its answer, applying the
// endpoint's fault if one is set.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, endpoint string, fn apiFunc, body []byte) {
	s.stats.Inc(endpoint)
	s.faults.Serve(w, r, endpoint, func() simkit.Answer {
		code, v := fn(r, body)
		return func(w http.ResponseWriter) { writeJSON(w, code, v) }
	}, misbehave)
}

// misbehave answers Fault503, FaultHTML and unknown modes.
func misbehave(w http.ResponseWriter, _ *http.Request, mode FaultMode) {
	switch mode {
	case Fault503:
		simkit.WriteHTML(w, http.StatusServiceUnavailable, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"+
			"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n")
	case FaultHTML:
		w.Header().Set("Cache-Control", "no-cache")
		simkit.WriteHTML(w, http.StatusOK, WAFPage(simkit.RandString(digitChars, 19)))
	default:
		writeJSON(w, http.StatusInternalServerError, errorBody{Reason: ReasonInvalidRequest, Message: "unknown fault mode " + string(mode)})
	}
}

// WAFPage is the web application firewall's rejection page, as non-whitelisted
// merchants receive it instead of JSON (docs/gateways/nagad.md §11.1), with the given support ID.
func WAFPage(supportID string) string {
	return "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. " +
		"Please consult with your administrator.<br><br>Your support ID is: " + supportID +
		"<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
}
