package redirectgwsim

import (
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// FaultMode is what a Fault does to an endpoint's answer.
type FaultMode = simkit.FaultMode

// Fault modes. Each mimics a failure a real client meets: no answer within
// the client's time limit, a dropped connection, a 503 from an overloaded PHP
// host, an HTML error page from a proxy, and (verify only) a verify answer
// that does not match what was paid. FaultNone only applies the Fault's
// Delay; FaultNoAnswer holds the request until the client gives up,
// ClearFaults or Close is called, then closes the connection without a
// response; FaultDrop closes it at once.
const (
	FaultNone     = simkit.FaultNone
	FaultNoAnswer = simkit.FaultNoAnswer
	FaultDrop     = simkit.FaultDrop
	// Fault503 answers HTTP 503 with
	// {"status":"error","message":"Service temporarily unavailable. Please try again later."}.
	Fault503 = simkit.Fault503
	// FaultHTML answers HTTP 502 with a text/html error page instead of JSON.
	FaultHTML = simkit.FaultHTML
	// FaultWrongAmount, on verify only, answers as usual but reports an
	// amount 1.00 BDT higher than the one paid. On checkout it does nothing.
	FaultWrongAmount FaultMode = "wrong_amount"
)

// faultModes are the modes POST /faults accepts.
var faultModes = []FaultMode{FaultNone, FaultNoAnswer, FaultDrop, Fault503, FaultHTML, FaultWrongAmount}

// Fault makes an endpoint misbehave; set it with SetFault or POST /faults.
// With After, the operation takes full effect first (checkout opens the
// session) and only then loses or replaces its answer. Without After, a Mode
// other than FaultNone or FaultWrongAmount stops the operation from
// happening.
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

// checkFault refuses FaultWrongAmount on any endpoint but verify (POST /faults).
func checkFault(endpoint string, mode FaultMode) string {
	if mode == FaultWrongAmount && endpoint != EndpointVerify {
		return "wrong_amount applies to verify only"
	}
	return ""
}

// serveAPI counts the call, runs fn and writes its answer, applying the
// endpoint's fault if one is set.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, endpoint string, fn apiFunc, body []byte) {
	s.stats.Inc(endpoint)
	f, faulty := s.faults.Take(endpoint)
	if faulty && f.Mode == FaultWrongAmount {
		f.Mode = FaultNone
		inner := fn
		fn = func(r *http.Request, body []byte) (int, any) {
			code, v := inner(r, body)
			if a, ok := v.(VerifyAnswer); ok {
				a.Amount = plusOneTaka(a.Amount)
				v = a
			}
			return code, v
		}
	}
	op := func() simkit.Answer {
		code, v := fn(r, body)
		return func(w http.ResponseWriter) { writeJSON(w, code, v) }
	}
	if !faulty {
		op()(w)
		return
	}
	s.faults.Apply(w, r, f, op, misbehave)
}

// plusOneTaka adds 1.00 to a 2-decimal BDT amount string.
func plusOneTaka(amount string) string {
	m, err := domain.ParseAmount(amount, domain.BDT.Code)
	if err != nil {
		return amount
	}
	sum, err := m.Add(domain.MustMoney(100, domain.BDT.Code))
	if err != nil {
		return amount
	}
	return sum.Decimal()
}

// misbehave answers Fault503, FaultHTML and unknown modes.
func misbehave(w http.ResponseWriter, _ *http.Request, mode FaultMode) {
	switch mode {
	case Fault503:
		writeJSON(w, http.StatusServiceUnavailable, errorBody(messageUnavailable))
	case FaultHTML:
		simkit.WriteHTML(w, http.StatusBadGateway, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"+
			"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>redirectgwsim</center>\r\n</body>\r\n</html>\r\n")
	default:
		writeJSON(w, http.StatusInternalServerError, errorBody("unknown fault mode "+string(mode)))
	}
}
