package webhook_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/paycore/paycore/webhook"
)

// A merchant's receiver: read the raw body, verify, then decode and dedupe
// on X-Webhook-Id.
func Example() {
	secret := []byte("whsec_demo")
	sent := time.Unix(1_764_000_000, 0)
	now := sent.Add(2 * time.Second) // the receiver's clock; time.Now() in real code

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		err = webhook.Verify(body, r.Header.Get(webhook.SignatureHeader), [][]byte{secret}, webhook.DefaultTolerance, now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Println("accepted", r.Header.Get(webhook.IDHeader), string(body))
	})

	// What paycore sends.
	body := `{"id":"evt_1","event":"payment.success"}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/paycore", strings.NewReader(body))
	req.Header.Set(webhook.IDHeader, "evt_1")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, []byte(body), sent))
	fmt.Println(req.Header.Get(webhook.SignatureHeader))
	handler.ServeHTTP(httptest.NewRecorder(), req)

	// The same header on a changed body is refused.
	forged := httptest.NewRequest(http.MethodPost, "/webhooks/paycore", strings.NewReader(`{"id":"evt_1","event":"payment.refunded"}`))
	forged.Header.Set(webhook.SignatureHeader, req.Header.Get(webhook.SignatureHeader))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, forged)
	fmt.Print(rec.Code, " ", rec.Body.String())

	// Output:
	// t=1764000000,v1=20470f7602001ce2cacf2ba8b38151aec899d3bb5ddff067da7d8cce3bc2a135
	// accepted evt_1 {"id":"evt_1","event":"payment.success"}
	// 401 webhook: no matching signature
}

// Rotating the signing secret: during the grace period the receiver accepts
// the old and the new secret.
func ExampleVerify_rotation() {
	oldSecret, newSecret := []byte("whsec_old"), []byte("whsec_new")
	body := []byte(`{"id":"evt_2","event":"payment.refunded"}`)
	sent := time.Unix(1_764_000_000, 0)
	accepted := [][]byte{newSecret, oldSecret}

	for _, signer := range [][]byte{oldSecret, newSecret, []byte("whsec_other")} {
		err := webhook.Verify(body, webhook.Sign(signer, body, sent), accepted, webhook.DefaultTolerance, sent)
		fmt.Printf("signed with %s: %v\n", signer, err)
	}
	// Output:
	// signed with whsec_old: <nil>
	// signed with whsec_new: <nil>
	// signed with whsec_other: webhook: no matching signature
}

// A genuine webhook delivered (or replayed) too late is refused.
func ExampleVerify_replay() {
	secret := []byte("whsec_demo")
	body := []byte(`{"id":"evt_3"}`)
	sent := time.Unix(1_764_000_000, 0)
	header := webhook.Sign(secret, body, sent)

	err := webhook.Verify(body, header, [][]byte{secret}, webhook.DefaultTolerance, sent.Add(10*time.Minute))
	fmt.Println(errors.Is(err, webhook.ErrTimestampOutsideTolerance))
	// Output:
	// true
}
