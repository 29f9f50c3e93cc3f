package redirectgwsim

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// Sandbox secrets of the payment page (ARCHITECTURE §4).
const (
	// SandboxOTP is the only OTP the page accepts.
	SandboxOTP = "123456"
	// SandboxPIN is the only PIN the page accepts.
	SandboxPIN = "12121"
	// TransactionIDLength is the length of a transaction_id: 10 upper-case
	// alphanumerics, like the document's example CJH1D2Y4W1.
	TransactionIDLength = 10
)

// Page error messages.
const (
	msgBadWallet = "Enter an 11-digit mobile wallet number starting with 01."
	msgBadOTP    = "Invalid OTP."
	msgBadPIN    = "Wrong PIN."
	msgBadAction = "Unknown action."
)

// validWallet reports whether w (normalized) is an 01XXXXXXXXX number.
func validWallet(w string) bool {
	if len(w) != 11 || !strings.HasPrefix(w, "01") {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
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

// pageView is what the payment page shows.
type pageView struct {
	Customer string
	Amount   string
	Wallet   string
	Error    string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout (redirect gateway sandbox simulator)</title>
<style>
body{font-family:system-ui,sans-serif;background:#eef1f5;margin:0}
main{max-width:380px;margin:2em auto;background:#fff;border-top:6px solid #2456a6;padding:1.5em;box-shadow:0 1px 4px #0002}
h1{color:#2456a6;margin:0 0 .5em;font-size:1.4em}
.amount{font-size:1.6em;font-weight:bold}
label{display:block;margin:.9em 0 .2em}
input{width:100%;padding:.6em;box-sizing:border-box;font-size:1em}
.error{color:#b00020;font-weight:bold}
button{margin-top:1.2em;padding:.7em 1.4em;font-size:1em}
button[value=pay]{background:#2456a6;color:#fff;border:0}
small{color:#666}
</style>
</head>
<body>
<main>
<h1>Secure checkout</h1>
{{if .Customer}}<p>Customer: <strong id="customer">{{.Customer}}</strong></p>{{end}}
<p class="amount">৳ <span id="amount">{{.Amount}}</span> BDT</p>
{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}
<form method="post">
<label for="wallet">Mobile wallet number (bKash, Nagad, Rocket)</label>
<input id="wallet" name="wallet" inputmode="numeric" autocomplete="tel" placeholder="01XXXXXXXXX" value="{{.Wallet}}">
<label for="otp">Verification code (OTP)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code">
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" placeholder="5-digit PIN">
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>
<p><small>Sandbox simulator: any 01XXXXXXXXX wallet, OTP 123456, PIN 12121.</small></p>
</main>
</body>
</html>
`))

var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Checkout (redirect gateway sandbox simulator)</title></head>
<body><main><h1>Secure checkout</h1><p id="message">{{.}}</p></main></body>
</html>
`))

// servePage handles GET /checkout?trx_id=…: the form for an open session;
// 404 for an unknown trx_id, 409 for one already paid or cancelled.
func (s *Simulator) servePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, code := s.pageSession(r.URL.Query())
	var view pageView
	if code == http.StatusOK {
		view = viewOf(p)
	}
	s.mu.Unlock()
	if code != http.StatusOK {
		writeMessagePage(w, code)
		return
	}
	writePage(w, http.StatusOK, view)
}

// submitPage handles POST /checkout?trx_id=… with the form fields wallet,
// otp, pin and action (pay|cancel). pay with a valid wallet, OTP and PIN
// answers 303 to success_url with transaction_id appended; cancel answers
// 303 to cancel_url; a wrong field shows the form again with HTTP 422.
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeMessagePage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pageSession(r.URL.Query())
	if code != http.StatusOK {
		s.mu.Unlock()
		writeMessagePage(w, code)
		return
	}
	view := viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	location := ""
	switch r.PostForm.Get("action") {
	case "cancel":
		p.state, location = stateCancelled, p.cancelURL
	case "pay", "":
		if view.Error = checkCustomer(r.PostForm); view.Error == "" {
			s.pay(p, normalizeWallet(r.PostForm.Get("wallet")))
			location = appendQuery(p.successURL, "transaction_id="+url.QueryEscape(p.transactionID))
		} else {
			code = http.StatusUnprocessableEntity
		}
	default:
		code, view.Error = http.StatusBadRequest, msgBadAction
	}
	s.mu.Unlock()

	if location == "" {
		writePage(w, code, view)
		return
	}
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// checkCustomer checks wallet, OTP and PIN in that order and returns the
// error to show, "" when all are right.
func checkCustomer(form url.Values) string {
	switch {
	case !validWallet(normalizeWallet(form.Get("wallet"))):
		return msgBadWallet
	case form.Get("otp") != SandboxOTP:
		return msgBadOTP
	case form.Get("pin") != SandboxPIN:
		return msgBadPIN
	}
	return ""
}

// pay marks p paid by wallet with a new, unique transaction_id. s.mu must be
// held.
func (s *Simulator) pay(p *session, wallet string) {
	id := ""
	for id == "" || s.byTxn[id] != nil {
		id = randString(upperAlnum, TransactionIDLength)
	}
	p.state, p.transactionID, p.wallet, p.paidAt = statePaid, id, wallet, s.now()
	s.byTxn[id] = p
}

// pageSession finds the session a page request is for and the HTTP status to
// answer: 200 for an open one, 409 for one already done, 404 otherwise. s.mu
// must be held.
func (s *Simulator) pageSession(q url.Values) (*session, int) {
	p := s.sessions[q.Get("trx_id")]
	switch {
	case p == nil:
		return nil, http.StatusNotFound
	case p.state != stateOpen:
		return p, http.StatusConflict
	}
	return p, http.StatusOK
}

func viewOf(p *session) pageView {
	return pageView{Customer: p.customerName, Amount: p.amount.Decimal()}
}

func writePage(w http.ResponseWriter, code int, v pageView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = pageTemplate.Execute(w, v)
}

func writeMessagePage(w http.ResponseWriter, code int) {
	msg := map[int]string{
		http.StatusNotFound:   "This payment link is invalid.",
		http.StatusConflict:   "This payment has already been processed.",
		http.StatusBadRequest: "Bad request.",
	}[code]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = messageTemplate.Execute(w, msg)
}
