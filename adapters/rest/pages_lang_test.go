package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/rest"
)

func get(e *env, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return e.serve(r)
}

func wantBody(t *testing.T, what string, w *httptest.ResponseRecorder, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s lacks %q:\n%s", what, want, w.Body)
		}
	}
}

// The page speaks the merchant's language; the shopper's switch wins and
// is remembered; without either, the browser's Accept-Language decides.
func TestHostedPageLanguage(t *testing.T) {
	e := newEnv(t)
	bn := e.createPayment(t, asB, "order-bn", "12345.50") // Shop Bravo's language is bn
	w := get(e, "/pay/"+bn.TransactionID, "Accept-Language", "en-US,en;q=0.9")
	wantBody(t, "Bangla page", w, `<html lang="bn">`, "৳১২,৩৪৫.৫০", "বিকাশ দিয়ে পেমেন্ট করুন",
		"বিকাশ পিন", "আপনি "+nameB+"-কে পেমেন্ট করছেন", "View in English", "পেমেন্টের জন্য সময় বাকি")
	if strings.Contains(w.Body.String(), "Pay with bKash") {
		t.Error("Bangla page has English buttons")
	}

	// The switch: English, remembered in a cookie.
	w = get(e, "/pay/"+bn.TransactionID+"?lang=en")
	wantBody(t, "switched page", w, `<html lang="en">`, "৳12,345.50", "Pay with bKash")
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "paycore_lang" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "en" || !cookie.HttpOnly {
		t.Fatalf("language cookie %+v", cookie)
	}
	w = get(e, "/pay/"+bn.TransactionID, "Cookie", "paycore_lang=en")
	wantBody(t, "page with the cookie", w, `<html lang="en">`)

	// Result and error pages follow the same choice.
	w = get(e, "/pay/txn_nope", "Cookie", "paycore_lang=bn")
	wantBody(t, "Bangla 404", w, "পেমেন্ট পাওয়া যায়নি")
}

func TestHostedPageNeverStutters(t *testing.T) {
	e := newEnv(t)
	p := e.paidPayment(t, asA, "order-title", "10")
	w := get(e, "/pay/"+p.TransactionID+"/result")
	if strings.Contains(w.Body.String(), "Payment Payment") {
		t.Errorf("stuttering result page:\n%s", w.Body)
	}
	wantBody(t, "result", w, "<title>Payment successful · "+nameA+"</title>", `<meta http-equiv="refresh" content="5;url=https://shop.example/return?`)
}

// A cancelled attempt sends the shopper to cancel_url, a failed one to
// failure_url; without them, both go to return_url. The query always
// carries transaction_id and status.
func TestResultPageOutcomeURLs(t *testing.T) {
	e := newEnv(t)
	body := `{"order_id":"o-out","amount":10,"currency":"BDT","return_url":"https://shop.example/done",` +
		`"cancel_url":"https://shop.example/cart?c=1","failure_url":"https://shop.example/failed"}`
	p := unmarshal[payment](t, wantOK(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), http.StatusCreated).Data)

	w := get(e, "/pay/"+p.TransactionID)
	wantBody(t, "hosted page", w, `id="cancel" href="https://shop.example/cart?c=1&amp;status=pending&amp;transaction_id=`+p.TransactionID+`"`)

	att := e.startAttempt(t, p.TransactionID)
	e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=cancel", nil))
	w = get(e, "/pay/"+p.TransactionID+"/result?attempt="+att)
	wantBody(t, "cancelled", w, "Payment cancelled", "No money was taken", `id="retry"`,
		`id="return" href="https://shop.example/cart?c=1&amp;status=pending&amp;transaction_id=`+p.TransactionID+`"`)

	att = e.startAttempt(t, p.TransactionID)
	e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=failure", nil))
	w = get(e, "/pay/"+p.TransactionID+"/result?attempt="+att, "Accept-Language", "bn-BD, en;q=0.5")
	// Shop Alpha's language (en) wins over the browser's.
	wantBody(t, "failed", w, "Payment failed", "bKash said:", `id="retry"`,
		`id="return" href="https://shop.example/failed?status=pending&amp;transaction_id=`+p.TransactionID+`"`)

	// Without cancel_url and failure_url: return_url.
	q := e.createPayment(t, asA, "o-plain", "10")
	att = e.startAttempt(t, q.TransactionID)
	e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=failure", nil))
	w = get(e, "/pay/"+q.TransactionID+"/result?attempt="+att)
	wantBody(t, "failed without failure_url", w, `id="return" href="https://shop.example/return?status=pending&amp;transaction_id=`+q.TransactionID+`&amp;x=1"`)
}

func TestCreatePaymentRefusesBadOutcomeURLs(t *testing.T) {
	e := newEnv(t)
	body := `{"order_id":"o-bad","amount":10,"currency":"BDT","return_url":"https://shop.example/done",` +
		`"cancel_url":"javascript:alert(1)","failure_url":"/failed"}`
	r := wantErr(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), http.StatusUnprocessableEntity)
	if len(r.Errors["cancel_url"]) == 0 || len(r.Errors["failure_url"]) == 0 {
		t.Errorf("errors %v", r.Errors)
	}
}

func TestHomeAndAssets(t *testing.T) {
	e := newEnv(t)
	w := get(e, "/")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "paycore is running") {
		t.Errorf("GET / outside sandbox: %d %s", w.Code, w.Body)
	}
	sb := rest.NewHandler(rest.Config{App: e.app, Clock: e.clock, Sandbox: true})
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/sandbox" {
		t.Errorf("GET / in sandbox: %d %v", rec.Code, rec.Header())
	}
	for path, ct := range map[string]string{
		"/assets/pay/pay.css":                           "text/css",
		"/assets/pay/pay.js":                            "javascript",
		"/assets/pay/fonts/NotoSansBengali-Regular.ttf": "font/ttf",
		"/assets/pay/fonts/OFL.txt":                     "text/plain",
	} {
		w := get(e, path)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), ct) {
			t.Errorf("%s: %d %q", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if w := get(e, "/assets/pay/fonts/"); w.Code != http.StatusNotFound {
		t.Errorf("directory listing: %d", w.Code)
	}
}
