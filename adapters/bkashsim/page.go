package bkashsim

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sandbox wallets and secrets (spec §6; ARCHITECTURE §4).
const (
	// WalletInsufficientBalance is approved on the page; its execute gets 2023
	// "Insufficient Balance".
	WalletInsufficientBalance = "01823074817"
	// WalletDebitBlock is approved on the page; its execute gets 2037 (the
	// debit party's account is in a state that prohibits the transaction).
	WalletDebitBlock = "01823074818"
	// SandboxOTP is the only OTP the page accepts (else "2010 Invalid OTP").
	SandboxOTP = "123456"
	// SandboxPIN is the only PIN the page accepts (else "2014 Wrong PIN").
	SandboxPIN = "12121"
	// MaxWrongPINs is the number of wrong PINs after which the page fails the
	// payment with 2015 and redirects with status=failure.
	MaxWrongPINs = 3
)

// regularWallets are the regular sandbox customer wallets (spec §6).
var regularWallets = []string{
	"01770618575", "01929918378", "01770618576",
	"01877722345", "01619777282", "01619777283",
}

// RegularWallets returns the sandbox wallets that pay successfully (spec §6).
func RegularWallets() []string { return slices.Clone(regularWallets) }

// knownWallet reports whether the page knows the wallet; others get 2045.
func knownWallet(w string) bool {
	return slices.Contains(regularWallets, w) || w == WalletInsufficientBalance || w == WalletDebitBlock
}

// normalizeWallet drops spaces and dashes and a leading +88/88 country code.
func normalizeWallet(w string) string {
	w = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(w))
	w = strings.TrimPrefix(w, "+")
	if len(w) == 13 && strings.HasPrefix(w, "880") {
		w = w[2:]
	}
	return w
}

// pageView is what the wallet page shows.
type pageView struct {
	Merchant  string
	Invoice   string
	Amount    string
	Wallet    string
	ErrorCode string
	Error     string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bKash Payment (sandbox simulator)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:380px;margin:2em auto;background:#fff;border-top:6px solid #e2136e;padding:1.5em;box-shadow:0 1px 4px #0002}
h1{color:#e2136e;margin:0 0 .5em}
.amount{font-size:1.6em;font-weight:bold}
label{display:block;margin:.9em 0 .2em}
input{width:100%;padding:.6em;box-sizing:border-box;font-size:1em}
.error{color:#b00020;font-weight:bold}
button{margin-top:1.2em;padding:.7em 1.4em;font-size:1em}
button[value=pay]{background:#e2136e;color:#fff;border:0}
small{color:#666}
</style>
</head>
<body>
<main>
<h1>bKash</h1>
<p>Merchant: <strong id="merchant">{{.Merchant}}</strong></p>
<p>Invoice: <span id="invoice">{{.Invoice}}</span></p>
<p class="amount">৳ <span id="amount">{{.Amount}}</span> BDT</p>
{{if .Error}}<p class="error" role="alert" id="error" data-code="{{.ErrorCode}}">{{.ErrorCode}} {{.Error}}</p>{{end}}
<form method="post">
<label for="wallet">Your bKash account number</label>
<input id="wallet" name="wallet" inputmode="numeric" autocomplete="tel" placeholder="01XXXXXXXXX" value="{{.Wallet}}">
<label for="otp">Verification code (OTP)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code">
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" placeholder="5-digit PIN">
<button type="submit" name="action" value="pay">Confirm</button>
<button type="submit" name="action" value="cancel">Close</button>
</form>
<p><small>Sandbox simulator: OTP 123456, PIN 12121.</small></p>
</main>
</body>
</html>
`))

var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>bKash Payment (sandbox simulator)</title></head>
<body><main><h1>bKash</h1><p id="message">{{.}}</p></main></body>
</html>
`))

// servePage handles GET /checkout?paymentId=…&hash=…: the form for a payment
// waiting for the customer, pre-filling the wallet when payerReference is an
// MSISDN (spec §2, PW); 404 for an unknown, expired or wrong-hash link; 409 for
// a payment the customer is already done with.
func (s *Simulator) servePage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	p, code := s.pagePayment(r, s.now())
	var view pageView
	if code == http.StatusOK {
		view = s.viewOf(p)
		if msisdn := normalizeWallet(p.payerReference); len(msisdn) == 11 && strings.HasPrefix(msisdn, "01") && allDigits(msisdn) {
			view.Wallet = msisdn
		}
	}
	s.mu.Unlock()
	if code != http.StatusOK {
		writeMessagePage(w, code)
		return
	}
	writePage(w, http.StatusOK, view)
}

// submitPage handles POST /checkout?paymentId=…&hash=… with the form fields
// wallet, otp, pin and action (pay|cancel). The outcome is a 303 to the
// payment's callbackURL with paymentID, status (success|failure|cancel),
// signature and apiVersion=1.2.0-beta/ (spec §3), or the form again with HTTP
// 422 and the bKash error (2045, 2010, 2014).
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeMessagePage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pagePayment(r, s.now())
	if code != http.StatusOK {
		s.mu.Unlock()
		writeMessagePage(w, code)
		return
	}
	view := s.viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	outcome := ""
	switch r.PostForm.Get("action") {
	case "cancel":
		p.state, outcome = stateCancelled, "cancel"
	case "pay", "":
		outcome = s.checkCustomer(p, r, &view)
	default:
		code = http.StatusBadRequest
		view.Error = "Unknown action"
	}
	location := ""
	if outcome != "" {
		location = appendQuery(p.callbackURL, "paymentID="+p.id+"&status="+outcome+
			"&signature="+p.signature+"&apiVersion=1.2.0-beta/")
	}
	s.mu.Unlock()

	switch {
	case outcome != "":
		w.Header().Set("Location", location)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusSeeOther)
	case code != http.StatusOK:
		writePage(w, code, view)
	default:
		writePage(w, http.StatusUnprocessableEntity, view)
	}
}

