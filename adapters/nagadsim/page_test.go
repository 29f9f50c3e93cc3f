package nagadsim_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagadsim"
)

// TestPagePaySuccess: the page shows the order; paying redirects (303) to
// the merchant callback with "/" inserted before the query and Nagad's
// return parameters in order (docs/gateways/nagad.md §7.1).
func TestPagePaySuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref, page := e.open(t, "pageOrder1", "1250.00")
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{`name="wallet"`, `name="otp"`, `name="pin"`, `value="pay"`, `value="cancel"`, "1250.00", "Demo Shop", "pageOrder1"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if _, v := e.verify(t, ref); v["status"] != nagadsim.StatusInProgress {
		t.Errorf("status after opening the page: %v", v["status"])
	}

	status, loc, body := submit(t, page, payForm())
	if status != http.StatusSeeOther {
		t.Fatalf("%d %s", status, body)
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(merchantCallback) + `/\?merchant=` + e.creds.MerchantID +
		`&order_id=pageOrder1&payment_ref_id=([^&]+)&status=Success&status_code=00_0000_000&message=Successful%20Transaction` +
		`&payment_dt=20250114153012&issuer_payment_ref=(0000[0-9A-Z]{4})$`)
	m := re.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %s", loc)
	}
	if got, _ := url.QueryUnescape(m[1]); got != ref {
		t.Errorf("payment_ref_id %q, want %q", got, ref)
	}
	if _, v := e.verify(t, ref); v["issuerPaymentRefNo"] != m[2] {
		t.Errorf("verify issuerPaymentRefNo %v, callback %s", v["issuerPaymentRefNo"], m[2])
	}
	// Done: the page no longer takes the customer.
	if status, _, _ := submit(t, page, payForm()); status != http.StatusConflict {
		t.Errorf("second submit: %d, want 409", status)
	}
}

// TestPageCustomerErrors: bad wallet or OTP shows the form again (422);
// the third wrong PIN fails the payment.
func TestPageCustomerErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref, page := e.open(t, "pageOrder2", "10")
	form := func(wallet, otp, pin string) url.Values {
		return url.Values{"wallet": {wallet}, "otp": {otp}, "pin": {pin}, "action": {"pay"}}
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{form("0171234567", nagadsim.SandboxOTP, nagadsim.SandboxPIN), "Invalid account number"},
		{form("02712345678", nagadsim.SandboxOTP, nagadsim.SandboxPIN), "Invalid account number"},
		{form("01712345678", "000000", nagadsim.SandboxPIN), "Invalid OTP"},
		{form("+8801712345678", nagadsim.SandboxOTP, "11111"), "Invalid Pin Provided"},
		{form("01712345678", nagadsim.SandboxOTP, "22222"), "Invalid Pin Provided"},
	} {
		status, _, body := submit(t, page, tc.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Fatalf("%v: %d, want 422 %q", tc.form, status, tc.want)
		}
	}
	status, loc, _ := submit(t, page, form("01712345678", nagadsim.SandboxOTP, "33333"))
	if status != http.StatusSeeOther || !strings.Contains(loc, "&status=Failed&status_code=16_0006_001&") || strings.Contains(loc, "issuer_payment_ref") {
		t.Fatalf("third wrong PIN: %d %s", status, loc)
	}
	if _, v := e.verify(t, ref); v["status"] != "Failed" || v["statusCode"] != "16_0006_001" {
		t.Errorf("verify: %v", v)
	}
}

// TestPageCancelAndLimit: cancel aborts; an amount over the limit fails.
func TestPageCancelAndLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *nagadsim.Config) { c.TransactionLimit = 100_00 })
	ref, page := e.open(t, "pageOrder3", "50")
	status, loc, _ := submit(t, page, url.Values{"action": {"cancel"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "/?merchant=") || !strings.Contains(loc, "&status=Aborted&status_code="+nagadsim.CodeAborted+"&") {
		t.Fatalf("cancel: %d %s", status, loc)
	}
	if _, v := e.verify(t, ref); v["status"] != "Aborted" {
		t.Errorf("verify: %v", v["status"])
	}

	_, page = e.open(t, "pageOrder4", "100.01")
	status, loc, _ = submit(t, page, payForm())
	if status != http.StatusSeeOther || !strings.Contains(loc, "&status=Failed&status_code=50_0026_851&message=E%20Com%20Trx%20Failed.%20Transaction%20over%20limit.") {
		t.Fatalf("over limit: %d %s", status, loc)
	}
}

// TestPageCallbackSlash: a callback already ending in "/" is not doubled;
// one with a query gets "&".
func TestPageCallbackSlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct{ cb, prefix string }{
		{"https://shop.example/cb/", "https://shop.example/cb/?merchant="},
		{"https://shop.example/cb?site=2", "https://shop.example/cb?site=2&merchant="},
	} {
		order := "slash" + strings.Repeat("x", len(tc.cb)%7) + "Q" + string(rune('a'+len(tc.cb)%26))
		ref, ch := e.initialize(t, order)
		body := e.completeBody(t, order, "10", ch)
		body["merchantCallbackURL"] = tc.cb
		if status, raw := e.do(t, "POST", "/api/dfs/check-out/complete/"+ref, kmHeaders(), body); status != 200 {
			t.Fatalf("%d %s", status, raw)
		}
		_, loc, _ := submit(t, e.public+"/check-out/"+ref, payForm())
		if !strings.HasPrefix(loc, tc.prefix) {
			t.Errorf("Location %s, want prefix %s", loc, tc.prefix)
		}
	}
}

// TestPageExpiry: a payment not finished within the timeout is Aborted and
// its page closed; unknown references get 404.
func TestPageExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *nagadsim.Config) { c.PaymentTimeout = 10 * time.Minute })
	ref, page := e.open(t, "pageOrder5", "10")
	e.clock.Advance(10 * time.Minute)
	if status, _, _ := submit(t, page, payForm()); status != http.StatusConflict {
		t.Errorf("expired page: %d, want 409", status)
	}
	if _, v := e.verify(t, ref); v["status"] != "Aborted" {
		t.Errorf("verify: %v", v["status"])
	}
	resp, err := http.Get(e.public + "/check-out/Ym9ndXM=")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
}
