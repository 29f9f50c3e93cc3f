package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/webhook"
)

// FuzzVerify: Verify never panics, returns nil or one of its sentinel
// errors, accepts a header only if it really carries the HMAC of the body
// under the secret, accepts what Sign wrote within tolerance, and refuses
// Sign's header once the body, the secret or the timestamp changes. Seeds
// are in testdata/fuzz/FuzzVerify; run with
// go test -run '^$' -fuzz FuzzVerify ./webhook.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1"}`), "t=1764000000,v1=00", []byte("whsec"), int64(0))
	f.Add([]byte{}, "", []byte{}, int64(-301))
	f.Fuzz(func(t *testing.T, body []byte, header string, secret []byte, skew int64) {
		now := time.Unix(1_764_000_000, 0)
		skew %= 1 << 32 // seconds; keeps time arithmetic far from overflow

		// Whatever header arrives.
		err := webhook.Verify(body, header, [][]byte{secret}, 0, now)
		if err != nil && !errors.Is(err, webhook.ErrMalformedHeader) &&
			!errors.Is(err, webhook.ErrNoMatchingSignature) && !errors.Is(err, webhook.ErrTimestampOutsideTolerance) {
			t.Fatalf("Verify(%q) = %v: not a sentinel error", header, err)
		}
		if err == nil && !carries(header, secret, body) {
			t.Fatalf("Verify accepted %q for body %q, secret %q: no v1 in it is the body's HMAC", header, body, secret)
		}

		// What Sign writes, at now+skew.
		sig := webhook.Sign(secret, body, now.Add(time.Duration(skew)*time.Second))
		err = webhook.Verify(body, sig, [][]byte{secret}, 0, now)
		inWindow := skew >= -300 && skew <= 300
		switch {
		case len(secret) == 0:
			if err == nil {
				t.Fatalf("accepted a signature made with the empty secret")
			}
		case skew < 0 && now.Unix()+skew < 0:
			// Sign writes a negative t, which Verify refuses as malformed.
			if err == nil {
				t.Fatalf("accepted negative t %q", sig)
			}
		case inWindow && err != nil:
			t.Fatalf("Verify(Sign) at skew %ds = %v", skew, err)
		case !inWindow && !errors.Is(err, webhook.ErrTimestampOutsideTolerance):
			t.Fatalf("Verify(Sign) at skew %ds = %v, want ErrTimestampOutsideTolerance", skew, err)
		}

		// Forgeries built from a genuine header: another body, another
		// secret, another timestamp, or the fuzzed header glued on.
		if err := webhook.Verify(append(append([]byte(nil), body...), 'x'), sig, [][]byte{secret}, 0, now); err == nil {
			t.Fatal("accepted a changed body")
		}
		if err := webhook.Verify(body, sig, [][]byte{append(append([]byte(nil), secret...), 'x')}, 0, now); err == nil {
			t.Fatal("accepted another secret")
		}
		ts, v, _ := strings.Cut(sig, ",")
		if err := webhook.Verify(body, ts+"1,"+v, [][]byte{secret}, 0, now); err == nil {
			t.Fatalf("accepted a changed timestamp")
		}
		if mixed := header + "," + v; webhook.Verify(body, mixed, [][]byte{secret}, 0, now) == nil && !carries(mixed, secret, body) {
			t.Fatalf("accepted %q", mixed)
		}
	})
}

// carries reports, without the package's parser, whether header has a t
// and a v1 equal to the HMAC of "<t>.<body>" under a non-empty secret.
func carries(header string, secret, body []byte) bool {
	if len(secret) == 0 {
		return false
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if t, ok := strings.CutPrefix(part, "t="); ok {
			ts = t
		}
		if s, ok := strings.CutPrefix(part, "v1="); ok {
			sigs = append(sigs, strings.ToLower(s))
		}
	}
	want := v1(secret, ts, body)
	for _, s := range sigs {
		if s == want {
			return true
		}
	}
	return false
}
