package simkit

import (
	"bytes"
	"encoding/json"
	mrand "math/rand/v2"
	"strings"
)

// Fields is a decoded JSON request object, kept raw so that absent, null and
// wrongly typed values can be told apart, as the gateways' validation does.
type Fields map[string]json.RawMessage

// ParseFields decodes body as a JSON object; ok is false for anything else
// (malformed JSON, an array, null…).
func ParseFields(body []byte) (f Fields, ok bool) {
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, false
	}
	return f, true
}

// Has reports whether key is present and not JSON null.
func (f Fields) Has(key string) bool {
	raw, ok := f[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// JSONString returns key's value if it is a JSON string; ok is false when
// the key is absent, null or of another JSON type.
func (f Fields) JSONString(key string) (s string, ok bool) {
	if !f.Has(key) {
		return "", false
	}
	if err := json.Unmarshal(f[key], &s); err != nil {
		return "", false
	}
	return s, true
}

// Text returns key's value as text: a JSON string's value, or a JSON
// number's literal (some clients send amounts and challenges as numbers).
// present is false when the key is absent or null; valid is false then and
// for any other JSON type.
func (f Fields) Text(key string) (value string, present, valid bool) {
	if !f.Has(key) {
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

// RandString returns n characters drawn from alphabet (single bytes).
// Simulated identifiers need to be unique and gateway-shaped, not secret,
// so it uses math/rand; use crypto/rand for anything that guards access.
func RandString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[mrand.IntN(len(alphabet))]
	}
	return string(b)
}

// AppendQuery appends the query q ("a=b&c=d") to rawURL with "?" or "&" as
// needed, keeping any fragment last, as gateways do with a merchant's
// callback URL.
func AppendQuery(rawURL, q string) string {
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
