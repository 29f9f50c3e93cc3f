package rest_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paycore/paycore/ports"
)

func TestHostedPage(t *testing.T) {
	e := newEnv(t)
	p := e.createPayment(t, asA, "order-page", "1500")
	w := e.serve(httptest.NewRequest(http.MethodGet, "/pay/"+p.TransactionID, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d; body %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{nameA, "৳1,500.00", "order-page", `<html lang="en">`,
		`action="/pay/` + p.TransactionID + `/bkash"`, "Pay with bKash", "bKash PIN", `id="countdown"`,
		`href="/pay/` + p.TransactionID + `?lang=bn"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("page without framing protection: %v", w.Header())
	}
	// The page is the payment link: no API key needed, and another
	// merchant's name does not appear.
	if strings.Contains(body, nameB) {
		t.Errorf("page shows another merchant")
	}
}

func TestHostedPageEscapesMerchantInput(t *testing.T) {
	e := newEnv(t)
	body := `{"order_id":"o#1","amount":1,"currency":"BDT","return_url":"https://s.example/?a=\"><script>x</script>"}`
	p := unmarshal[payment](t, wantOK(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), http.StatusCreated).Data)
	// Pay it so the page shows the return link.
	att := e.startAttempt(t, p.TransactionID)
	e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=success", nil))
	w := e.serve(httptest.NewRequest(http.MethodGet, "/pay/"+p.TransactionID, nil))
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("return_url not escaped:\n%s", w.Body)
	}
	if !strings.Contains(w.Body.String(), "This order is already paid.") {
		t.Errorf("paid page:\n%s", w.Body)
	}
}

func TestHostedPageNotFound(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/pay/txn_nope", "/pay/%00", "/pay/txn_nope/result"} {
		w := e.serve(httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Payment not found") {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	for _, target := range []string{"/pay/txn_nope/bkash", "/pay/txn_nope/paypal"} {
		w := e.serve(httptest.NewRequest(http.MethodPost, target, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d %s", target, w.Code, w.Body)
		}
	}
	if c, _ := e.gw.counts(); c != 0 {
		t.Errorf("gateway called %d times for unknown payments", c)
	}
}

func TestStartAttemptRedirectsToGateway(t *testing.T) {
	e := newEnv(t)
	p := e.createPayment(t, asA, "order-go", "99.99")
	w := e.serve(httptest.NewRequest(http.MethodPost, "/pay/"+p.TransactionID+"/bkash", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d; body %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, gatewayPage+"att_") {
		t.Fatalf("Location %q", loc)
	}
	if c, _ := e.gw.counts(); c != 1 {
		t.Errorf("%d creates", c)
	}
	// A gateway that is not active is a 404 page, and no attempt.
	for _, g := range []string{"nagad", "redirectgw", "paypal", "%00"} {
		w := e.serve(httptest.NewRequest(http.MethodPost, "/pay/"+p.TransactionID+"/"+g, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: %d %s", g, w.Code, w.Body)
		}
	}
	// The gateway's refusal is shown in its own words (escaped), 502.
	e.gw.mu.Lock()
	e.gw.refuse = &ports.GatewayError{Gateway: "bkash", Code: "2023", Message: "Insufficient Balance <b>"}
	e.gw.mu.Unlock()
	w = e.serve(httptest.NewRequest(http.MethodPost, "/pay/"+p.TransactionID+"/bkash", nil))
	if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), html.EscapeString("Insufficient Balance <b>")) {
		t.Errorf("refused: %d %s", w.Code, w.Body)
	}
	// and the page offers the gateways again with the failure
	w = e.serve(httptest.NewRequest(http.MethodGet, "/pay/"+p.TransactionID, nil))
	if !strings.Contains(w.Body.String(), `id="last-failure"`) || !strings.Contains(w.Body.String(), "Pay with bKash") {
		t.Errorf("page after a refused attempt:\n%s", w.Body)
	}
}

// bKash's return with status=cancel cancels the attempt only: the payment
// stays pending, bKash is not asked to execute, and the customer may try
// again.
func TestBkashCancelLeavesPaymentPending(t *testing.T) {
	e := newEnv(t)
	p := e.createPayment(t, asA, "order-cancel", "10")
	att := e.startAttempt(t, p.TransactionID)
	w := e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=cancel&signature=x", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d; body %s", w.Code, w.Body)
	}
	result := w.Header().Get("Location")
	if result != "/pay/"+p.TransactionID+"/result?attempt="+att {
		t.Errorf("Location %q", result)
	}
	if _, confirms := e.gw.counts(); confirms != 0 {
		t.Errorf("cancel reached Confirm (%d)", confirms)
	}
	if got := e.getPayment(t, asA, p.TransactionID); got.Status != "pending" || got.PaymentURL == "" {
		t.Errorf("after cancel: %+v", got)
	}
	w = e.serve(httptest.NewRequest(http.MethodGet, result, nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Payment cancelled") || !strings.Contains(w.Body.String(), "Try again") {
		t.Errorf("result page:\n%s", w.Body)
	}
	// The same return again changes nothing; a success claim for the
	// cancelled attempt is not executed either.
	e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=success", nil))
	if _, confirms := e.gw.counts(); confirms != 0 {
		t.Errorf("a cancelled attempt was confirmed")
	}
	if got := e.getPayment(t, asA, p.TransactionID); got.Status != "pending" {
		t.Errorf("status %q", got.Status)
	}
	// A new attempt can still be made.
	e.startAttempt(t, p.TransactionID)
}

func TestBkashCallbackBadQuery(t *testing.T) {
	e := newEnv(t)
	for target, status := range map[string]int{
		"/callbacks/bkash":                                 400,
		"/callbacks/bkash?paymentID=x":                     400,
		"/callbacks/bkash?status=success":                  400,
		"/callbacks/bkash?paymentID=unknown&status=cancel": 404,
		"/callbacks/bkash?paymentID=%00&status=%FF":        404,
	} {
		w := e.serve(httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != status {
			t.Errorf("%s: %d, want %d; %s", target, w.Code, status, w.Body)
		}
	}
}

func TestBkashSuccessCallback(t *testing.T) {
	e := newEnv(t)
	p := e.paidPayment(t, asA, "order-ok", "10")
	if p.GatewayRef == nil || !strings.HasPrefix(*p.GatewayRef, "TRX") {
		t.Errorf("gateway_ref %v", p.GatewayRef)
	}
	w := e.serve(httptest.NewRequest(http.MethodGet, "/pay/"+p.TransactionID+"/result", nil))
	if !strings.Contains(w.Body.String(), "Payment successful") || !strings.Contains(w.Body.String(), *p.GatewayRef) ||
		!strings.Contains(w.Body.String(), `<dd id="txn-id" class="id">`+p.TransactionID+`</dd>`) ||
		!strings.Contains(w.Body.String(), "<title>Payment successful · "+nameA+"</title>") {
		t.Errorf("result page:\n%s", w.Body)
	}
	// Starting another attempt on a paid payment is refused (409 page).
	w = e.serve(httptest.NewRequest(http.MethodPost, "/pay/"+p.TransactionID+"/bkash", nil))
	if w.Code != http.StatusConflict {
		t.Errorf("attempt on a paid payment: %d", w.Code)
	}
}
