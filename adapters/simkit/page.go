package simkit

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The sandbox secrets every wallet page accepts (docs/platform.md §5).
const (
	// SandboxOTP is the only OTP a wallet page accepts.
	SandboxOTP = "123456"
	// SandboxPIN is the only PIN a wallet page accepts.
	SandboxPIN = "12121"
)

// NormalizeWallet drops spaces and dashes, a leading "+", and the 88
// country code of a 13-digit 880… number: "+880 1712-345678" becomes
// "01712345678".
func NormalizeWallet(w string) string {
	w = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(w))
	w = strings.TrimPrefix(w, "+")
	if len(w) == 13 && strings.HasPrefix(w, "880") {
		w = w[2:]
	}
	return w
}

// IsWalletNumber reports whether w is a Bangladeshi mobile number as
// customers type it, 01XXXXXXXXX (11 digits), after NormalizeWallet.
func IsWalletNumber(w string) bool {
	return len(w) == 11 && strings.HasPrefix(w, "01") && AllDigits(w)
}

// FormProblem is the first thing wrong with a wallet page form, in the
// order CheckForm checks.
type FormProblem int

// What CheckForm finds.
const (
	// FormOK: the wallet is acceptable and the OTP and PIN are right.
	FormOK FormProblem = iota
	// FormBadWallet: the wallet number is not one the page accepts.
	FormBadWallet
	// FormBadOTP: the otp field is not SandboxOTP.
	FormBadOTP
	// FormBadPIN: the pin field is not SandboxPIN.
	FormBadPIN
)

// CheckForm checks a wallet page's form fields in the order the gateways
// do: wallet (normalized, then accepted by valid; nil valid means
// IsWalletNumber), otp against SandboxOTP, pin against SandboxPIN. It
// returns the normalized wallet and the first problem, FormOK if none.
func CheckForm(form url.Values, valid func(wallet string) bool) (wallet string, problem FormProblem) {
	if valid == nil {
		valid = IsWalletNumber
	}
	wallet = NormalizeWallet(form.Get("wallet"))
	switch {
	case !valid(wallet):
		return wallet, FormBadWallet
	case form.Get("otp") != SandboxOTP:
		return wallet, FormBadOTP
	case form.Get("pin") != SandboxPIN:
		return wallet, FormBadPIN
	}
	return wallet, FormOK
}

// FormAction is what the customer asked for with a wallet page form's
// action field.
type FormAction int

// The actions of a wallet page form.
const (
	// ActionPay is action=pay, or no action (Enter in a field).
	ActionPay FormAction = iota
	// ActionCancel is action=cancel.
	ActionCancel
	// ActionUnknown is any other action.
	ActionUnknown
)

// Action returns the action a wallet page form asks for.
func Action(form url.Values) FormAction {
	switch form.Get("action") {
	case "pay", "":
		return ActionPay
	case "cancel":
		return ActionCancel
	}
	return ActionUnknown
}

// WalletPageLook is what tells one gateway's wallet page from another's.
// Every field but Details, ErrorLine and Messages is inserted into the page
// as is: it is trusted HTML or CSS written in the simulator, never input.
type WalletPageLook struct {
	// Title is the page's <title>, e.g. "bKash Payment (sandbox simulator)".
	Title string
	// Heading is the <h1> text.
	Heading string
	// Background is the CSS colour behind the page.
	Background string
	// Accent is the CSS colour of the top border and the pay button.
	Accent string
	// HeadingColor is the CSS colour of the <h1>; "" → Accent.
	HeadingColor string
	// HeadingCSS are extra CSS declarations for the <h1>, e.g.
	// "font-size:1.4em"; "" for none.
	HeadingCSS string
	// Details is template text shown between the heading and the amount,
	// executed on the view (e.g. the merchant and the invoice).
	Details string
	// ErrorLine is template text of the error paragraph shown above the
	// form; "" → DefaultErrorLine.
	ErrorLine string
	// WalletLabel labels the wallet number field.
	WalletLabel string
	// PayLabel and CancelLabel are the texts of the two buttons.
	PayLabel, CancelLabel string
	// Note is the small print under the form (the sandbox secrets).
	Note string
	// Messages are the texts of the message pages, by HTTP status.
	Messages map[int]string
}

// DefaultErrorLine shows a view's Error in the error paragraph.
const DefaultErrorLine = `{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}`

