package sslcommerzsim

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>SSLCommerz sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}
fieldset{margin:.8rem 0;border:1px solid #ccc;border-radius:.4rem}button{padding:.6rem 1rem;margin:.3rem 0}</style></head><body>
<h1>SSLCommerz (sandbox)</h1>
<p id="amount">{{.Amount}} {{.Currency}} · {{.Product}}</p>
<form method="post" action="{{.Action}}">
<fieldset id="cards"{{if not .Cards}} hidden{{end}}><legend>Card</legend>
<label><input type="radio" name="method" value="card" checked> Card</label><br>
<label>Card number <input name="card_no" value="4111111111111111" autocomplete="off"></label><br>
<small>4111111111111111 / 5111111111111111 / 371111111111111 pay; 4000000000000002 is declined; 4000000000009995 pays, marked risky. Expiry 12/25, CVV 111.</small>
</fieldset>
<fieldset id="channels"><legend>Mobile and internet banking</legend>
{{range .Channels}}<label><input type="radio" name="method" value="{{.}}"> {{.}}</label><br>{{end}}
<label>Wallet <input name="wallet" placeholder="01XXXXXXXXX"></label><br>
<label>OTP <input name="otp" placeholder="123456"></label>
</fieldset>
<fieldset><legend>Sandbox outcome</legend>
<select name="outcome"><option value="">by the card or OTP</option><option>VALID</option><option>FAILED</option>
<option>CANCELLED</option><option>UNATTEMPTED</option><option>EXPIRED</option></select>
<label><input type="checkbox" name="risky" value="1"> risky</label></fieldset>
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>`))

var returnTmpl = template.Must(template.New("return").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Returning to the merchant</title></head><body onload="document.getElementById('return').submit()">
<p>{{.Status}}: returning to the merchant…</p>
<form id="return" method="post" action="{{.Action}}">{{range .Fields}}
<input type="hidden" name="{{.K}}" value="{{.V}}">{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`))

