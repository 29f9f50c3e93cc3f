package bkash_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/ports"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestSecretsNeverInErrorsOrLogs makes bKash echo every secret back (as an
// AWS gateway error does with the Authorization header) and checks that
// neither errors nor logs repeat them.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	queryOK(t, e.client)
	tok := e.storedToken(t)
	secrets := []string{testPassword, testAppSecret, tok.IDToken, tok.RefreshToken,
		"eyJraWQiOiJzaW0iLCJhbGciOiJSUzI1NiJ9.e30.c2ln"}
	echo := fmt.Sprintf("Authorization=%s password=%s secret=%s refresh=%s jwt=%s", secrets[2], secrets[0], secrets[1], secrets[3], secrets[4])

	e.f.answer("execute", 500, echo)
	e.f.answer("query", 200, fmt.Sprintf(`{"statusCode":"2003","statusMessage":%q}`, echo))
	e.f.answer("create", 200, fmt.Sprintf(`{"statusCode":"2001","statusMessage":%q}`, echo))
	e.f.answer("search", 403, fmt.Sprintf(`{"message":%q}`, echo))
	e.f.answer("refund", 200, fmt.Sprintf(`{"statusCode":"2074","statusMessage":%q}`, echo))

	var texts []string
	res, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: fxInvoice, GatewayRef: fxPaymentID, Amount: bdt(25000)})
	texts = append(texts, fmt.Sprint(err), res.Message, res.Code)
	_, err = e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: bdt(25000)})
	texts = append(texts, fmt.Sprint(err))
	_, err = e.client.Search(ctx, fxTrxID)
	texts = append(texts, fmt.Sprint(err))
	_, err = e.client.Refund(ctx, bkash.RefundRequest{PaymentID: fxPaymentID, TrxID: fxTrxID, Amount: bdt(100), Reason: "r"})
	texts = append(texts, fmt.Sprint(err))
	// Token calls refused with the secrets echoed.
	e.f.answer("refresh", 200, fmt.Sprintf(`{"statusCode":"9999","statusMessage":%q}`, echo))
	e.f.answer("grant", 500, echo)
	e.clock.Advance(time.Hour)
	_, err = e.client.Query(ctx, fxPaymentID)
	texts = append(texts, fmt.Sprint(err))
	texts = append(texts, e.logs.String())

	if testing.Verbose() {
		t.Log(strings.Join(texts, "\n"))
	}
	for _, s := range texts {
		for _, secret := range secrets {
			if strings.Contains(s, secret[:10]) { // not even a cut piece of one
				t.Errorf("secret %.4s… leaked: %s", secret, s)
			}
		}
	}
	if !strings.Contains(e.logs.String(), "bkash token granted") {
		t.Error("grant not logged")
	}
}

func TestBodyWithOnlyMessageIsNoAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.on("search", func(w http.ResponseWriter, _ *http.Request, _ fakeReq) {
		writeJSON(w, 200, `{"message":"Endpoint request timed out"}`)
	})
	_, err := e.client.Search(context.Background(), fxTrxID)
	if !errors.Is(err, bkash.ErrNoAnswer) || errors.Is(err, bkash.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrNoAnswer only", err)
	}
}
