package bkashsim

import (
	"net/http"
	"slices"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// Sandbox wallets and secrets (docs/gateways/bkash.md §13.1; docs/platform.md §4).
const (
	// WalletInsufficientBalance is approved on the page; its execute gets 2023
	// "Insufficient Balance".
	WalletInsufficientBalance = "01823074817"
	// WalletDebitBlock is approved on the page; its execute gets 2037 (the
	// debit party's account is in a state that prohibits the transaction).
	WalletDebitBlock = "01823074818"
	// SandboxOTP is the only OTP the page accepts (else "2010 Invalid OTP").
	SandboxOTP = simkit.SandboxOTP
	// SandboxPIN is the only PIN the page accepts (else "2014 Wrong PIN").
	SandboxPIN = simkit.SandboxPIN
	// MaxWrongPINs is the number of wrong PINs after which the page fails the
	// payment with 2015 and redirects with status=failure.
	MaxWrongPINs = 3
)

// regularWallets are the regular sandbox customer wallets (docs/gateways/bkash.md §13.1).
var regularWallets = []string{
	"01770618575", "01929918378", "01770618576",
	"01877722345", "01619777282", "01619777283",
}

// RegularWallets returns the sandbox wallets that pay successfully (docs/gateways/bkash.md §13.1).
func RegularWallets() []string { return slices.Clone(regularWallets) }

// knownWallet reports whether the page knows the wallet; others get 2045.
func knownWallet(w string) bool {
	return slices.Contains(regularWallets, w) || w == WalletInsufficientBalance || w == WalletDebitBlock
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

// walletPage is bKash's wallet page.
var walletPage = simkit.MustWalletPage(simkit.WalletPageLook{
	Title:      "bKash Payment (sandbox simulator)",
	Heading:    "bKash",
	Background: "#f2f2f2",
	Accent:     "#e2136e",
	Details: `<p>Merchant: <strong id="merchant">{{.Merchant}}</strong></p>
<p>Invoice: <span id="invoice">{{.Invoice}}</span></p>`,
	ErrorLine:   `{{if .Error}}<p class="error" role="alert" id="error" data-code="{{.ErrorCode}}">{{.ErrorCode}} {{.Error}}</p>{{end}}`,
	WalletLabel: "Your bKash account number",
	PayLabel:    "Confirm",
	CancelLabel: "Close",
	Note:        "Sandbox simulator: OTP 123456, PIN 12121.",
	Messages: map[int]string{
		http.StatusNotFound:   "This payment link is invalid or has expired.",
		http.StatusConflict:   "This payment has already been processed.",
		http.StatusBadRequest: "Bad request.",
	},
})

// servePage handles GET /checkout?paymentId=…&hash=…: the form for a payment
// waiting for the customer, pre-filling the wallet when payerReference is an
// MSISDN (docs/gateways/bkash.md §5.1, PW); 404 for an unknown, expired or wrong-hash link; 409 for
// a payment the customer is already done with.
func (s *Simulator) servePage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	p, code := s.pagePayment(r, s.now())
	var view pageView
	if code == http.StatusOK {
		view = s.viewOf(p)
		if msisdn := simkit.NormalizeWallet(p.payerReference); simkit.IsWalletNumber(msisdn) {
			view.Wallet = msisdn
		}
	}
	s.mu.Unlock()
	walletPage.Serve(w, code, view)
}

// submitPage handles POST /checkout?paymentId=…&hash=… with the form fields
// wallet, otp, pin and action (pay|cancel). The outcome is a 303 to the
// payment's callbackURL with paymentID, status (success|failure|cancel),
// signature and apiVersion=1.2.0-beta/ (docs/gateways/bkash.md §6), or the form again with HTTP
// 422 and the bKash error (2045, 2010, 2014).
func (s *Simulator) submitPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		walletPage.WriteMessage(w, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, code := s.pagePayment(r, s.now())
	if code != http.StatusOK {
		s.mu.Unlock()
		walletPage.WriteMessage(w, code)
		return
	}
	view := s.viewOf(p)
	view.Wallet = r.PostForm.Get("wallet")
	outcome := ""
	switch simkit.Action(r.PostForm) {
	case simkit.ActionCancel:
		p.state, outcome = stateCancelled, "cancel"
	case simkit.ActionPay:
		outcome = s.checkCustomer(p, r, &view)
	default:
		code = http.StatusBadRequest
		view.Error = "Unknown action"
	}
	location := ""
	if outcome != "" {
		location = simkit.AppendQuery(p.callbackURL, "paymentID="+p.id+"&status="+outcome+
			"&signature="+p.signature+"&apiVersion=1.2.0-beta/")
	}
	s.mu.Unlock()

	switch {
	case outcome != "":
		simkit.SeeOther(w, location)
	case code != http.StatusOK:
		walletPage.WriteForm(w, code, view)
	default:
		walletPage.WriteForm(w, http.StatusUnprocessableEntity, view)
	}
}

// checkCustomer checks wallet, OTP and PIN in that order and returns the
// redirect status ("success", "failure") or "" with view.Error set. s.mu must
// be held.
func (s *Simulator) checkCustomer(p *payment, r *http.Request, view *pageView) string {
	wallet, problem := simkit.CheckForm(r.PostForm, knownWallet)
	setErr := func(code string) {
		view.ErrorCode, view.Error = code, statusMessages[code]
	}
	switch problem {
	case simkit.FormBadWallet:
		setErr(codeNoSuchMSISDN)
	case simkit.FormBadOTP:
		setErr(codeInvalidOTP)
	case simkit.FormBadPIN:
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
	return pageView{Merchant: merchantName, Invoice: p.invoice, Amount: simkit.FormatPaisa(p.paisa)}
}