// formSkeleton is the wallet page; @NAME@ marks where WalletPageLook goes.
const formSkeleton = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
body{font-family:system-ui,sans-serif;background:@BACKGROUND@;margin:0}
main{max-width:380px;margin:2em auto;background:#fff;border-top:6px solid @ACCENT@;padding:1.5em;box-shadow:0 1px 4px #0002}
h1{color:@HEADINGCOLOR@;margin:0 0 .5em@HEADINGCSS@}
.amount{font-size:1.6em;font-weight:bold}
label{display:block;margin:.9em 0 .2em}
input{width:100%;padding:.6em;box-sizing:border-box;font-size:1em}
.error{color:#b00020;font-weight:bold}
button{margin-top:1.2em;padding:.7em 1.4em;font-size:1em}
button[value=pay]{background:@ACCENT@;color:#fff;border:0}
small{color:#666}
</style>
</head>
<body>
<main>
<h1>@HEADING@</h1>
@DETAILS@
<p class="amount">৳ <span id="amount">{{.Amount}}</span> BDT</p>
@ERRORLINE@
<form method="post">
<label for="wallet">@WALLETLABEL@</label>
<input id="wallet" name="wallet" inputmode="numeric" autocomplete="tel" placeholder="01XXXXXXXXX" value="{{.Wallet}}">
<label for="otp">Verification code (OTP)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code">
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" placeholder="5-digit PIN">
<button type="submit" name="action" value="pay">@PAY@</button>
<button type="submit" name="action" value="cancel">@CANCEL@</button>
</form>
<p><small>@NOTE@</small></p>
</main>
</body>
</html>
`

// messageSkeleton is the page of a message instead of the form.
const messageSkeleton = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>@TITLE@</title></head>
<body><main><h1>@HEADING@</h1><p id="message">{{.}}</p></main></body>
</html>
`

// WalletPage is a gateway's sandbox wallet page: a form asking for the
// wallet number, OTP and PIN with pay and cancel buttons, and a message page
// for links that cannot be paid. It is safe for concurrent use.
type WalletPage struct {
	form     *template.Template
	message  *template.Template
	messages map[int]string
}

// MustWalletPage builds the wallet page of look. It panics if Details or
// ErrorLine is not a valid template, so it is meant for package variables,
// like template.Must.
func MustWalletPage(look WalletPageLook) *WalletPage {
	if look.HeadingColor == "" {
		look.HeadingColor = look.Accent
	}
	if look.HeadingCSS != "" {
		look.HeadingCSS = ";" + look.HeadingCSS
	}
	if look.ErrorLine == "" {
		look.ErrorLine = DefaultErrorLine
	}
	fill := strings.NewReplacer(
		"@TITLE@", look.Title, "@HEADING@", look.Heading,
		"@BACKGROUND@", look.Background, "@ACCENT@", look.Accent,
		"@HEADINGCOLOR@", look.HeadingColor, "@HEADINGCSS@", look.HeadingCSS,
		"@DETAILS@", look.Details, "@ERRORLINE@", look.ErrorLine,
		"@WALLETLABEL@", look.WalletLabel, "@PAY@", look.PayLabel,
		"@CANCEL@", look.CancelLabel, "@NOTE@", look.Note,
	)
	return &WalletPage{
		form:     template.Must(template.New("page").Parse(fill.Replace(formSkeleton))),
		message:  template.Must(template.New("message").Parse(fill.Replace(messageSkeleton))),
		messages: look.Messages,
	}
}

// WriteForm answers HTTP code with the form, not cached. view is the
// gateway's page view: a struct with the string fields Amount (shown in
// taka), Wallet (the wallet field's value) and Error ("" for none), plus
// whatever Details and ErrorLine use.
func (p *WalletPage) WriteForm(w http.ResponseWriter, code int, view any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = p.form.Execute(w, view)
}

// Serve answers a request for the page of a payment looked up with the
// outcome code: the form with view when code is http.StatusOK, else the
// message page for code (see WriteForm and WriteMessage).
func (p *WalletPage) Serve(w http.ResponseWriter, code int, view any) {
	if code != http.StatusOK {
		p.WriteMessage(w, code)
		return
	}
	p.WriteForm(w, http.StatusOK, view)
}

// WriteMessage answers HTTP code with the message page showing the look's
// message for code.
func (p *WalletPage) WriteMessage(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = p.message.Execute(w, p.messages[code])
}
