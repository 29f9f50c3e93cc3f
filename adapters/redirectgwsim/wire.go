package redirectgwsim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
)

// DateLayout is the layout of verify's "date", in Asia/Dhaka
// ("2025-11-24 21:20:00", as UddoktaPay's verify answers).
const DateLayout = "2006-01-02 15:04:05"

// apiError is the document's error answer {"status":"error","message":…}.
type apiError struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func errorBody(msg string) apiError { return apiError{Status: "error", Message: msg} }

// writeJSON is simkit.WriteJSON with the document's error shape as the body
// of an answer that cannot be encoded.
func writeJSON(w http.ResponseWriter, code int, v any) {
	simkit.WriteJSONFallback(w, code, v, `{"status":"error","message":"Internal Server Error"}`)
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randHex returns n bytes from crypto/rand in lower-case hex: the trx_id of
// payment_url is all that guards a payment page.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
