package redirectgw_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/ports"
)

// TestConfirmReadsVerifyAnswers runs Confirm on a genuine return against
// verify answers of the shapes the gateway's relatives use (docs/gateways/redirectgw.md §4.2).
func TestConfirmReadsVerifyAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_shape", bdt(15050))
	txn := cb["transaction_id"]

	tests := []struct {
		name   string
		status int
		answer string
		want   ports.Outcome
		code   string
	}{
		{"UddoktaPay shape, amount string, metadata object", 200,
			`{"full_name":"A","amount":"150.50","fee":"0.00","charged_amount":"150.50","invoice_id":"x","metadata":{"attempt_id":"att_shape"},"payment_method":"bkash","sender_number":"01711111111","transaction_id":"` + txn + `","date":"2025-11-24 21:20:00","status":"COMPLETED"}`,
			ports.OutcomeSucceeded, ""},
		{"amount number, metadata as a JSON string, lower-case status", 200,
			`{"status":"completed","amount":150.5,"currency":"BDT","meta_data":"{\"attempt_id\":\"att_shape\"}"}`,
			ports.OutcomeSucceeded, ""},
		{"no metadata", 200, `{"status":"COMPLETED","amount":"150.50"}`, ports.OutcomeSucceeded, ""},
		{"pending", 200, `{"status":"PENDING","amount":"150.50","transaction_id":"` + txn + `"}`, ports.OutcomeUnknown, redirectgw.CodeVerifyPending},
		{"unknown status", 200, `{"status":"ON_HOLD","amount":"150.50"}`, ports.OutcomeUnknown, redirectgw.CodeVerifyPending},
		{"payment status ERROR", 200, `{"status":"ERROR","amount":"150.50","transaction_id":"` + txn + `"}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"error answer status false", 200, `{"status":false,"message":"Invalid transaction"}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"error answer 404", 404, `{"status":"error","message":"Invalid transaction ID."}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"other currency", 200, `{"status":"COMPLETED","amount":"150.50","currency":"USD"}`, ports.OutcomeFailed, redirectgw.CodeAmountMismatch},
		{"less money", 200, `{"status":"COMPLETED","amount":"150.49","currency":"BDT"}`, ports.OutcomeFailed, redirectgw.CodeAmountMismatch},
		{"no amount", 200, `{"status":"COMPLETED"}`, ports.OutcomeFailed, redirectgw.CodeAmountMismatch},
		{"other transaction echoed", 200, `{"status":"COMPLETED","amount":"150.50","transaction_id":"OTHER00001"}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"other attempt in metadata", 200, `{"status":"COMPLETED","amount":"150.50","metadata":"{\"attempt_id\":\"att_other\"}"}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"other session echoed", 200, `{"status":"COMPLETED","amount":"150.50","trx_id":"not-this-session"}`, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch},
		{"unreadable amount", 200, `{"status":"COMPLETED","amount":"abc"}`, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer},
		{"no status", 200, `{"amount":"150.50"}`, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer},
		{"401", 401, `{"status":"error","message":"Unauthorized"}`, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer},
		{"500 with an error body", 500, `{"status":"error","message":"Domain mismatch."}`, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer},
		{"HTML", 200, `<html>oops</html>`, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				assert.Equal(t, "Bearer "+e.cfg.APIKey, r.Header.Get("Authorization"))
				b, _ := io.ReadAll(r.Body)
				var body map[string]string
				assert.NoError(t, json.Unmarshal(b, &body))
				assert.Equal(t, map[string]string{"transaction_id": txn}, body)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.answer))
			}))
			t.Cleanup(srv.Close)
			c := e.newClient(t, func(c *redirectgw.Config) { c.VerifyURL = srv.URL; c.Observe = nil })

			got := confirm(t, c, "att_shape", res.GatewayRef, bdt(15050), cb)
			assert.Equal(t, tc.want, got.Outcome)
			assert.Equal(t, tc.code, got.Code)
			if tc.code == redirectgw.CodeVerifyMismatch || tc.code == redirectgw.CodeAmountMismatch {
				assert.Equal(t, tc.code, got.Review, "mismatches open a review")
			} else {
				assert.Empty(t, got.Review)
			}
			if tc.want != ports.OutcomeFailed {
				assert.Equal(t, txn, got.TrxID)
			}
			require.Equal(t, int32(1), hits.Load(), "verify is called once")
		})
	}
}
