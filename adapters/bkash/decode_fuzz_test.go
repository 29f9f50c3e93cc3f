package bkash_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// bodyTransport answers the token grant with the fixture and execute and
// payment/status with the fuzzed bodies.
type bodyTransport struct {
	execute, query []byte
	status         int
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, status := []byte(fxGrant), http.StatusOK
	switch {
	case strings.HasSuffix(r.URL.Path, "/execute"):
		body, status = b.execute, b.status
	case strings.HasSuffix(r.URL.Path, "/payment/status"):
		body = b.query
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// first returns the first of names present in obj and not null, as text
// (a string's value, a number's literal); ok false if none or another kind.
func first(obj map[string]json.RawMessage, names ...string) (string, bool) {
	for _, n := range names {
		raw, present := obj[n]
		if !present || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
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
	return "", false
}

// provesPayment reports, with encoding/json and math/big alone, whether
// body is a bKash answer saying this payment was completed for this amount
// under transaction trxID. A query answer may leave statusCode out when it
// carries the payload (docs/gateways/bkash.md §8.1 captures; Client.check).
func provesPayment(body []byte, req ports.ConfirmRequest, trxID string, statusOptional bool) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil && json.Unmarshal(escaped(body), &obj) != nil {
		return false
	}
	is := func(want string, names ...string) bool { v, ok := first(obj, names...); return ok && v == want }
	amt, ok := first(obj, "amount")
	want := new(big.Rat).SetFrac64(req.Amount.Minor(), 100)
	got, okRat := new(big.Rat).SetString(amt)
	invoice, hasInvoice := first(obj, "merchantInvoiceNumber", "merchantInvoice")
	status, hasStatus := first(obj, "statusCode")
	hasStatus = hasStatus && status != "" // an empty statusCode says nothing, as an absent one
	return (is("0000", "statusCode") || (statusOptional && !hasStatus)) && is(bkash.StatusCompleted, "transactionStatus") &&
		is(req.GatewayRef, "paymentID", "paymentId") && is(trxID, "trxID", "trxId") && trxID != "" &&
		is("BDT", "currency") && ok && okRat && got.Cmp(want) == 0 &&
		(!hasInvoice || invoice == "" || invoice == req.AttemptID)
}

// escaped is body as the adapter reads it when bKash's sandbox put raw
// control characters inside strings.
func escaped(body []byte) []byte {
	if b, changed := bkash.EscapeControlInStrings(body); changed {
		return b
	}
	return body
}

// FuzzConfirmDecode: bKash's answers, as arbitrary bytes, never make the
// decoders (every response type) or Confirm panic, and Confirm reports a
// payment succeeded only when the execute or query answer really says
// "0000", Completed, this paymentID and invoice, BDT, an amount equal to
// the attempt's and the trxID it returns. Seeds:
// testdata/fuzz/FuzzConfirmDecode.
func FuzzConfirmDecode(f *testing.F) {
	f.Add([]byte(fxExecute), []byte(fxQuery), uint8(0))
	f.Add([]byte(fxExecute2117), []byte(fxQuery), uint8(0))
	f.Add([]byte(`{"message":"Unauthorized"}`), []byte(fxQueryInitiated), uint8(2))
	f.Add([]byte(`<html>busy</html>`), []byte(`{"statusCode":"0000","transactionStatus":"Completed","paymentID":"`+fxPaymentID+`","trxID":"T","amount":250,"currency":"BDT"}`), uint8(3))
	f.Add([]byte(fxExecute2023), []byte{}, uint8(1))
	statuses := []int{200, 200, 500, 503, 401, 400}
	f.Fuzz(func(t *testing.T, execute, query []byte, st uint8) {
		// Every decoder takes any bytes.
		for _, v := range []any{&bkash.TokenResponse{}, &bkash.CreateResponse{}, &bkash.ExecuteResponse{},
			&bkash.QueryResult{}, &bkash.SearchResult{}, &bkash.RefundResult{}} {
			_ = json.Unmarshal(execute, v)
		}
		var cr bkash.CreateResponse
		if json.Unmarshal(execute, &cr) == nil {
			_ = cr.Signature()
		}
		if _, err := bkash.ParseTime(string(query)); err != nil {
			_ = err.Error()
		}

		c, err := bkash.New(bkash.Config{BaseURL: "https://bkash.test" + basePath, Username: testUser, Password: testPassword,
			AppKey: testAppKey, AppSecret: testAppSecret, CallbackURL: callbackURL, Clock: portstest.NewClock(t0),
			HTTPClient: &http.Client{Transport: bodyTransport{execute: execute, query: query, status: statuses[int(st)%len(statuses)]}}},
			bkash.NewMemoryTokenStore())
		if err != nil {
			t.Fatal(err)
		}
		req := ports.ConfirmRequest{AttemptID: fxInvoice, GatewayRef: fxPaymentID, Amount: bdt(25000)}
		res, err := c.Confirm(context.Background(), req)
		if err != nil {
			return // nothing was sent, or no token: Confirm may be called again
		}
		if res.Outcome == ports.OutcomeSucceeded && !provesPayment(execute, req, res.TrxID, false) && !provesPayment(query, req, res.TrxID, true) {
			t.Fatalf("Confirm = %+v from execute %q, query %q: no answer proves it", res, execute, query)
		}
		if res.Outcome == ports.OutcomeSucceeded && res.Review != "" {
			t.Fatalf("Confirm = %+v: a success with a review", res)
		}
	})
}
