package simkit_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/paycore/paycore/adapters/simkit"
)

func TestNormalizeAndIsWalletNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"01712345678":        "01712345678",
		" 017-1234 5678 ":    "01712345678",
		"+8801712345678":     "01712345678",
		"8801712345678":      "01712345678",
		"+880 1712-345678":   "01712345678",
		"880171234567":       "880171234567", // 12 digits: not a country code prefix
		"+1712345678":        "1712345678",
		"<b>01712345678</b>": "<b>01712345678</b>",
	} {
		assert.Equal(t, want, simkit.NormalizeWallet(in), in)
	}
	for w, want := range map[string]bool{
		"01712345678": true, "01012345678": true,
		"0171234567": false, "017123456789": false, "11712345678": false, "0171234567a": false, "": false,
	} {
		assert.Equal(t, want, simkit.IsWalletNumber(w), w)
	}
}

func TestCheckFormOrder(t *testing.T) {
	t.Parallel()
	form := func(wallet, otp, pin string) url.Values {
		return url.Values{"wallet": {wallet}, "otp": {otp}, "pin": {pin}}
	}
	ok, bad := simkit.SandboxOTP, "000000"
	tests := []struct {
		form    url.Values
		valid   func(string) bool
		wallet  string
		problem simkit.FormProblem
	}{
		{form("+880 1712-345678", ok, simkit.SandboxPIN), nil, "01712345678", simkit.FormOK},
		{form("017", bad, "1"), nil, "017", simkit.FormBadWallet},
		{form("01712345678", bad, "1"), nil, "01712345678", simkit.FormBadOTP},
		{form("01712345678", ok, "1"), nil, "01712345678", simkit.FormBadPIN},
		{url.Values{}, nil, "", simkit.FormBadWallet},
		{form("01712345678", ok, simkit.SandboxPIN), func(w string) bool { return w == "01899999999" }, "01712345678", simkit.FormBadWallet},
		{form("8801899999999", ok, simkit.SandboxPIN), func(w string) bool { return w == "01899999999" }, "01899999999", simkit.FormOK},
	}
	for _, tc := range tests {
		wallet, problem := simkit.CheckForm(tc.form, tc.valid)
		assert.Equal(t, tc.wallet, wallet, tc.form)
		assert.Equal(t, tc.problem, problem, tc.form)
	}
	assert.Equal(t, "123456", simkit.SandboxOTP)
	assert.Equal(t, "12121", simkit.SandboxPIN)
}

func TestAction(t *testing.T) {
	t.Parallel()
	for action, want := range map[string]simkit.FormAction{
		"pay": simkit.ActionPay, "": simkit.ActionPay, "cancel": simkit.ActionCancel,
		"Pay": simkit.ActionUnknown, "refund": simkit.ActionUnknown,
	} {
		assert.Equal(t, want, simkit.Action(url.Values{"action": {action}}), action)
	}
	assert.Equal(t, simkit.ActionPay, simkit.Action(url.Values{}), "no action field: Enter in a field")
}

type testView struct {
	Order, Amount, Wallet, Error string
}

var testLook = simkit.WalletPageLook{
	Title:       "Test Pay (sandbox simulator)",
	Heading:     "TestPay",
	Background:  "#f0f0f0",
	Accent:      "#123456",
	Details:     `<p>Order: <span id="order">{{.Order}}</span></p>`,
	WalletLabel: "TestPay number",
	PayLabel:    "Pay now",
	CancelLabel: "Back",
	Note:        "OTP 123456, PIN 12121.",
	Messages:    map[int]string{http.StatusNotFound: "No such payment."},
}

func TestWalletPageForm(t *testing.T) {
	t.Parallel()
	page := simkit.MustWalletPage(testLook)
	rec := httptest.NewRecorder()
	page.WriteForm(rec, http.StatusUnprocessableEntity, testView{Order: "A&B", Amount: "10.50", Wallet: `"><script>`, Error: "Invalid OTP"})
	body := rec.Body.String()
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	for _, want := range []string{
		"<title>Test Pay (sandbox simulator)</title>",
		"body{font-family:system-ui,sans-serif;background:#f0f0f0;margin:0}",
		"border-top:6px solid #123456;",
		"h1{color:#123456;margin:0 0 .5em}\n", // HeadingColor defaults to Accent
		"button[value=pay]{background:#123456;color:#fff;border:0}",
		"<h1>TestPay</h1>\n<p>Order: <span id=\"order\">A&amp;B</span></p>\n<p class=\"amount\">৳ <span id=\"amount\">10.50</span> BDT</p>",
		`<p class="error" role="alert" id="error">Invalid OTP</p>`,
		`<label for="wallet">TestPay number</label>`,
		`value="&#34;&gt;&lt;script&gt;"`,
		`<button type="submit" name="action" value="pay">Pay now</button>`,
		`<button type="submit" name="action" value="cancel">Back</button>`,
		"<p><small>OTP 123456, PIN 12121.</small></p>",
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "@", "every placeholder is filled")
	assert.True(t, strings.HasPrefix(body, "<!doctype html>\n") && strings.HasSuffix(body, "</html>\n"))

	rec = httptest.NewRecorder()
	page.WriteForm(rec, http.StatusOK, testView{Amount: "1.00"})
	assert.NotContains(t, rec.Body.String(), `id="error"`, "no error, no paragraph")
}

func TestWalletPageLookOptions(t *testing.T) {
	t.Parallel()
	look := testLook
	look.HeadingColor = "#ff0000"
	look.HeadingCSS = "font-size:1.4em"
	look.ErrorLine = `{{if .Error}}<p id="error" data-x="{{.Order}}">{{.Error}}</p>{{end}}`
	rec := httptest.NewRecorder()
	simkit.MustWalletPage(look).WriteForm(rec, http.StatusOK, testView{Order: "o1", Error: "bad"})
	assert.Contains(t, rec.Body.String(), "h1{color:#ff0000;margin:0 0 .5em;font-size:1.4em}")
	assert.Contains(t, rec.Body.String(), `<p id="error" data-x="o1">bad</p>`)

	look.Details = "{{.Broken"
	assert.Panics(t, func() { simkit.MustWalletPage(look) })
}

func TestWalletPageMessageAndServe(t *testing.T) {
	t.Parallel()
	page := simkit.MustWalletPage(testLook)
	rec := httptest.NewRecorder()
	page.Serve(rec, http.StatusNotFound, testView{})
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Empty(t, rec.Header().Get("Cache-Control"))
	assert.Equal(t, `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test Pay (sandbox simulator)</title></head>
<body><main><h1>TestPay</h1><p id="message">No such payment.</p></main></body>
</html>
`, rec.Body.String())

	rec = httptest.NewRecorder()
	page.Serve(rec, http.StatusOK, testView{Amount: "5.00"})
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<span id="amount">5.00</span>`)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}
