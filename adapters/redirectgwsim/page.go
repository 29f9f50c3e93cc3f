package redirectgwsim

import (
	"net/http"
	"net/url"

	"github.com/paycore/paycore/adapters/simkit"
)

// Sandbox secrets of the payment page (docs/platform.md §5).
const (
	// SandboxOTP is the only OTP the page accepts.
	SandboxOTP = simkit.SandboxOTP
	// SandboxPIN is the only PIN the page accepts.
	SandboxPIN = simkit.SandboxPIN
	// TransactionIDLength is the length of a transaction_id: 10 upper-case
	// alphanumerics, like the document's example CJH1D2Y4W1.
	TransactionIDLength = 10
)

// problemMessages are the page's messages for a wrong wallet, OTP or PIN.
var problemMessages = map[simkit.FormProblem]string{
	simkit.FormBadWallet: "Enter an 11-digit mobile wallet number starting with 01.",
	simkit.FormBadOTP:    "Invalid OTP.",
	simkit.FormBadPIN:    "Wrong PIN.",
}

// msgBadAction answers a form whose action is neither pay nor cancel.
const msgBadAction = "Unknown action."

// pageView is what the payment page shows.
type pageView struct {
	Customer string
	Amount   string
	Wallet   string
	Error    string
}

// walletPage is the gateway's payment page.
var walletPage = simkit.MustWalletPage(simkit.WalletPageLook{
	Title:       "Checkout (redirect gateway sandbox simulator)",
	Heading:     "Secure checkout",
	Background:  "#eef1f5",
	Accent:      "#2456a6",
	HeadingCSS:  "font-size:1.4em",
	Details:     `{{if .Customer}}<p>Customer: <strong id="customer">{{.Customer}}</strong></p>{{end}}`,
	WalletLabel: "Mobile wallet number (bKash, Nagad, Rocket)",
	PayLabel:    "Pay",
	CancelLabel: "Cancel",
	Note:        "Sandbox simulator: any 01XXXXXXXXX wallet, OTP 123456, PIN 12121.",
	Messages: map[int]string{
		http.StatusNotFound:   "This payment link is invalid.",
		http.StatusConflict:   "This payment has already been processed.",
		http.StatusBadRequest: "Bad request.",
	},
})

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
	walletPage.Serve(w, code, view)
}

// submitPage handles POST /checkout?trx_id=… with the form fields wallet,
// otp, pin and action (pay|cancel). pay with a valid wallet, OTP and PIN
// answers 303 to success_url with transaction_id appended; cancel answers
// 303 to cancel_url; a wrong field shows the form again with HTTP 422.
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		walletPage.WriteMessage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pageSession(r.URL.Query())
	if code != http.StatusOK {
		s.mu.Unlock()
		walletPage.WriteMessage(w, code)
		return
	}
	view := viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	location := ""
	switch simkit.Action(r.PostForm) {
	case simkit.ActionCancel:
		p.state, location = stateCancelled, p.cancelURL
	case simkit.ActionPay:
		wallet, problem := simkit.CheckForm(r.PostForm, nil)
		if view.Error = problemMessages[problem]; problem == simkit.FormOK {
			s.pay(p, wallet)
			location = simkit.AppendQuery(p.successURL, "transaction_id="+url.QueryEscape(p.transactionID))
		} else {
			code = http.StatusUnprocessableEntity
		}
	default:
		code, view.Error = http.StatusBadRequest, msgBadAction
	}
	s.mu.Unlock()

	if location == "" {
		walletPage.WriteForm(w, code, view)
		return
	}
	simkit.SeeOther(w, location)
}

// pay marks p paid by wallet with a new, unique transaction_id. s.mu must be
// held.
func (s *Simulator) pay(p *session, wallet string) {
	id := ""
	for id == "" || s.byTxn[id] != nil {
		id = simkit.RandString(upperAlnum, TransactionIDLength)
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
