package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/webhook"
)

var (
	t0   = time.Unix(1_764_000_000, 0)
	body = []byte(`{"id":"evt_1","event":"payment.success","amount":250.00}`)
	sec  = []byte("whsec_current")
	old  = []byte("whsec_previous")
)

// v1 is the hex signature of body at unix time ts under secret, computed
// here without the package.
func v1(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "." + string(body)))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignFormat(t *testing.T) {
	t.Parallel()
	got := webhook.Sign(sec, body, t0)
	if want := "t=1764000000,v1=" + v1(sec, "1764000000", body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^t=[0-9]+,v1=[0-9a-f]{64}$`).MatchString(got) {
		t.Fatalf("Sign = %q: not t=<unix>,v1=<lowercase hex>", got)
	}
	// Known answer (checked with another HMAC implementation).
	if got, want := webhook.Sign([]byte("whsec_demo"), []byte(`{"id":"evt_1","event":"payment.success"}`), t0),
		"t=1764000000,v1=20470f7602001ce2cacf2ba8b38151aec899d3bb5ddff067da7d8cce3bc2a135"; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	// Sub-second precision is dropped: t is whole seconds.
	if a, b := webhook.Sign(sec, body, t0), webhook.Sign(sec, body, t0.Add(999*time.Millisecond)); a != b {
		t.Fatalf("%q != %q", a, b)
	}
}

func TestHeaderNames(t *testing.T) {
	t.Parallel()
	if webhook.SignatureHeader != "X-Webhook-Signature" || webhook.IDHeader != "X-Webhook-Id" || webhook.EventHeader != "X-Webhook-Event" {
		t.Fatal("header names changed: they are an external contract (docs/merchant-api.md §8.3)")
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ts := "1764000000"
	good := v1(sec, ts, body)
	oldSig := v1(old, ts, body)
	other := v1([]byte("someone else"), ts, body)
	both := [][]byte{sec, old}
	for _, tc := range []struct {
		name      string
		body      []byte
		header    string
		secrets   [][]byte
		tolerance time.Duration
		now       time.Time
		want      error // nil: accepted
	}{
		{name: "genuine", header: "t=" + ts + ",v1=" + good},
		{name: "as Sign writes it", header: webhook.Sign(sec, body, t0)},
		{name: "v1 first, spaces", header: " v1=" + good + " , t=" + ts + " "},
		{name: "uppercase hex", header: "t=" + ts + ",v1=" + strings.ToUpper(good)},
		{name: "other schemes ignored", header: "t=" + ts + ",v0=abc,v1=" + good + ",v2=zzz"},
		{name: "several v1, last matches", header: "t=" + ts + ",v1=" + other + ",v1=" + good},
		{name: "several v1, first matches", header: "t=" + ts + ",v1=" + good + ",v1=" + other},
		{name: "several v1, one not hex", header: "t=" + ts + ",v1=nothex,v1=" + good},
		{name: "rotation: old secret still accepted", header: "t=" + ts + ",v1=" + oldSig, secrets: both},
		{name: "rotation: new secret", header: "t=" + ts + ",v1=" + good, secrets: both},
		{name: "rotation: sender signs with both", header: "t=" + ts + ",v1=" + good + ",v1=" + oldSig, secrets: [][]byte{old}},
		{name: "empty secret in the list ignored", header: "t=" + ts + ",v1=" + good, secrets: [][]byte{nil, {}, sec}},
		{name: "5 minutes late", header: "t=" + ts + ",v1=" + good, now: t0.Add(300 * time.Second)},
		{name: "5 minutes early", header: "t=" + ts + ",v1=" + good, now: t0.Add(-300 * time.Second)},
		{name: "custom tolerance", header: "t=" + ts + ",v1=" + good, tolerance: time.Hour, now: t0.Add(59 * time.Minute)},
		{name: "leading zeros signed as sent", header: "t=0" + ts + ",v1=" + v1(sec, "0"+ts, body)},

		{name: "empty header", header: "", want: webhook.ErrMalformedHeader},
		{name: "garbage", header: "garbage", want: webhook.ErrMalformedHeader},
		{name: "bare signature", header: good, want: webhook.ErrMalformedHeader},
		{name: "no t", header: "v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "no v1", header: "t=" + ts, want: webhook.ErrMalformedHeader},
		{name: "v0 only", header: "t=" + ts + ",v0=" + good, want: webhook.ErrMalformedHeader},
		{name: "empty t", header: "t=,v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "t not a number", header: "t=abc,v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "t with sign", header: "t=+" + ts + ",v1=" + v1(sec, "+"+ts, body), want: webhook.ErrMalformedHeader},
		{name: "negative t", header: "t=-1,v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "t with fraction", header: "t=" + ts + ".5,v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "t overflowing", header: "t=99999999999999999999,v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "two t", header: "t=" + ts + ",t=" + ts + ",v1=" + good, want: webhook.ErrMalformedHeader},
		{name: "semicolons", header: "t=" + ts + ";v1=" + good, want: webhook.ErrMalformedHeader},

		{name: "wrong secret", header: "t=" + ts + ",v1=" + other, want: webhook.ErrNoMatchingSignature},
		{name: "old secret after rotation ended", header: "t=" + ts + ",v1=" + oldSig, want: webhook.ErrNoMatchingSignature},
		{name: "body changed", body: append(append([]byte(nil), body...), ' '), header: "t=" + ts + ",v1=" + good, want: webhook.ErrNoMatchingSignature},
		{name: "timestamp changed", header: "t=1764000001,v1=" + good, want: webhook.ErrNoMatchingSignature},
		{name: "truncated signature", header: "t=" + ts + ",v1=" + good[:62], want: webhook.ErrNoMatchingSignature},
		{name: "signature too long", header: "t=" + ts + ",v1=" + good + "00", want: webhook.ErrNoMatchingSignature},
		{name: "empty v1", header: "t=" + ts + ",v1=", want: webhook.ErrNoMatchingSignature},
		{name: "not hex", header: "t=" + ts + ",v1=" + strings.Repeat("zz", 32), want: webhook.ErrNoMatchingSignature},
		{name: "no secrets", header: "t=" + ts + ",v1=" + good, secrets: [][]byte{}, want: webhook.ErrNoMatchingSignature},
		{name: "signed with the empty key", header: "t=" + ts + ",v1=" + v1(nil, ts, body), secrets: [][]byte{{}}, want: webhook.ErrNoMatchingSignature},
		{name: "stale forgery reports the signature", header: "t=1,v1=" + other, want: webhook.ErrNoMatchingSignature},

		{name: "too late", header: "t=" + ts + ",v1=" + good, now: t0.Add(301 * time.Second), want: webhook.ErrTimestampOutsideTolerance},
		{name: "too early", header: "t=" + ts + ",v1=" + good, now: t0.Add(-301 * time.Second), want: webhook.ErrTimestampOutsideTolerance},
		{name: "zero tolerance means default", header: "t=" + ts + ",v1=" + good, tolerance: 0, now: t0.Add(time.Hour), want: webhook.ErrTimestampOutsideTolerance},
		{name: "negative tolerance means default", header: "t=" + ts + ",v1=" + good, tolerance: -time.Hour, now: t0.Add(301 * time.Second), want: webhook.ErrTimestampOutsideTolerance},
		{name: "custom tolerance exceeded", header: "t=" + ts + ",v1=" + good, tolerance: time.Second, now: t0.Add(2 * time.Second), want: webhook.ErrTimestampOutsideTolerance},
		{name: "far future t", header: "t=999999999999999999,v1=" + v1(sec, "999999999999999999", body), want: webhook.ErrTimestampOutsideTolerance},
		{name: "t zero", header: "t=0,v1=" + v1(sec, "0", body), want: webhook.ErrTimestampOutsideTolerance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, secrets, now := tc.body, tc.secrets, tc.now
			if b == nil {
				b = body
			}
			if secrets == nil {
				secrets = [][]byte{sec}
			}
			if now.IsZero() {
				now = t0
			}
			err := webhook.Verify(b, tc.header, secrets, tc.tolerance, now)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify(%q) = %v, want accepted", tc.header, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify(%q) = %v, want %v", tc.header, err, tc.want)
			}
		})
	}
}

// Verify does not keep or change what it is given.
func TestVerifyLeavesInputsAlone(t *testing.T) {
	t.Parallel()
	b := append([]byte(nil), body...)
	s := append([]byte(nil), sec...)
	secrets := [][]byte{s}
	if err := webhook.Verify(b, webhook.Sign(sec, body, t0), secrets, 0, t0); err != nil {
		t.Fatal(err)
	}
	if string(b) != string(body) || string(s) != string(sec) || len(secrets) != 1 {
		t.Fatal("inputs changed")
	}
}

func BenchmarkVerify(b *testing.B) {
	h := webhook.Sign(sec, body, t0)
	secrets := [][]byte{sec, old}
	for b.Loop() {
		if err := webhook.Verify(body, h, secrets, 0, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// Merchants import this package alone: the standard library only.
func TestStandardLibraryOnly(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: the webhook package uses the standard library only", name, path)
			}
		}
	}
}
