package nagad_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/ports"
)

// verifyTransport answers every call with the body and status it holds
// (the fuzz function of one worker runs one input at a time).
type verifyTransport struct {
	body   []byte
	status int
}

func (v *verifyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: v.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(v.body)), Request: r}, nil
}

// text returns obj[name] as text (a string's value, a number's literal); ok
// false when absent, null or of another kind.
func text(obj map[string]json.RawMessage, name string) (string, bool) {
	raw, present := obj[name]
	if !present {
		return "", false
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// FuzzConfirmVerify: arbitrary bytes from /verify/payment never make
// Confirm, CheckAbandoned or ParseDateTime panic, and Confirm reports a
// payment succeeded only when the answer, read here with encoding/json and
// math/big alone, says Success for this merchant, this orderId, this
// paymentRefId (or none), exactly the attempt's amount, and the TrxID
// returned (issuerPaymentRefNo, else the paymentRefId). Seeds:
// testdata/fuzz/FuzzConfirmVerify.
func FuzzConfirmVerify(f *testing.F) {
	const merchant, attempt, ref = "681234567890123", "att_Order20240202124953", "MDEyMzQ1Njc4OTAxMjM0NTY3ODk+/="
	f.Add([]byte(`{"merchantId":"681234567890123","orderId":"Order20240202124953","paymentRefId":"`+ref+`","amount":"100","status":"Success","issuerPaymentRefNo":"0000Z1DW","statusCode":"000"}`), uint8(0))
	f.Add([]byte(`{"reason":"16_0006_055","message":"Invalid payment reference"}`), uint8(1))
	f.Add([]byte(`{"status":"OrderInitiated"}`), uint8(0))
	f.Add([]byte(`<html>Request Rejected</html>`), uint8(2))
	keys := fakeKeys()
	tr := &verifyTransport{}
	c, err := nagad.New(nagad.Config{BaseURL: "https://nagad.test/api/dfs", MerchantID: merchant,
		MerchantPrivateKey: pkcs8PEM(keys[1]), PGPublicKey: spkiB64(&keys[0].PublicKey), CallbackURL: callbackURL,
		HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		f.Fatal(err)
	}
	orderID, err := nagad.OrderID(attempt)
	if err != nil {
		f.Fatal(err)
	}
	statuses := []int{200, 200, 200, 400, 403, 500}
	f.Fuzz(func(t *testing.T, body []byte, st uint8) {
		tr.body, tr.status = body, statuses[int(st)%len(statuses)]
		_, _ = nagad.ParseDateTime(string(body))
		req := ports.ConfirmRequest{AttemptID: attempt, GatewayRef: ref, Amount: bdt(10000),
			Callback: map[string]string{nagad.CallbackPaymentRefID: string(body)}}
		for _, check := range []func(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error){c.Confirm, c.CheckAbandoned} {
			res, err := check(context.Background(), req)
			if err != nil {
				t.Fatalf("Confirm error %v: only for a request that cannot be sent", err)
			}
			if res.Outcome != ports.OutcomeSucceeded {
				if res.Outcome == "" {
					t.Fatalf("Confirm = %+v: no outcome", res)
				}
				continue
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(body, &obj) != nil {
				t.Fatalf("success from a body that is not a JSON object: %q", body)
			}
			status, _ := text(obj, "status")
			mid, _ := text(obj, "merchantId")
			oid, _ := text(obj, "orderId")
			pref, _ := text(obj, "paymentRefId")
			amt, _ := text(obj, "amount")
			trx, _ := text(obj, "issuerPaymentRefNo")
			got, okRat := new(big.Rat).SetString(amt)
			switch {
			case !strings.EqualFold(strings.TrimSpace(status), "success"):
				t.Fatalf("success, but status %q: %q", status, body)
			case mid != merchant || oid != orderID || (pref != "" && pref != ref):
				t.Fatalf("success for merchant %q order %q ref %q: %q", mid, oid, pref, body)
			case !okRat || got.Cmp(big.NewRat(100, 1)) != 0:
				t.Fatalf("success for amount %q, 100.00 due: %q", amt, body)
			case res.TrxID != trx && (trx != "" || res.TrxID != ref):
				t.Fatalf("success with TrxID %q, the answer says %q: %q", res.TrxID, trx, body)
			case res.Review != "":
				t.Fatalf("success with a review: %+v", res)
			}
			if r, ok := text(obj, "reason"); ok && r != "" {
				t.Fatalf("success from a refusal (reason %q): %q", r, body)
			}
		}
	})
}
