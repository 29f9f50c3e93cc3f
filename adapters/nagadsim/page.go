package nagadsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
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

// walletPage is Nagad's payment page.
var walletPage = simkit.MustWalletPage(simkit.WalletPageLook{
	Title:        "Nagad Payment (sandbox simulator)",
	Heading:      "Nagad",
	Background:   "#f4f4f4",
	Accent:       "#ec1c24",
	HeadingColor: "#f6921e",
	Details: `<p>Merchant: <strong id="merchant">{{.Merchant}}</strong></p>
<p>Order: <span id="order">{{.OrderID}}</span></p>`,
	WalletLabel: "Nagad account number",
	PayLabel:    "Confirm",
	CancelLabel: "Cancel",
	Note:        "Sandbox simulator: any 01XXXXXXXXX wallet, OTP 123456, PIN 12121.",
	Messages: map[int]string{
		http.StatusNotFound:   "This payment link is invalid.",
		http.StatusConflict:   "This payment is no longer open: it was already paid, cancelled, failed or expired.",
		http.StatusBadRequest: "Bad request.",
	},
})

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
	walletPage.Serve(w, code, view)
}

// submitPage handles POST /check-out/{paymentReferenceId} with the form
// fields wallet, otp, pin and action (pay|cancel). The outcome is a 303 to
// the merchant's callback with Nagad's return parameters (docs/gateways/nagad.md §7.1), or the
// form again with HTTP 422 and the problem (wallet not 01XXXXXXXXX, wrong
// OTP, wrong PIN before the third).
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		walletPage.WriteMessage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pagePayment(r)
	if code != http.StatusOK {
		s.mu.Unlock()
		walletPage.WriteMessage(w, code)
		return
	}
	view := viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	done := false
	switch simkit.Action(r.PostForm) {
	case simkit.ActionCancel:
		p.status, p.statusCode, done = StatusAborted, CodeAborted, true
	case simkit.ActionPay:
		done = s.checkCustomer(p, r, &view)
	default:
		s.mu.Unlock()
		view.Error = "Unknown action"
		walletPage.WriteForm(w, http.StatusBadRequest, view)
		return
	}
	location := ""
	if done {
		location = s.callbackLocation(p)
	}
	s.mu.Unlock()

	if !done {
		walletPage.WriteForm(w, http.StatusUnprocessableEntity, view)
		return
	}
	simkit.SeeOther(w, location)
}

// checkCustomer checks wallet, OTP and PIN in that order, then the amount
// limit, and settles the payment; it reports whether the payment is done
// (paid or failed), else view.Error says what to fix. s.mu must be held.
func (s *Simulator) checkCustomer(p *payment, r *http.Request, view *pageView) bool {
	wallet, problem := simkit.CheckForm(r.PostForm, nil)
	switch {
	case problem == simkit.FormBadWallet:
		view.Error = "Invalid account number: enter 01XXXXXXXXX"
		return false
	case problem == simkit.FormBadOTP:
		view.Error = "Invalid OTP"
		return false
	case problem == simkit.FormBadPIN:
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
// (docs/gateways/nagad.md §7.2). Like Nagad, it puts "/" before the query ("…/cb/?merchant=…").
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
		"payment_dt=" + s.now().In(domain.Dhaka).Format(layoutDateTime),
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

func viewOf(p *payment) pageView {
	name := merchantName
	var info map[string]any
	if p.additional != "" && json.Unmarshal([]byte(p.additional), &info) == nil {
		if n, ok := info["serviceName"].(string); ok && n != "" {
			name = n
		}
	}
	return pageView{Merchant: name, OrderID: p.orderID, Amount: simkit.FormatPaisa(p.paisa)}
}