// checkCustomer checks wallet, OTP and PIN in that order and returns the
// redirect status ("success", "failure") or "" with view.Error set. s.mu must
// be held.
func (s *Simulator) checkCustomer(p *payment, r *http.Request, view *pageView) string {
	wallet := normalizeWallet(r.PostForm.Get("wallet"))
	setErr := func(code string) {
		view.ErrorCode, view.Error = code, statusMessages[code]
	}
	switch {
	case !knownWallet(wallet):
		setErr(codeNoSuchMSISDN)
	case r.PostForm.Get("otp") != SandboxOTP:
		setErr(codeInvalidOTP)
	case r.PostForm.Get("pin") != SandboxPIN:
		p.wrongPINs++
		if p.wrongPINs >= MaxWrongPINs {
			p.state, p.failCode = stateFailed, codeWrongPINExceeded
			return "failure"
		}
		setErr(codeWrongPIN)
	default:
		p.state, p.wallet = stateApproved, wallet
		return "success"
	}
	return ""
}

// pagePayment finds the payment a page request is for and the HTTP status to
// answer: 200 for one waiting for the customer, 409 for one already done, 404
// otherwise. s.mu must be held; r's form must be parsed.
func (s *Simulator) pagePayment(r *http.Request, now time.Time) (*payment, int) {
	p := s.payments[r.Form.Get("paymentId")]
	if p == nil || r.Form.Get("hash") != p.hash || s.expired(p, now) {
		return nil, http.StatusNotFound
	}
	if p.state != stateInitiated {
		return p, http.StatusConflict
	}
	return p, http.StatusOK
}

func (s *Simulator) viewOf(p *payment) pageView {
	return pageView{Merchant: merchantName, Invoice: p.invoice, Amount: formatPaisa(p.paisa)}
}

func writePage(w http.ResponseWriter, code int, v pageView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = pageTemplate.Execute(w, v)
}

func writeMessagePage(w http.ResponseWriter, code int) {
	msg := map[int]string{
		http.StatusNotFound:   "This payment link is invalid or has expired.",
		http.StatusConflict:   "This payment has already been processed.",
		http.StatusBadRequest: "Bad request.",
	}[code]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = messageTemplate.Execute(w, msg)
}
