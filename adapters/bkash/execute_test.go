package bkash_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var confirmReq = ports.ConfirmRequest{AttemptID: fxInvoice, GatewayRef: fxPaymentID, Amount: bdt(25000)}

func confirm(t *testing.T, e *env, req ports.ConfirmRequest) ports.ConfirmResult {
	t.Helper()
	res, err := e.client.Confirm(context.Background(), req)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return res
}

func wantOutcome(t *testing.T, res ports.ConfirmResult, outcome ports.Outcome, trxID, code string) {
	t.Helper()
	if res.Outcome != outcome || res.TrxID != trxID || res.Code != code {
		t.Fatalf("result = %+v, want outcome %s, trxID %q, code %q", res, outcome, trxID, code)
	}
}

func TestConfirmExecuteSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := confirm(t, e, confirmReq)
	wantOutcome(t, res, ports.OutcomeSucceeded, fxTrxID, "")
	eq(t, "executes", e.f.count("execute"), 1)
	eq(t, "queries (never on the success path, docs/gateways/bkash.md §2.7)", e.f.count("query"), 0)
	eq(t, "paymentID sent", e.f.requests("execute")[0].str(t, "paymentID"), fxPaymentID)
}

func TestConfirmAmountAsDecimal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("execute", 200, strings.Replace(fxExecute, `"amount":"250.00"`, `"amount":"250"`, 1))
	wantOutcome(t, confirm(t, e, confirmReq), ports.OutcomeSucceeded, fxTrxID, "")
}

func TestConfirmExecuteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("execute", 200, fxExecute2023)
	res := confirm(t, e, confirmReq)
	wantOutcome(t, res, ports.OutcomeFailed, "", "2023")
	eq(t, "Message", res.Message, "Insufficient Balance")
	eq(t, "queries", e.f.count("query"), 0)
}

func TestConfirmMismatches(t *testing.T) {
	t.Parallel()
	// Money may have moved on a mismatch: the result asks for an operator's
	// review, and an amount mismatch names bKash's trxID for it.
	tests := []struct {
		name, from, to, code, trxID string
	}{
		{"amount", `"amount":"250.00"`, `"amount":"25.00"`, bkash.CodeAmountMismatch, fxTrxID},
		{"currency", `"currency":"BDT"`, `"currency":"USD"`, bkash.CodeAmountMismatch, fxTrxID},
		{"paymentID", `"paymentID":"TR0011kq7Zs2P1764000000123"`, `"paymentID":"TR0011other1764000000999"`, bkash.CodePaymentMismatch, ""},
		{"invoice", `"merchantInvoiceNumber":"INV-10042"`, `"merchantInvoiceNumber":"INV-99999"`, bkash.CodePaymentMismatch, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.f.answer("execute", 200, strings.Replace(fxExecute, tt.from, tt.to, 1))
			res := confirm(t, e, confirmReq)
			wantOutcome(t, res, ports.OutcomeFailed, tt.trxID, tt.code)
			eq(t, "Review", res.Review, tt.code)
			if res.Message == "" {
				t.Error("no message")
			}
			if !strings.Contains(e.logs.String(), `"level":"ERROR"`) {
				t.Error("mismatch not logged at error level")
			}
			eq(t, "queries", e.f.count("query"), 0)
		})
	}
}

// TestConfirmNoAnswerQueries covers docs/gateways/bkash.md §2.7: execute unheard → one query.
func TestConfirmNoAnswerQueries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fakeBkash)
	}{
		{"timeout", func(f *fakeBkash) { f.hang("execute", 2*time.Second) }},
		{"HTTP 503", func(f *fakeBkash) {
			f.answer("execute", 503, `{"statusCode":"503","statusMessage":"System is undergoing maintenance."}`)
		}},
		{"HTML body", func(f *fakeBkash) { f.answer("execute", 200, `<html><body>Gateway Timeout</body></html>`) }},
		{"only message", func(f *fakeBkash) {
			f.answer("execute", 200, `{"message":"Timeout of 30 Seconds Exceeded While Executing Payment, Please Query the Payment"}`)
		}},
		{"connection dropped", func(f *fakeBkash) {
			f.on("execute", func(w http.ResponseWriter, _ *http.Request, _ fakeReq) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			})
		}},
		{"malformed amount", func(f *fakeBkash) {
			f.answer("execute", 200, strings.Replace(fxExecute, `"250.00"`, `"2x0"`, 1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *bkash.Config) { c.Timeout = 150 * time.Millisecond })
			tt.setup(e.f)
			res := confirm(t, e, confirmReq)
			wantOutcome(t, res, ports.OutcomeSucceeded, fxTrxID, "")
			eq(t, "executes", e.f.count("execute"), 1)
			eq(t, "queries", e.f.count("query"), 1)
			eq(t, "query paymentID", e.f.requests("query")[0].str(t, "paymentID"), fxPaymentID)
		})
	}
}

func TestConfirmNoAnswerThenQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		status       int
		query        string
		outcome      ports.Outcome
		trxID, code  string
		mentionStart bool
	}{
		{"Initiated: start again", 200, strings.NewReplacer("TR0011Pw4nT8r1764000100777", fxPaymentID, `"99"`, `"250.00"`).Replace(fxQueryInitiated),
			ports.OutcomeFailed, "", bkash.CodeInitiated, true},
		{"query unheard: unknown", 500, `oops`, ports.OutcomeUnknown, "", "", false},
		{"query refused: unknown", 200, `{"statusCode":"2002","statusMessage":"Invalid Payment ID"}`, ports.OutcomeUnknown, "", "", false},
		{"other state: unknown", 200, strings.Replace(fxQuery, `"Completed"`, `"Expired"`, 1), ports.OutcomeUnknown, "", "", false},
		{"completed, other amount", 200, strings.Replace(fxQuery, `"250.00"`, `"2500.00"`, 1), ports.OutcomeFailed, fxTrxID, bkash.CodeAmountMismatch, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.f.answer("execute", 504, `{"message":"Endpoint request timed out"}`)
			e.f.answer("query", tt.status, tt.query)
			res := confirm(t, e, confirmReq)
			wantOutcome(t, res, tt.outcome, tt.trxID, tt.code)
			if tt.mentionStart && !strings.Contains(res.Message, "start the payment again") {
				t.Errorf("Message %q does not tell the customer to start again", res.Message)
			}
			eq(t, "executes", e.f.count("execute"), 1)
			eq(t, "queries", e.f.count("query"), 1)
		})
	}
}

// 2117/2062/2068 at execute are answers: no query (docs/gateways/bkash.md
// §2.7, errata "Rule 7 is literal"); money may have moved, so the attempt
// awaits an operator's review naming the paymentID.
func TestConfirmAlreadyExecutedAwaitsOperator(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"2117", "2062", "2068"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.f.answer("execute", 200, `{"statusCode":"`+code+`","statusMessage":"already"}`)
			res := confirm(t, e, confirmReq)
			wantOutcome(t, res, ports.OutcomeUnknown, "", code)
			if res.Review != bkash.CodeExecuteAlreadyDone || !res.AwaitOperator || !strings.Contains(res.Message, fxPaymentID) {
				t.Fatalf("result = %+v, want review %s awaiting an operator, naming the paymentID", res, bkash.CodeExecuteAlreadyDone)
			}
			eq(t, "executes", e.f.count("execute"), 1)
			eq(t, "queries", e.f.count("query"), 0)
		})
	}
}

func TestConfirmNotCompletedIsUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("execute", 200, strings.Replace(fxExecute, `"Completed"`, `"Authorized"`, 1))
	wantOutcome(t, confirm(t, e, confirmReq), ports.OutcomeUnknown, "", "")
	eq(t, "queries", e.f.count("query"), 0)
}

func TestConfirmInvalidRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, req := range []ports.ConfirmRequest{
		{AttemptID: "a", GatewayRef: fxPaymentID, Amount: domain.MustMoney(25000, "USD")},
		{AttemptID: "a", GatewayRef: "", Amount: bdt(25000)},
		{AttemptID: "a", GatewayRef: fxPaymentID},
	} {
		if _, err := e.client.Confirm(context.Background(), req); !errors.Is(err, bkash.ErrInvalidRequest) {
			t.Errorf("Confirm(%+v) err = %v, want ErrInvalidRequest", req, err)
		}
	}
	eq(t, "calls", e.f.total(), 0)
}

func TestQueryAndSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	q, err := e.client.Query(ctx, fxPaymentID)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "query status", q.TransactionStatus, "Completed")
	s, err := e.client.Search(ctx, fxTrxID)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "search trxID", s.TrxID, fxTrxID)
	eq(t, "search body", e.f.requests("search")[0].str(t, "trxID"), fxTrxID)

	e.f.answer("search", 200, `{"statusCode":"2033","statusMessage":"Transaction not found"}`)
	_, err = e.client.Search(ctx, "CKNOPE0000")
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != "2033" {
		t.Fatalf("err = %v, want GatewayError 2033", err)
	}
}
