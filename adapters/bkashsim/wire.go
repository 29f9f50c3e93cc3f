package bkashsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
)

// FormatTime renders t in bKash's timestamp layout, in Asia/Dhaka: a colon
// before the milliseconds and a "GMT+0600" zone, e.g.
// "2025-11-24T21:20:00:123 GMT+0600" (docs/gateways/bkash.md §11.1).
// It is not RFC 3339; clients must parse it with a custom layout.
func FormatTime(t time.Time) string {
	t = t.In(domain.Dhaka)
	return fmt.Sprintf("%s:%03d GMT%s", t.Format("2006-01-02T15:04:05"), t.Nanosecond()/int(time.Millisecond), t.Format("-0700"))
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	upper      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// hashChars is the alphabet of the opaque bkashURL hash; like the real one
	// it has punctuation, but nothing that needs escaping in a query string.
	hashChars = alnum + "!()._-"
)

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
