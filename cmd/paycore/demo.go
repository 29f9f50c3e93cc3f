package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
)

// payResult is what a customer's journey ended with.
type payResult struct {
	TransactionID string
	Statuses      []string // as the subscription saw them
	ResultPage    string   // headline of paycore's result page
}

var headline = regexp.MustCompile(`<h1 id="headline"[^>]*>([^<]*)</h1>`)

// payOnce pays with bKash: see pay.
func payOnce(ctx context.Context, w io.Writer, m merchant, wallet, action, amount string) (payResult, error) {
	return pay(ctx, w, m, payParams{Gateway: domain.GatewayBkash, Wallet: wallet, Action: action, Amount: amount})
}

// payParams is one customer journey.
type payParams struct {
	Gateway domain.Gateway // "" → bKash
	Wallet  string         // customer wallet typed on the gateway's page
	Action  string         // "pay" or "cancel"
	Amount  string         // BDT
	// WebhookURL, if set, is the payment's webhook_url.
	WebhookURL string
	// PIN typed on the gateway's page; "" → the sandbox PIN. A wrong one
	// is typed until the page stops asking (Nagad fails after three).
	PIN string
}

var gatewayTitles = map[domain.Gateway]string{
	domain.GatewayBkash: "bKash", domain.GatewayNagad: "Nagad", domain.GatewayRedirectGW: "the redirect gateway",
	domain.GatewaySSLCommerz: "SSLCommerz",
}

// pay creates a payment as the merchant, subscribes as the SPA would, and
// pays it as the customer through the hosted page and p.Gateway's page
// (simulator) with p.Wallet (action "pay" or "cancel"), logging each step to
// w.
func pay(ctx context.Context, w io.Writer, m merchant, p payParams) (payResult, error) {
	if p.Gateway == "" {
		p.Gateway = domain.GatewayBkash
	}
	if p.PIN == "" {
		p.PIN = "12121"
	}
	title := gatewayTitles[p.Gateway]
	var res payResult
	var created createdPayment
	order := "DEMO-" + nonce()[:12]
	input := map[string]any{
		"orderId": order, "amount": p.Amount, "currency": "BDT",
		"customerName": "Demo Customer", "customerPhone": p.Wallet,
		"returnURL": "https://shop.example.com/thanks",
	}
	if p.WebhookURL != "" {
		input["webhookURL"] = p.WebhookURL
	}
	err := m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": input}, &created)
	if err != nil {
		return res, fmt.Errorf("create payment: %w", err)
	}
	cp := created.CreatePayment
	res.TransactionID = cp.Payment.TransactionID
	progress(w, "merchant: created %s for order %s, %s BDT, pay at %s\n", res.TransactionID, order, p.Amount, cp.PaymentURL)

	subCtx, cancelSub := context.WithCancel(ctx)
	defer cancelSub()
	statuses, err := subscribe(subCtx, m.base, cp.ClientToken, res.TransactionID)
	if err != nil {
		return res, err
	}
	first := <-statuses
	res.Statuses = append(res.Statuses, first)
	progress(w, "subscription: %s\n", first)

	b := newBrowser()
	code, _, _, err := b.do(ctx, http.MethodGet, cp.PaymentURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("hosted page: %d %v", code, err)
	}
	code, walletURL, body, err := b.do(ctx, http.MethodPost, m.base+"/pay/"+res.TransactionID+"/"+string(p.Gateway), url.Values{})
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("start %s: %d %v %s", title, code, err, body)
	}
	progress(w, "customer: sent to %s %s\n", title, walletURL)
	code, _, _, err = b.do(ctx, http.MethodGet, walletURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("%s page: %d %v", title, code, err)
	}
	if p.Gateway == domain.GatewaySSLCommerz {
		callback, err := sslcommerzPage(ctx, w, b, walletURL, p.Action)
		if err != nil {
			return res, err
		}
		code, resultURL, body, err := b.do(ctx, http.MethodPost, callback.action, callback.fields)
		if err != nil || code != http.StatusSeeOther {
			return res, fmt.Errorf("callback: %d %v %s", code, err, body)
		}
		return finishPay(ctx, w, b, resultURL, res, statuses)
	}
	var callback string
	for range 5 { // a wrong PIN shows the form again (HTTP 422)
		code, callback, body, err = b.do(ctx, http.MethodPost, walletURL, url.Values{
			"wallet": {p.Wallet}, "otp": {"123456"}, "pin": {p.PIN}, "action": {p.Action}})
		if err != nil || code != http.StatusUnprocessableEntity {
			break
		}
		progress(w, "customer: %s refused the PIN\n", title)
	}
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("%s page %s: %d %v %s", title, p.Action, code, err, body)
	}
	progress(w, "customer: %s returns to %s\n", title, callback)
	code, resultURL, body, err := b.do(ctx, http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("callback: %d %v %s", code, err, body)
	}
	return finishPay(ctx, w, b, resultURL, res, statuses)
}

