package bkashsim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	return time.FixedZone("GMT+0600", 6*60*60)
}()

// FormatTime renders t in bKash's timestamp layout, in Asia/Dhaka: a colon
// before the milliseconds and a "GMT+0600" zone, e.g.
// "2025-11-24T21:20:00:123 GMT+0600" (spec §2 paymentCreateTime, §7.12).
// It is not RFC 3339; clients must parse it with a custom layout.
func FormatTime(t time.Time) string {
	t = t.In(dhaka)
	return fmt.Sprintf("%s:%03d GMT%s", t.Format("2006-01-02T15:04:05"), t.Nanosecond()/int(time.Millisecond), t.Format("-0700"))
}

// writeJSON writes v as the JSON body with Content-Type application/json.
// HTML escaping is off so URLs keep their literal "&" as on the wire.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var body []byte
	if err := enc.Encode(v); err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"message":"Internal Server Error"}`)
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

// str returns key as text: a JSON string's value, or a JSON number's literal
// (clients such as KARIM send the amount as a number). present is false when
// the key is absent or null; valid is false for any other JSON type.
func (f fields) str(key string) (value string, present, valid bool) {
	if !f.has(key) {
		return "", false, false
	}
	raw := bytes.TrimSpace(f[key])
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true, true
	}
	return "", true, false
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	upper      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// hashChars is the alphabet of the opaque bkashURL hash; like the real one
	// it has punctuation, but nothing that needs escaping in a query string.
	hashChars = alnum + "!()._-"
)

// randString returns n characters drawn from alphabet. Identifiers need to be
// unique and bKash-shaped, not secret, so math/rand is enough.
func randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[mrand.IntN(len(alphabet))]
	}
	return string(b)
}

// randB64 returns n random bytes, base64url-encoded without padding.
func randB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// b64JSON base64url-encodes the JSON of v, as a JWT segment.
func b64JSON(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// appendQuery appends the query q ("a=b&c=d") to rawURL with "?" or "&", as
// bKash does with callbackURL (spec §3), keeping any fragment last.
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
