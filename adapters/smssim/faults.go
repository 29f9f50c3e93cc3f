package smssim

import (
	"net/http"
	"net/url"

	"github.com/paycore/paycore/adapters/simkit"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode = simkit.FaultMode

// Fault modes, each a failure an SMS client meets in the field. FaultNone
// only applies the Fault's Delay; FaultNoAnswer holds the request until the
// client gives up, ClearFaults or Close is called, then closes the
// connection without a response; FaultDrop closes it at once.
const (
	FaultNone     = simkit.FaultNone
	FaultNoAnswer = simkit.FaultNoAnswer
	FaultDrop     = simkit.FaultDrop
	// FaultInternal answers the provider's transient refusal with HTTP 200:
	// BulkSMSBD response_code 1005 "Internal Error" (retryable); GreenWeb
	// status FAILED with a "please try again" statusmsg.
	FaultInternal FaultMode = "internal"
	// FaultDown answers HTTP 503 with an HTML page, as a provider under
	// maintenance or a proxy in front of it does.
	FaultDown FaultMode = "down"
)

// faultModes are the modes POST /faults accepts.
var faultModes = []FaultMode{FaultNone, FaultInternal, FaultDown, FaultNoAnswer, FaultDrop}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
// With After, the operation takes full effect first (the message is
// recorded and charged) and only then loses or replaces its answer: the
// "sent, but the client saw a failure" case that makes a retry send the SMS
// twice.
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

// serveAPI counts the call, runs op and writes its answer, applying the
// endpoint's fault if one is set; internal builds the FaultInternal answer.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, endpoint string, p url.Values, op, internal apiFunc) {
	s.stats.Inc(endpoint)
	s.faults.Serve(w, r, endpoint, func() simkit.Answer {
		rp := op(r, p) // the message is sent whatever happens next
		return func(w http.ResponseWriter) { writeReply(w, rp) }
	}, func(w http.ResponseWriter, r *http.Request, mode FaultMode) {
		switch mode {
		case FaultInternal:
			writeReply(w, internal(r, p))
		case FaultDown:
			simkit.WriteHTML(w, http.StatusServiceUnavailable, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"+
				"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>smssim</center>\r\n</body>\r\n</html>\r\n")
		default:
			simkit.Drop(w)
		}
	})
}
