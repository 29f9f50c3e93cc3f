package redirectgw_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The Client as the core uses it, through ports' interfaces only.
var (
	_ ports.ReturnVerifier = (*redirectgw.Client)(nil)
	_ ports.Resolver       = (*redirectgw.Client)(nil)
)

// query turns a callback map back into a return's query as received.
func query(cb map[string]string) map[string][]string {
	q := map[string][]string{}
	for k, v := range cb {
		q[k] = []string{v}
	}
	return q
}

func TestVerifyReturnInPortsTerms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var rv ports.ReturnVerifier = e.client
	_, cb := e.pay(t, "att_ports", bdt(15050))

	sr, err := rv.VerifyReturn(query(cb), e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, ports.SignedReturn{Kind: ports.ReturnSuccess, AttemptID: "att_ports", Amount: bdt(15050),
		ExpiresAt: t0.Add(redirectgw.DefaultReturnTTL), TransactionID: cb["transaction_id"]}, sr)

	res, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_ports_cancel", Amount: bdt(500)})
	require.NoError(t, err)
	loc := submit(t, res.RedirectURL, "cancel")
	sr, err = rv.VerifyReturn(loc.Query(), e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, ports.ReturnCancel, sr.Kind)
	assert.Equal(t, "att_ports_cancel", sr.AttemptID)
	assert.Empty(t, sr.TransactionID)

	t.Run("forged", func(t *testing.T) {
		bad := clone(cb)
		bad["amt"] = "1"
		_, err := rv.VerifyReturn(query(bad), e.clock.Now())
		assert.ErrorIs(t, err, ports.ErrBadReturn)
		assert.ErrorIs(t, err, domain.ErrForbidden)
		assert.ErrorIs(t, err, redirectgw.ErrBadReturn)
		assert.NotErrorIs(t, err, ports.ErrReturnExpired)
		assert.NotContains(t, err.Error(), cb["mac"])
	})
	t.Run("repeated parameter", func(t *testing.T) {
		q := query(cb)
		q["att"] = append(q["att"], "att_other")
		_, err := rv.VerifyReturn(q, e.clock.Now())
		assert.ErrorIs(t, err, ports.ErrBadReturn)
	})
	t.Run("expired", func(t *testing.T) {
		_, err := rv.VerifyReturn(query(cb), e.clock.Now().Add(redirectgw.DefaultReturnTTL+time.Second))
		assert.ErrorIs(t, err, ports.ErrReturnExpired)
		assert.ErrorIs(t, err, ports.ErrBadReturn)
		assert.ErrorIs(t, err, redirectgw.ErrReturnExpired)
		assert.Contains(t, err.Error(), "expired")
	})
}

// TestResolveAfterVerifyGaveNoAnswer: Confirm's verify is not heard, so the
// attempt keeps the claimed transaction; reconciliation's Resolve asks
// again with it (ports.ConfirmRequest.ClaimedTrxID) and settles.
func TestResolveAfterVerifyGaveNoAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_resolve", bdt(3300))
	e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.Fault503, Times: 1})
	got := confirm(t, e.client, "att_resolve", res.GatewayRef, bdt(3300), cb)
	require.Equal(t, ports.OutcomeUnknown, got.Outcome)
	require.Equal(t, cb["transaction_id"], got.TrxID)

	var rv ports.Resolver = e.client
	out, err := rv.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: "att_resolve", GatewayRef: res.GatewayRef,
		Amount: bdt(3300), ClaimedTrxID: got.TrxID})
	require.NoError(t, err)
	assert.Equal(t, ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: cb["transaction_id"]}, out)
	assert.Equal(t, 2, e.sim.Stats()["verify"])

	// Another attempt holding the same transaction is not confirmed by it.
	out, err = rv.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: "att_other", GatewayRef: res.GatewayRef,
		Amount: bdt(3300), ClaimedTrxID: got.TrxID})
	require.NoError(t, err)
	assert.Equal(t, ports.OutcomeFailed, out.Outcome)
	assert.Equal(t, redirectgw.CodeVerifyMismatch, out.Code)
	assert.Equal(t, redirectgw.CodeVerifyMismatch, out.Review)
}

