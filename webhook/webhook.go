// Package webhook signs and verifies paycore's merchant webhooks. It uses the
// standard library only, so a merchant's Go server can import it alone.
//
// Every webhook paycore POSTs carries two headers:
//
//	X-Webhook-Id:        evt_…   (the event ID; a retry carries the same one, so dedupe on it)
//	X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// where secret is the client's webhook signing secret. A receiver reads the
// raw body (before any JSON decoding: the signature covers the exact bytes)
// and calls [Verify] with the header value, the secrets it accepts and a
// tolerance for the timestamp:
//
//	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//	err := webhook.Verify(body, r.Header.Get(webhook.SignatureHeader),
//		[][]byte{secret}, webhook.DefaultTolerance, time.Now())
//	if err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
//
// The header may carry several v1 values and Verify takes several secrets,
// so a secret can be rotated without losing webhooks: during the grace
// period the receiver passes both the new and the old secret (and a sender
// may sign with both), and any one match is enough. Comparison is in
// constant time; a timestamp further than the tolerance from now, in either
// direction, is refused so a captured webhook cannot be replayed later.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header names paycore sets on every webhook.
const (
	// SignatureHeader carries "t=<unix>,v1=<hex>".
	SignatureHeader = "X-Webhook-Signature"
	// IDHeader carries the event ID (evt_…), the same on every retry.
	IDHeader = "X-Webhook-Id"
	// EventHeader carries the event type, e.g. "payment.success".
	EventHeader = "X-Webhook-Event"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock: 5 minutes, as paycore's own API uses for requests.
const DefaultTolerance = 300 * time.Second

// Errors from [Verify]; test with errors.Is.
var (
	// ErrMalformedHeader: the header is empty, has no t=<unix seconds> (or
	// more than one, or one that is not decimal digits) or has no v1=.
	ErrMalformedHeader = errors.New("webhook: missing or malformed " + SignatureHeader + " header")
	// ErrTimestampOutsideTolerance: the signature matches but its timestamp
	// is further from now than the tolerance (a replay, or a skewed clock).
	ErrTimestampOutsideTolerance = errors.New("webhook: signature timestamp outside tolerance")
	// ErrNoMatchingSignature: no v1 value matches the body under any of the
	// secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
)

// maxTimestampDigits bounds t: 10 digits reach the year 2286; 18 keep the
// value inside int64 whatever the digits.
const maxTimestampDigits = 18

// Sign returns the X-Webhook-Signature header value for body sent at t
// under secret: "t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks header (an X-Webhook-Signature value) for body at time now.
// It succeeds when one of the header's v1 values is the HMAC-SHA256 of
// "<t>.<body>" under one of secrets (empty secrets are ignored: they would
// let anyone sign) and t is within tolerance of now; tolerance ≤ 0 means
// [DefaultTolerance]. Signatures are compared in constant time. Keys other
// than t and v1 (other schemes) are ignored.
//
// It returns nil, or an error wrapping [ErrMalformedHeader],
// [ErrNoMatchingSignature] or [ErrTimestampOutsideTolerance]; the timestamp
// is judged only once a signature matches, so a stale timestamp is reported
// only for a genuine webhook.
func Verify(body []byte, header string, secrets [][]byte, tolerance time.Duration, now time.Time) error {
	ts, sigs, ok := parse(header)
	if !ok {
		return ErrMalformedHeader
	}
	matched := false
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		want := mac(secret, ts, body)
		for _, sig := range sigs {
			// Every pair is compared, match or not, so timing does not
			// reveal which secret or value matched.
			if hmac.Equal(want, sig) {
				matched = true
			}
		}
	}
	if !matched {
		return ErrNoMatchingSignature
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	unix, _ := strconv.ParseInt(ts, 10, 64) // parse checked the digits
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrTimestampOutsideTolerance
	}
	return nil
}

// parse splits "t=…,v1=…[,v1=…]" into the timestamp as sent (the signed
// text) and the decoded v1 values. A header needs exactly one t (digits)
// and at least one v1; v1 values that are not 64 hex digits are kept out
// of sigs (they cannot match, so Verify reports no matching signature).
func parse(header string) (ts string, sigs [][]byte, ok bool) {
	seenT, seenV1 := false, false
	for part := range strings.SplitSeq(header, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		switch k {
		case "t":
			if seenT || !digits(v) {
				return "", nil, false
			}
			ts, seenT = v, true
		case "v1":
			seenV1 = true
			if len(v) != 2*sha256.Size {
				continue
			}
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	return ts, sigs, seenT && seenV1
}

func digits(s string) bool {
	if s == "" || len(s) > maxTimestampDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
