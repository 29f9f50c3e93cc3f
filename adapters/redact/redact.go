// Package redact prepares request and response bodies for the request log
// of both edges (REST v1 and GraphQL): the values of secret-looking JSON
// keys are replaced and the result capped (docs/merchant-api.md §10).
package redact

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// MaxBody is how much of a body is logged: 4 KiB.
const MaxBody = 4 << 10

// secretKey matches JSON keys holding secrets, as whole words of the key
// ("secret_key", "client_token", "pin"), not inside others ("shipping").
var secretKey = regexp.MustCompile(`(?i)(^|[_\-])(secret|password|passwd|token|signature|api_?key|apikey|pin|otp|authorization)($|[_\-])|^(secretkey|apikey|clienttoken|webhooksecret|accesstoken|refreshtoken)$`)

// JSON replaces the values of secret-looking keys in a JSON body with
// "[REDACTED]" and caps the result at MaxBody; a body that is not
// JSON is capped only.
func JSON(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep amounts as written: 1500.00 stays 1500.00
	if dec.Decode(&v) == nil {
		if out, err := json.Marshal(redact(v)); err == nil {
			b = out
		}
	}
	if len(b) > MaxBody {
		return string(b[:MaxBody]) + "…[truncated]"
	}
	return string(b)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKey.MatchString(k) {
				x[k] = "[REDACTED]"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}
