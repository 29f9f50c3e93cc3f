package bkashsim

import (
	"net/http"
	"sync"

	"github.com/paycore/paycore/adapters/simkit"
)

// ErrorBody makes an endpoint answer bKash's other error shape,
// {"errorCode": "…", "errorMessage": "…"}, which bKash's error-codes page
// documents beside statusCode/statusMessage (docs/gateways/bkash.md §10.3).
// The operation does not happen: the answer is a refusal. Set it with
// SetErrorBody.
type ErrorBody struct {
	// Code is the errorCode, e.g. "2056".
	Code string
	// Message is the errorMessage, e.g. "Invalid Payment State".
	Message string
	// HTTPStatus is the answer's status; 0 → 200.
	HTTPStatus int
	// Times is how many calls get it before it clears itself; 0 → until
	// ClearErrorBodies (or SetErrorBody with a zero ErrorBody).
	Times int
}

// errorCodeBody is the wire form of ErrorBody.
type errorCodeBody struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// errorBodies are the active ErrorBody switches by endpoint key. The zero
// value is ready to use.
type errorBodies struct {
	mu     sync.Mutex
	active map[string]*ErrorBody
}

// SetErrorBody makes calls to endpoint (an Endpoint* key: create, execute,
// refund …) answer e instead of doing anything, replacing any ErrorBody set
// there. A zero ErrorBody removes it. It is separate from faults: a fault
// set on the same endpoint is not applied while an ErrorBody answers.
func (s *Simulator) SetErrorBody(endpoint string, e ErrorBody) {
	s.errBodies.mu.Lock()
	defer s.errBodies.mu.Unlock()
	if e == (ErrorBody{}) {
		delete(s.errBodies.active, endpoint)
		return
	}
	if s.errBodies.active == nil {
		s.errBodies.active = map[string]*ErrorBody{}
	}
	s.errBodies.active[endpoint] = &e
}

// ClearErrorBodies removes every ErrorBody.
func (s *Simulator) ClearErrorBodies() {
	s.errBodies.mu.Lock()
	defer s.errBodies.mu.Unlock()
	clear(s.errBodies.active)
}

// serveErrorBody answers the endpoint's ErrorBody, if one is set, using up
// one of its Times; it reports whether it answered.
func (s *Simulator) serveErrorBody(w http.ResponseWriter, endpoint string) bool {
	s.errBodies.mu.Lock()
	e, ok := s.errBodies.active[endpoint]
	var out ErrorBody
	if ok {
		out = *e
		if e.Times > 0 {
			if e.Times--; e.Times == 0 {
				delete(s.errBodies.active, endpoint)
			}
		}
	}
	s.errBodies.mu.Unlock()
	if !ok {
		return false
	}
	status := out.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	simkit.WriteJSON(w, status, errorCodeBody{ErrorCode: out.Code, ErrorMessage: out.Message})
	return true
}