func (s *Simulator) lookup(r *http.Request) *session {
	key := strings.TrimPrefix(r.PathValue("page"), "testcde")
	if key == "" {
		key = r.URL.Query().Get("SESSIONKEY")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[strings.ToUpper(key)]
}

func (s *Simulator) servePage(w http.ResponseWriter, r *http.Request) {
	s.stats.Inc(EndpointPage)
	ss := s.lookup(r)
	if ss == nil {
		simkit.WriteHTML(w, http.StatusNotFound, "<html><body><h1>Invalid session</h1></body></html>")
		return
	}
	cards := false
	var chans []string
	for _, i := range offered(ss.form["multi_card_name"]) {
		c := channels[i]
		switch c.typ {
		case "visa", "master", "amex", "othercards":
			cards = true
		default:
			chans = append(chans, c.gw)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, map[string]any{"Amount": simkit.FormatPaisa(ss.amount), "Currency": ss.currency,
		"Product": ss.form["product_name"], "Action": s.publicURL(r) + PagePrefix + strings.ToLower(ss.key),
		"Cards": cards, "Channels": chans})
}

// outcome decides what a page submission did: status, card type, risk.
func outcome(form url.Values) (status, cardType, errText string, risky bool) {
	risky = form.Get("risky") == "1"
	method := form.Get("method")
	switch {
	case form.Get("action") == "cancel":
		return "CANCELLED", "", "Cancelled by User", false
	case method == "" || method == "card":
		switch strings.ReplaceAll(form.Get("card_no"), " ", "") {
		case CardVisa:
			status, cardType = "VALID", "VISA-City Bank"
		case CardMaster:
			status, cardType = "VALID", "MASTER-City Bank"
		case CardAmex:
			status, cardType = "VALID", "AMEX-City Bank"
		case CardRisky:
			status, cardType, risky = "VALID", "VISA-Dutch Bangla", true
		default:
			status, cardType, errText = "FAILED", "VISA-Dutch Bangla", "Declined by Issuer Bank"
		}
	default:
		cardType = strings.ToUpper(method) + "-" + method
		otp := form.Get("otp")
		if simkit.IsWalletNumber(simkit.NormalizeWallet(form.Get("wallet"))) && (otp == "111111" || otp == simkit.SandboxOTP) {
			status = "VALID"
		} else {
			status, errText = "FAILED", "Invalid wallet or OTP"
		}
	}
	if o := strings.ToUpper(form.Get("outcome")); o != "" {
		status = o
		switch o {
		case "VALID":
			errText = ""
		case "CANCELLED":
			errText = "Cancelled by User"
		case "EXPIRED":
			errText = "Payment timeout"
		case "UNATTEMPTED":
			errText = "No payment method chosen"
		case "FAILED":
			if errText == "" {
				errText = "Declined by Issuer Bank"
			}
		}
	}
	return status, cardType, errText, risky && status == "VALID"
}

// mintID is YYMMDDhhmmss + random, 27 characters (§9).
func mintID(now time.Time) string {
	return now.In(domain.Dhaka).Format("060102150405") + simkit.RandString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 15)
}

func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	s.stats.Inc(EndpointPage)
	if err := r.ParseForm(); err != nil {
		simkit.WriteHTML(w, http.StatusBadRequest, "<html><body><h1>Bad form</h1></body></html>")
		return
	}
	ss := s.lookup(r)
	if ss == nil {
		simkit.WriteHTML(w, http.StatusNotFound, "<html><body><h1>Invalid session</h1></body></html>")
		return
	}
	status, cardType, errText, risky := outcome(r.PostForm)
	now := s.now()
	s.mu.Lock()
	if ss.status != "PENDING" {
		s.mu.Unlock()
		simkit.WriteHTML(w, http.StatusConflict, "<html><body><h1>This session is already finished</h1></body></html>")
		return
	}
	ss.status, ss.cardType, ss.errText, ss.risky = status, cardType, errText, risky
	ss.tranDate = now.In(domain.Dhaka).Format(time.DateTime)
	if status == "VALID" || status == "FAILED" {
		ss.bankTranID = mintID(now)
		s.byBank[ss.bankTranID] = ss
	}
	if status == "VALID" {
		ss.valID = mintID(now)
		s.byVal[ss.valID] = ss
	}
	fields := s.postFields(ss)
	s.mu.Unlock()

	s.sendIPN(r.Context(), ss.form["ipn_url"], fields)
	target := ss.form["fail_url"]
	switch status {
	case "VALID":
		target = ss.form["success_url"]
	case "CANCELLED":
		target = ss.form["cancel_url"]
	}
	type kv struct{ K, V string }
	var list []kv
	for k, v := range fields {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].K < list[j].K })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = returnTmpl.Execute(w, map[string]any{"Status": status, "Action": template.URL(target), "Fields": list}) //nolint:gosec // the merchant's own URL, from its session request
}

// postFields are the signed fields of a return and IPN (§4). Call with mu
// held.
func (s *Simulator) postFields(ss *session) map[string]string {
	rec := s.record(ss)
	f := map[string]string{"store_id": s.creds.StoreID}
	for _, k := range []string{"tran_id", "val_id", "amount", "card_type", "store_amount", "card_no", "bank_tran_id",
		"status", "tran_date", "error", "currency", "card_issuer", "card_brand", "card_issuer_country",
		"card_issuer_country_code", "currency_type", "currency_amount", "currency_rate", "base_fair",
		"value_a", "value_b", "value_c", "value_d", "risk_level", "risk_title"} {
		if v, ok := rec[k].(string); ok {
			f[k] = v
		}
	}
	if ss.status != "VALID" {
		delete(f, "val_id")
	}
	sign(f, s.creds.StorePasswd)
	return f
}

// sendIPN POSTs fields (urlencoded) to ipnURL, unless a fault on "ipn"
// loses it. Errors are ignored: SSLCommerz does not tell the customer.
func (s *Simulator) sendIPN(ctx context.Context, ipnURL string, fields map[string]string) {
	if ipnURL == "" {
		return
	}
	s.stats.Inc(EndpointIPN)
	if f, ok := s.faults.Take(EndpointIPN); ok {
		if !simkit.Sleep(ctx, f.Delay) || f.Mode != simkit.FaultNone {
			return
		}
	}
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, ipnURL, strings.NewReader(form.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
}
