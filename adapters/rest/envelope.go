package rest

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// envelope is the merchant API's response shape (docs/merchant-api.md §5):
// {"success":true,"message":…,"data":…} or
// {"success":false,"message":…,"code":N[,"errors":{field:[…]}]}.
type envelope struct {
	Success bool                `json:"success"`
	Message string              `json:"message,omitempty"`
	Data    any                 `json:"data,omitempty"`
	Meta    any                 `json:"meta,omitempty"`
	Code    int                 `json:"code,omitempty"`
	Error   string              `json:"error,omitempty"`
	Errors  map[string][]string `json:"errors,omitempty"`
}

func writeEnvelope(w http.ResponseWriter, status int, e envelope) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

func ok(w http.ResponseWriter, status int, message string, data any) {
	writeEnvelope(w, status, envelope{Success: true, Message: message, Data: data})
}

func fail(w http.ResponseWriter, status int, message string) {
	writeEnvelope(w, status, envelope{Message: message, Code: status})
}

// failErr answers a use-case error through app's one classification.
func (a *API) failErr(w http.ResponseWriter, r *http.Request, err error) {
	code := app.ErrorCode(err)
	status := app.CodeHTTPStatus(code)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		writeEnvelope(w, status, envelope{Message: "Validation failed", Code: status, Errors: ve.Fields})
		return
	case code == app.CodeUnauthenticated:
		var ae *app.AuthError
		msg := "Unauthorized"
		if errors.As(err, &ae) {
			msg = ae.Reason
		}
		fail(w, status, msg)
		return
	case code == app.CodeUnavailable:
		// The database is restarting or out of reach: nothing was done;
		// the same request may be sent again shortly.
		a.log.WarnContext(r.Context(), "api: database unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "2")
		fail(w, status, "Service temporarily unavailable")
		return
	case code == app.CodeInternal:
		a.log.ErrorContext(r.Context(), "api", "path", r.URL.Path, "err", err)
		fail(w, status, "Internal Server Error")
		return
	}
	fail(w, status, map[string]string{
		app.CodeForbidden:          "Forbidden",
		app.CodeNotFound:           "Not found",
		app.CodeNotPayable:         "Payment is not payable",
		app.CodeConflict:           "Conflict",
		app.CodeGatewayUnavailable: "Gateway unavailable",
		app.CodeGatewayDisabled:    "Gateway disabled",
		app.CodeGatewayError:       "Gateway error",
	}[code])
}
