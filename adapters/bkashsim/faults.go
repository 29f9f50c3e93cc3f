package bkashsim

import (
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode = simkit.FaultMode

// Fault modes. Each mimics a failure a real client meets: the "no answer
// within 30 s" of docs/gateways/bkash.md §7.4, a dropped connection, bKash's 503 maintenance
// answer (docs/gateways/bkash.md §10.1) and an HTML error page from a proxy in front of bKash.
// FaultNone only applies the Fault's Delay; FaultNoAnswer holds the request
// until the client gives up, ClearFaults or Close is called, then closes the
// connection without a response; FaultDrop closes it at once.
const (
	FaultNone     = simkit.FaultNone
	FaultNoAnswer = simkit.FaultNoAnswer
	FaultDrop     = simkit.FaultDrop
	// Fault503 answers HTTP 503 with the JSON body
	// {"statusCode":"503","statusMessage":"System is undergoing maintenance. Please try again later"}.
	Fault503 = simkit.Fault503
	// FaultHTML answers HTTP 502 with a text/html error page instead of JSON.
	FaultHTML = simkit.FaultHTML
)

// faultModes are the modes POST /faults accepts.
var faultModes = []FaultMode{FaultNone, FaultNoAnswer, FaultDrop, Fault503, FaultHTML}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
// With After, the operation takes full effect first (execute completes the
// payment, refund moves money) and only then loses or replaces its answer:
// the "execute gave no answer but money moved" case of docs/gateways/bkash.md §2.7.
type Fault = simkit.Fault

// SetFault makes calls to endpoint (an Endpoint* key) misbehave as f,
// replacing any fault already set there. A Fault with no Delay and FaultNone
// removes the endpoint's fault.
func (s *Simulator) SetFault(endpoint string, f Fault) { s.faults.Set(endpoint, f) }

// ClearFaults removes every fault and lets go of requests currently held by
// FaultNoAnswer (their connections are closed without a response).
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
	if s.serveErrorBody(w, endpoint) {
		return
	}
	s.faults.Serve(w, r, endpoint, func() simkit.Answer {
		code, v := fn(r, body)
		return func(w http.ResponseWriter) { simkit.WriteJSON(w, code, v) }
	}, misbehave)
}

// misbehave answers Fault503, FaultHTML and unknown modes.
func misbehave(w http.ResponseWriter, _ *http.Request, mode FaultMode) {
	switch mode {
	case Fault503:
		simkit.WriteJSON(w, http.StatusServiceUnavailable, statusBody{StatusCode: codeMaintenance, StatusMessage: messageMaintenance})
	case FaultHTML:
		simkit.WriteHTML(w, http.StatusBadGateway, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"+
			"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>bkashsim</center>\r\n</body>\r\n</html>\r\n")
	default:
		simkit.WriteJSON(w, http.StatusInternalServerError, messageBody{"unknown fault mode " + string(mode)})
	}
}