// TestResolveWithNothingToAsk: no claimed transaction, or no verify
// endpoint: unknown, and nothing is sent.
func TestResolveWithNothingToAsk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	out, err := e.client.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: "att_none", Amount: bdt(100)})
	require.NoError(t, err)
	assert.Equal(t, ports.ConfirmResult{Outcome: ports.OutcomeUnknown}, out)

	noVerify := e.newClient(t, func(c *redirectgw.Config) { c.VerifyURL = "" })
	out, err = noVerify.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: "att_claim", Amount: bdt(100), ClaimedTrxID: "CJH1D2Y4W1"})
	require.NoError(t, err)
	assert.Equal(t, ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: "CJH1D2Y4W1", Code: redirectgw.CodeUnverifiedClaim}, out,
		"the claim waits for an operator; its review is already open")
	assert.Equal(t, 0, e.sim.Stats()["verify"])
}

// TestResolveReadsVerifyAnswers runs Resolve against verify answers of
// every kind.
func TestResolveReadsVerifyAnswers(t *testing.T) {
	t.Parallel()
	const txn, session = "CJH1D2Y4W1", "sess_1"
	tests := []struct {
		name    string
		status  int
		answer  string
		claimed string
		want    ports.Outcome
		code    string
		review  bool
	}{
		{"completed", 200, `{"status":"COMPLETED","amount":"150.50","transaction_id":"` + txn + `","metadata":{"attempt_id":"att_r"}}`, txn, ports.OutcomeSucceeded, "", false},
		{"pending", 200, `{"status":"PENDING","amount":"150.50"}`, txn, ports.OutcomeUnknown, redirectgw.CodeVerifyPending, false},
		{"failed status", 200, `{"status":"FAILED","amount":"150.50"}`, txn, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch, true},
		{"unknown transaction", 404, `{"status":"error","message":"Invalid transaction ID."}`, txn, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch, true},
		{"another transaction echoed", 200, `{"status":"COMPLETED","amount":"150.50","transaction_id":"OTHER00001"}`, txn, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch, true},
		{"another attempt", 200, `{"status":"COMPLETED","amount":"150.50","metadata":{"attempt_id":"att_x"}}`, txn, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch, true},
		{"another session", 200, `{"status":"COMPLETED","amount":"150.50","trx_id":"sess_2"}`, txn, ports.OutcomeFailed, redirectgw.CodeVerifyMismatch, true},
		{"another amount", 200, `{"status":"COMPLETED","amount":"150.49"}`, txn, ports.OutcomeFailed, redirectgw.CodeAmountMismatch, true},
		{"key refused", 401, `{"status":"error","message":"Unauthorized"}`, txn, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer, false},
		{"HTML", 200, `<html>oops</html>`, txn, ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer, false},
		{"malformed claimed transaction", 200, `{"status":"COMPLETED","amount":"150.50"}`, "bad id", ports.OutcomeUnknown, redirectgw.CodeVerifyNoAnswer, false},
	}
	e := newEnv(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.answer))
			}))
			t.Cleanup(srv.Close)
			c := e.newClient(t, func(c *redirectgw.Config) { c.VerifyURL = srv.URL; c.Observe = nil })

			got, err := c.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: "att_r", GatewayRef: session,
				Amount: bdt(15050), ClaimedTrxID: tc.claimed, Callback: map[string]string{"transaction_id": "IGNORED001"}})
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Outcome)
			assert.Equal(t, tc.code, got.Code)
			if tc.review {
				assert.Equal(t, tc.code, got.Review)
				assert.True(t, strings.HasSuffix(got.Message, "; flagged for review."), got.Message)
			} else {
				assert.Empty(t, got.Review)
			}
			if tc.want != ports.OutcomeFailed {
				assert.Equal(t, tc.claimed, got.TrxID)
			}
			wantHits := int32(1)
			if tc.claimed == "bad id" {
				wantHits = 0
			}
			assert.Equal(t, wantHits, hits.Load(), "verify is called at most once")
		})
	}
}
