package nagadsim

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// merchantName is shown on the page when complete sent no serviceName.
const merchantName = "paycore sandbox merchant"

// pageView is what the payment page shows.
type pageView struct {
	Merchant string
	OrderID  string
	Amount   string
	Wallet   string
	Error    string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nagad Payment (sandbox simulator)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f4f4;margin:0}
main{max-width:380px;margin:2em auto;background:#fff;border-top:6px solid #ec1c24;padding:1.5em;box-shadow:0 1px 4px #0002}
h1{color:#f6921e;margin:0 0 .5em}
.amount{font-size:1.6em;font-weight:bold}
label{display:block;margin:.9em 0 .2em}
input{width:100%;padding:.6em;box-sizing:border-box;font-size:1em}
.error{color:#b00020;font-weight:bold}
button{margin-top:1.2em;padding:.7em 1.4em;font-size:1em}
button[value=pay]{background:#ec1c24;color:#fff;border:0}
small{color:#666}
</style>
</head>
<body>
<main>
<h1>Nagad</h1>
<p>Merchant: <strong id="merchant">{{.Merchant}}</strong></p>
<p>Order: <span id="order">{{.OrderID}}</span></p>
<p class="amount">৳ <span id="amount">{{.Amount}}</span> BDT</p>
{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}
<form method="post">
<label for="wallet">Nagad account number</label>
<input id="wallet" name="wallet" inputmode="numeric" autocomplete="tel" placeholder="01XXXXXXXXX" value="{{.Wallet}}">
<label for="otp">Verification code (OTP)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code">
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" placeholder="5-digit PIN">
<button type="submit" name="action" value="pay">Confirm</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>
<p><small>Sandbox simulator: any 01XXXXXXXXX wallet, OTP 123456, PIN 12121.</small></p>
</main>
</body>
</html>
`))

var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Nagad Payment (sandbox simulator)</title></head>
<body><main><h1>Nagad</h1><p id="message">{{.}}</p></main></body>
</html>
`))

// payable reports whether the payment page still takes the customer.
func payable(p *payment) bool {
	return p.completed && (p.status == StatusReady || p.status == StatusInProgress)
}

// pagePayment finds the payment of a page request and the HTTP status to
// answer: 200 for one waiting for the customer, 409 for one that is done
// (paid, failed, aborted or expired), 404 for an unknown or not completed
// one. s.mu must be held.
func (s *Simulator) pagePayment(r *http.Request) (*payment, int) {
	p := s.payments[r.PathValue("ref")]
	if p == nil || !p.completed {
		return nil, http.StatusNotFound
	}
	s.expire(p, s.now())
	if !payable(p) {
		return p, http.StatusConflict
	}
	return p, http.StatusOK
}

// servePage handles GET /check-out/{paymentReferenceId}: the payment form.
// Opening it moves the payment to InProgress.
func (s *Simulator) servePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, code := s.pagePayment(r)
	var view pageView
	if code == http.StatusOK {
		p.status = StatusInProgress
		view = viewOf(p)
	}
	s.mu.Unlock()
	if code != http.StatusOK {
		writeMessagePage(w, code)
		return
	}
	writePage(w, http.StatusOK, view)
}

// submitPage handles POST /check-out/{paymentReferenceId} with the form
// fields wallet, otp, pin and action (pay|cancel). The outcome is a 303 to
// the merchant's callback with Nagad's return parameters (spec §4), or the
// form again with HTTP 422 and the problem (wallet not 01XXXXXXXXX, wrong
// OTP, wrong PIN before the third).
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeMessagePage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pagePayment(r)
	if code != http.StatusOK {
		s.mu.Unlock()
		writeMessagePage(w, code)
		return
	}
	view := viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	done := false
	switch r.PostForm.Get("action") {
	case "cancel":
		p.status, p.statusCode, done = StatusAborted, CodeAborted, true
	case "pay", "":
		done = s.checkCustomer(p, r, &view)
	default:
		s.mu.Unlock()
		view.Error = "Unknown action"
		writePage(w, http.StatusBadRequest, view)
		return
	}
	location := ""
	if done {
		location = s.callbackLocation(p)
	}
	s.mu.Unlock()

	if !done {
		writePage(w, http.StatusUnprocessableEntity, view)
		return
	}
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// checkCustomer checks wallet, OTP and PIN in that order, then the amount
// limit, and settles the payment; it reports whether the payment is done
// (paid or failed), else view.Error says what to fix. s.mu must be held.
func (s *Simulator) checkCustomer(p *payment, r *http.Request, view *pageView) bool {
	wallet := normalizeWallet(r.PostForm.Get("wallet"))
	switch {
	case len(wallet) != 11 || !strings.HasPrefix(wallet, "01") || !allDigits(wallet):
		view.Error = "Invalid account number: enter 01XXXXXXXXX"
		return false
	case r.PostForm.Get("otp") != SandboxOTP:
		view.Error = "Invalid OTP"
		return false
	case r.PostForm.Get("pin") != SandboxPIN:
		p.wrongPINs++
		if p.wrongPINs < MaxWrongPINs {
			view.Error = messageWrongPIN
			return false
		}
		p.status, p.statusCode, p.wallet = StatusFailed, CodeWrongPINExhausted, wallet
		return true
	case p.paisa > s.cfg.TransactionLimit:
		p.status, p.statusCode, p.wallet = StatusFailed, CodeOverLimit, wallet
		return true
	}
	p.status, p.statusCode, p.wallet = StatusSuccess, VerifyCodeSuccess, wallet
	p.paidAt, p.issuerRef = s.now(), s.newTrxID()
	return true
}

// callbackLocation is the merchant callback with Nagad's return parameters
// (spec §4). Like Nagad, it puts "/" before the query ("…/cb/?merchant=…").
// s.mu must be held.
func (s *Simulator) callbackLocation(p *payment) string {
	code, msg := p.statusCode, ""
	switch {
	case p.status == StatusSuccess:
		code, msg = CallbackCodeSuccess, messageSuccess
	case p.status == StatusAborted:
		msg = messageAborted
	case p.statusCode == CodeOverLimit:
		msg = messageOverLimit
	default:
		msg = messageWrongPIN
	}
	params := []string{
		"merchant=" + url.QueryEscape(p.merchantID),
		"order_id=" + url.QueryEscape(p.orderID),
		"payment_ref_id=" + url.QueryEscape(p.ref),
		"status=" + url.QueryEscape(p.status),
		"status_code=" + url.QueryEscape(code),
		"message=" + url.PathEscape(msg), // %20 for spaces, as Nagad writes it
		"payment_dt=" + s.now().In(dhaka).Format(layoutDateTime),
	}
	if p.issuerRef != "" {
		params = append(params, "issuer_payment_ref="+url.QueryEscape(p.issuerRef))
	}
	base, sep := p.callbackURL, "?"
	if strings.Contains(base, "?") {
		sep = "&"
	} else if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + sep + strings.Join(params, "&")
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

func viewOf(p *payment) pageView {
	name := merchantName
	var info map[string]any
	if p.additional != "" && json.Unmarshal([]byte(p.additional), &info) == nil {
		if n, ok := info["serviceName"].(string); ok && n != "" {
			name = n
		}
	}
	return pageView{Merchant: name, OrderID: p.orderID, Amount: formatPaisa(p.paisa)}
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
		http.StatusConflict:   "This payment is no longer open: it was already paid, cancelled, failed or expired.",
		http.StatusBadRequest: "Bad request.",
	}[code]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = messageTemplate.Execute(w, msg)
}
