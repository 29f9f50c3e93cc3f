package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// fuzzNow is the server time of FuzzAuthenticate.
var fuzzNow = time.Unix(1_764_000_000, 0).UTC()

// fuzzKeys is a ports.KeyStore of three keys: one good, one revoked a
// second ago, one of a suspended client.
type fuzzKeys map[string]ports.APIKey

func (k fuzzKeys) LookupKey(_ context.Context, key string) (ports.APIKey, error) {
	if v, ok := k[key]; ok {
		return v, nil
	}
	return ports.APIKey{}, domain.ErrNotFound
}

func newFuzzKeys() fuzzKeys {
	revoked := fuzzNow.Add(-time.Second)
	return fuzzKeys{
		"pk_good":      {Key: "pk_good", ClientID: "cli_good", Secret: []byte("sk_good_0123456789"), ClientActive: true, RatePerMinute: 60},
		"pk_revoked":   {Key: "pk_revoked", ClientID: "cli_good", Secret: []byte("sk_revoked_012345"), ClientActive: true, RevokedAt: &revoked},
		"pk_suspended": {Key: "pk_suspended", ClientID: "cli_susp", Secret: []byte("sk_suspended_0123"), ClientActive: false},
	}
}

// fuzzNonces is a ports.NonceStore in a map (one fuzz call at a time).
type fuzzNonces map[string]bool

func (n fuzzNonces) UseNonce(_ context.Context, clientID, nonce string, _ time.Time) error {
	k := clientID + "\x00" + nonce
	if n[k] {
		return domain.ErrDuplicate
	}
	n[k] = true
	return nil
}

// hmacHex is the signature of docs/merchant-api.md §2.2, computed here
// without app's code.
func hmacHex(secret []byte, method, path, ts, nonce string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(method + "\n" + path + "\n" + ts + "\n" + nonce + "\n"))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// FuzzAuthenticate: Authenticator.Authenticate never panics, refuses with
// an *AuthError only, and accepts a request only when its key is live, its
// client active, its timestamp within SignatureWindow of the server's
// clock, its nonce fresh and its signature the HMAC of the request under
// the key's secret. What Sign writes is accepted inside the window (once
// per nonce) and refused outside it or once any signed part changes.
// Seeds: testdata/fuzz/FuzzAuthenticate.
func FuzzAuthenticate(f *testing.F) {
	f.Add("pk_good", "00", "1764000000", "n-1", "POST", "/api/v1/pay", []byte(`{"amount":"10"}`), int64(0))
	f.Add("pk_good", "", "+1764000000", "n", "GET", "/api/v1/transactions?page=1", []byte{}, int64(300))
	f.Add("pk_revoked", "x", "1763999699", "n", "GET", "/", []byte{}, int64(-301))
	f.Add("pk_suspended", "x", "9223372036854775807", "n", "GET", "/", []byte{}, int64(-9223372036854775808))
	f.Fuzz(func(t *testing.T, key, sig, ts, nonce, method, path string, body []byte, skew int64) {
		ctx := context.Background()
		keys, nonces := newFuzzKeys(), fuzzNonces{}
		a := app.NewAuthenticator(keys, nonces, portstest.NewClock(fuzzNow))

		// accepted checks, independently of app, that a request passed
		// for good reasons.
		accepted := func(r app.SignedRequest, p app.Principal, err error) bool {
			t.Helper()
			if err != nil {
				var ae *app.AuthError
				if !errors.As(err, &ae) || !errors.Is(err, domain.ErrUnauthenticated) {
					t.Fatalf("Authenticate(%+v) error %v is not an *AuthError", r, err)
				}
				return false
			}
			k, ok := keys[r.APIKey]
			if !ok || k.RevokedAt != nil || !k.ClientActive {
				t.Fatalf("accepted key %q", r.APIKey)
			}
			if p.ClientID != k.ClientID || p.RatePerMinute != k.RatePerMinute {
				t.Fatalf("accepted as %+v, key %q is %s", p, r.APIKey, k.ClientID)
			}
			sec, perr := strconv.ParseInt(r.Timestamp, 10, 64)
			if perr != nil || sec < fuzzNow.Unix()-300 || sec > fuzzNow.Unix()+300 {
				t.Fatalf("accepted timestamp %q, now %d", r.Timestamp, fuzzNow.Unix())
			}
			if r.Nonce == "" || len(r.Nonce) > 128 {
				t.Fatalf("accepted nonce %q", r.Nonce)
			}
			if r.Signature != hmacHex(k.Secret, r.Method, r.Path, r.Timestamp, r.Nonce, r.Body) {
				t.Fatalf("accepted a forged signature: %+v", r)
			}
			return true
		}

		// 1. Whatever arrives.
		r := app.SignedRequest{APIKey: key, Signature: sig, Timestamp: ts, Nonce: nonce, Method: method, Path: path, Body: body}
		p, err := a.Authenticate(ctx, r)
		accepted(r, p, err)

		// 2. What a merchant with the good key signs at now+skew.
		skew %= 1 << 40
		g := app.SignedRequest{APIKey: "pk_good", Timestamp: strconv.FormatInt(fuzzNow.Unix()+skew, 10),
			Nonce: "fz-" + nonce, Method: method, Path: path, Body: body}
		g.Signature = app.Sign(keys["pk_good"].Secret, g)
		if g.Signature != hmacHex(keys["pk_good"].Secret, g.Method, g.Path, g.Timestamp, g.Nonce, g.Body) {
			t.Fatalf("Sign(%+v) = %s, not the documented HMAC", g, g.Signature)
		}
		inWindow := skew >= -300 && skew <= 300
		fresh := len(g.Nonce) <= 128
		p, err = a.Authenticate(ctx, g)
		if got := accepted(g, p, err); got != (inWindow && fresh) {
			t.Fatalf("genuine request at skew %ds (nonce %d bytes): accepted = %v, err = %v", skew, len(g.Nonce), got, err)
		}

		// 3. Forgeries of the genuine request: each must be refused (with
		// a new nonce, so the nonce is not what refuses them).
		forgeries := map[string]func(r *app.SignedRequest){
			"body":      func(r *app.SignedRequest) { r.Body = append(append([]byte(nil), r.Body...), '}') },
			"path":      func(r *app.SignedRequest) { r.Path += "&x=1" },
			"method":    func(r *app.SignedRequest) { r.Method += "X" },
			"timestamp": func(r *app.SignedRequest) { r.Timestamp = "0" + r.Timestamp },
			"upper hex": func(r *app.SignedRequest) { r.Signature = strings.ToUpper(r.Signature) },
			"other key": func(r *app.SignedRequest) { r.APIKey = "pk_suspended" },
			"revoked":   func(r *app.SignedRequest) { r.APIKey = "pk_revoked" },
			"truncated": func(r *app.SignedRequest) { r.Signature = r.Signature[:len(r.Signature)-1] },
		}
		for name, forge := range forgeries {
			fr := g
			fr.Nonce = "f-" + name
			fr.Signature = app.Sign(keys["pk_good"].Secret, fr)
			forge(&fr)
			p, err := a.Authenticate(ctx, fr)
			if accepted(fr, p, err) && (name != "upper hex" || strings.ToLower(fr.Signature) != fr.Signature) {
				t.Fatalf("forgery %q accepted: %+v", name, fr)
			}
		}

		// 4. A replay of the genuine request.
		if _, err := a.Authenticate(ctx, g); err == nil {
			t.Fatalf("replay accepted: %+v", g)
		}
	})
}