// finishPay opens the result page and collects what the subscription saw.
func finishPay(ctx context.Context, w io.Writer, b browser, resultURL string, res payResult, statuses <-chan string) (payResult, error) {
	code, _, body, err := b.do(ctx, http.MethodGet, resultURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("result page: %d %v", code, err)
	}
	if mm := headline.FindStringSubmatch(body); mm != nil {
		res.ResultPage = mm[1]
	}
	progress(w, "customer: result page says %q\n", res.ResultPage)

	// The outcome is committed by now; collect what the subscription saw,
	// until a settled status or a second without news.
	for {
		switch res.Statuses[len(res.Statuses)-1] {
		case "success", "failed", "cancelled", "expired":
			return res, nil
		}
		select {
		case s, ok := <-statuses:
			if !ok {
				return res, nil
			}
			if s == res.Statuses[len(res.Statuses)-1] {
				continue // the same status announced again (another change of the payment)
			}
			res.Statuses = append(res.Statuses, s)
			progress(w, "subscription: %s\n", s)
		case <-time.After(time.Second):
			return res, nil
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
}

// landedWebhook is one webhook the sandbox merchant received.
type landedWebhook struct {
	ID       string          `json:"id"`
	Event    string          `json:"event"`
	Verified bool            `json:"verified"`
	Answered int             `json:"answered"`
	Body     json.RawMessage `json:"body"`
}

// landedWebhooks waits up to wait for a webhook `want` about transactionID
// to land at the sandbox merchant (GET {base}/sandbox/merchant/webhooks)
// and returns every webhook about that transaction, oldest first.
func landedWebhooks(ctx context.Context, base, transactionID, want string, wait time.Duration) ([]landedWebhook, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(wait)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sandbox/merchant/webhooks", nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		var all []landedWebhook
		err = json.NewDecoder(resp.Body).Decode(&all)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("sandbox merchant webhooks: HTTP %d: %w", resp.StatusCode, err)
		}
		var mine []landedWebhook
		found := false
		for _, h := range all {
			var b struct {
				TransactionID string `json:"transaction_id"`
			}
			if json.Unmarshal(h.Body, &b) == nil && b.TransactionID == transactionID {
				mine = append(mine, h)
				found = found || h.Event == want
			}
		}
		if found || time.Now().After(deadline) {
			return mine, nil
		}
		select {
		case <-ctx.Done():
			return mine, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// runDemo plays merchant and customer with one gateway against base and
// prints what it sees, then the webhooks that landed at the sandbox
// merchant (the payment's webhook_url). It fails unless the payment reached
// success.
// progress prints a line of the demo's narrative to w. The narrative is for
// the person watching; a failed write must not fail the payment it narrates.
func progress(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

func runDemo(ctx context.Context, w io.Writer, base string, g domain.Gateway, wallet, amount string) error {
	return runDemoVia(ctx, w, base, base, g, wallet, amount)
}

// runDemoVia is runDemo with the sandbox merchant served under sandbox
// (paycore itself, or `paycore sandbox` at PAYCORE_SANDBOX_URL).
func runDemoVia(ctx context.Context, w io.Writer, base, sandbox string, g domain.Gateway, wallet, amount string) error {
	m := merchant{base: base, key: demoAPIKey, secret: demoAPISecret, http: &http.Client{Timeout: 60 * time.Second}}
	res, err := pay(ctx, w, m, payParams{Gateway: g, Wallet: wallet, Action: "pay", Amount: amount,
		WebhookURL: sandbox + prefixMerchant + "/webhook"})
	if err != nil {
		return err
	}
	final := res.Statuses[len(res.Statuses)-1]
	progress(w, "statuses seen: %s\n", strings.Join(res.Statuses, " → "))
	if final != "success" {
		return errors.New("payment did not reach success: " + final)
	}
	hooks, err := landedWebhooks(ctx, sandbox, res.TransactionID, string(domain.EventPaymentSuccess), 20*time.Second)
	if err != nil {
		return err
	}
	delivered := false
	for _, h := range hooks {
		progress(w, "webhook: %s %s verified=%t answered=%d %s\n", h.Event, h.ID, h.Verified, h.Answered, h.Body)
		delivered = delivered || (h.Event == string(domain.EventPaymentSuccess) && h.Verified)
	}
	if !delivered {
		// The payment succeeded; the webhook is retried after 1, 5 and 15
		// minutes (GET /api/v1/webhooks shows its attempts).
		progress(w, "webhook: payment.success has not landed at the sandbox merchant yet\n")
	}
	progress(w, "success\n")
	return nil
}

func cmdDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	base := fs.String("url", getenv("PAYCORE_BASE_URL", "http://"+getenv("PAYCORE_ADDR", "127.0.0.1:8080")), "paycore base URL")
	sandbox := fs.String("sandbox-url", os.Getenv("PAYCORE_SANDBOX_URL"), "where the sandbox merchant is served (default: the paycore base URL)")
	gateway := fs.String("gateway", "bkash", "gateway: bkash, nagad, redirectgw or sslcommerz")
	wallet := fs.String("wallet", "01770618575", "customer wallet")
	amount := fs.String("amount", "250.00", "amount in BDT")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g, err := domain.ParseGateway(*gateway)
	if err != nil {
		return fmt.Errorf("--gateway must be bkash, nagad, redirectgw or sslcommerz: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	root := strings.TrimRight(*base, "/")
	sb := strings.TrimRight(*sandbox, "/")
	if sb == "" {
		sb = root
	}
	return runDemoVia(ctx, os.Stdout, root, sb, g, *wallet, *amount)
}

// getenv returns the variable k, or def when it is unset or empty.
func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// sslcommerzReturnForm is the auto-submitting form SSLCommerz's page gives
// the browser: where it posts back, and the signed fields.
type sslcommerzReturnForm struct {
	action string
	fields url.Values
}

var (
	sslFormRe  = regexp.MustCompile(`<form id="return" method="post" action="([^"]*)">`)
	sslInputRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// sslcommerzPage pays (test card 4111 1111 1111 1111) or cancels on the
// SSLCommerz simulator's page and returns the form it posts back.
func sslcommerzPage(ctx context.Context, w io.Writer, b browser, pageURL, action string) (sslcommerzReturnForm, error) {
	code, _, body, err := b.do(ctx, http.MethodPost, pageURL, url.Values{
		"method": {"card"}, "card_no": {"4111111111111111"}, "action": {action}})
	if err != nil || code != http.StatusOK {
		return sslcommerzReturnForm{}, fmt.Errorf("SSLCommerz page %s: %d %v %s", action, code, err, body)
	}
	m := sslFormRe.FindStringSubmatch(body)
	if m == nil {
		return sslcommerzReturnForm{}, fmt.Errorf("SSLCommerz page %s: no return form", action)
	}
	f := sslcommerzReturnForm{action: html.UnescapeString(m[1]), fields: url.Values{}}
	for _, in := range sslInputRe.FindAllStringSubmatch(body, -1) {
		f.fields.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	progress(w, "customer: SSLCommerz posts the browser back to %s (status %s)\n", f.action, f.fields.Get("status"))
	return f, nil
}
