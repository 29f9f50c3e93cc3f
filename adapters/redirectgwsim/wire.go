package redirectgwsim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// dhaka is Asia/Dhaka, or a fixed +06:00 zone when tzdata is missing
// (Bangladesh has kept +06:00 without DST since 2009).
var dhaka = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Dhaka"); err == nil {
		return loc
	}
	return time.FixedZone("+06", 6*60*60)
}()

// DateLayout is the layout of verify's "date", in Asia/Dhaka
// ("2025-11-24 21:20:00", as UddoktaPay's verify answers).
const DateLayout = "2006-01-02 15:04:05"

// apiError is the document's error answer {"status":"error","message":…}.
type apiError struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func errorBody(msg string) apiError { return apiError{Status: "error", Message: msg} }

// writeJSON writes v as the JSON body with Content-Type application/json.
// HTML escaping is off so URLs keep their literal "&" as on the wire.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var body []byte
	if err := enc.Encode(v); err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"status":"error","message":"Internal Server Error"}`)
	} else {
		body = buf.Bytes()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// fields is a decoded JSON request object, kept raw so that absent, null and
// wrongly typed values can be told apart.
type fields map[string]json.RawMessage

// parseFields decodes body as a JSON object; ok is false for anything else.
func parseFields(body []byte) (fields, bool) {
	var f fields
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, false
	}
	return f, true
}

// has reports whether key is present and not JSON null.
func (f fields) has(key string) bool {
	raw, ok := f[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// str returns key as a JSON string's value; ok is false when the key is
// absent, null or not a string.
func (f fields) str(key string) (string, bool) {
	if !f.has(key) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(f[key], &s); err != nil {
		return "", false
	}
	return s, true
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randString returns n characters drawn from alphabet. Transaction IDs need
// to be unique and bKash-shaped, not secret, so math/rand is enough.
func randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[mrand.IntN(len(alphabet))]
	}
	return string(b)
}

// randHex returns n bytes from crypto/rand in lower-case hex: the trx_id of
// payment_url is all that guards a payment page.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// appendQuery appends the query q ("a=b&c=d") to rawURL with "?" or "&",
// keeping any fragment last.
func appendQuery(rawURL, q string) string {
	base, frag, hasFrag := strings.Cut(rawURL, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?"
	case strings.HasSuffix(base, "?"), strings.HasSuffix(base, "&"):
	default:
		base += "&"
	}
	out := base + q
	if hasFrag {
		out += "#" + frag
	}
	return out
}
