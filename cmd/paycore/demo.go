package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/paycore/paycore/app"
)

// merchant is a merchant server's view of paycore: base URL, API key and
// secret; it signs every request (merchant API document §3).
type merchant struct {
	base, key, secret string
	http              *http.Client
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// signedRequest builds a request carrying X-API-KEY, X-API-SIGNATURE,
// X-API-TIMESTAMP and X-API-NONCE.
func (m merchant) signedRequest(ctx context.Context, method, target string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, m.base+target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	n := nonce()
	sig := app.Sign([]byte(m.secret), app.SignedRequest{Method: method, Path: target, Timestamp: ts, Nonce: n, Body: body})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-KEY", m.key)
	req.Header.Set("X-API-SIGNATURE", sig)
	req.Header.Set("X-API-TIMESTAMP", ts)
	req.Header.Set("X-API-NONCE", n)
	return req, nil
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// graphql posts a query; auth is either signed by the merchant (token "")
// or a bearer token.
func (m merchant) graphql(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var (
		req *http.Request
		err error
	)
	if token == "" {
		req, err = m.signedRequest(ctx, http.MethodPost, "/graphql", body)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, m.base+"/graphql", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
		}
	}
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("graphql: HTTP %d: %w", resp.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("graphql: %s (%v)", r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	return json.Unmarshal(r.Data, out)
}

const createPaymentMutation = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { paymentURL clientToken payment { transactionId status amount { amount currency } } }
}`

type createdPayment struct {
	CreatePayment struct {
		PaymentURL  string `json:"paymentURL"`
		ClientToken string `json:"clientToken"`
		Payment     struct {
			TransactionID string `json:"transactionId"`
			Status        string `json:"status"`
		} `json:"payment"`
	} `json:"createPayment"`
}

// subscribe opens a graphql-transport-ws subscription to paymentUpdated and
// sends each status seen on the returned channel (closed when the socket
// ends).
func subscribe(ctx context.Context, base, token, transactionID string) (<-chan string, error) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	fail := func(err error) (<-chan string, error) {
		c.Close(websocket.StatusNormalClosure, "")
		return nil, err
	}
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}}); err != nil {
		return fail(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack.Type != "connection_ack" {
		return fail(fmt.Errorf("websocket: no connection_ack (%v %q)", err, ack.Type))
	}
	if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($id: ID!) { paymentUpdated(transactionId: $id) { status trxId } }`,
		"variables": map[string]string{"id": transactionID},
	}}); err != nil {
		return fail(err)
	}
	out := make(chan string, 16)
	go func() {
		defer close(out)
		defer c.Close(websocket.StatusNormalClosure, "")
		for {
			var msg struct {
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload"`
			}
			if err := wsjson.Read(ctx, c, &msg); err != nil {
				return
			}
			switch msg.Type {
			case "ping":
				_ = wsjson.Write(ctx, c, map[string]string{"type": "pong"})
			case "next":
				var p struct {
					Data struct {
						PaymentUpdated struct{ Status string } `json:"paymentUpdated"`
					} `json:"data"`
				}
				if json.Unmarshal(msg.Payload, &p) == nil && p.Data.PaymentUpdated.Status != "" {
					out <- strings.ToLower(p.Data.PaymentUpdated.Status)
				}
			case "complete", "error":
				return
			}
		}
	}()
	return out, nil
}

// browser is a customer's browser: it follows no redirect by itself, so the
// demo can show each hop.
type browser struct{ http *http.Client }

func newBrowser() browser {
	return browser{http: &http.Client{Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns status, Location and body.
func (b browser) do(ctx context.Context, method, target string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b2, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	loc := resp.Header.Get("Location")
	if loc != "" {
		if u, err := resp.Request.URL.Parse(loc); err == nil {
			loc = u.String()
		}
	}
	return resp.StatusCode, loc, string(b2), nil
}

// payResult is what a customer's journey ended with.
type payResult struct {
	TransactionID string
	Statuses      []string // as the subscription saw them
	ResultPage    string   // headline of paycore's result page
}

var headline = regexp.MustCompile(`<h1 id="headline"[^>]*>([^<]*)</h1>`)

// payOnce creates a payment as the merchant, subscribes as the SPA would,
// and pays it as the customer with wallet (action "pay" or "cancel"),
// logging each step to w.
func payOnce(ctx context.Context, w io.Writer, m merchant, wallet, action, amount string) (payResult, error) {
	var res payResult
	var created createdPayment
	order := "DEMO-" + nonce()[:12]
	err := m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": order, "amount": amount, "currency": "BDT",
		"customerName": "Demo Customer", "customerPhone": wallet,
		"returnURL": "https://shop.example.com/thanks",
	}}, &created)
	if err != nil {
		return res, fmt.Errorf("create payment: %w", err)
	}
	cp := created.CreatePayment
	res.TransactionID = cp.Payment.TransactionID
	fmt.Fprintf(w, "merchant: created %s for order %s, %s BDT, pay at %s\n", res.TransactionID, order, amount, cp.PaymentURL)

	subCtx, cancelSub := context.WithCancel(ctx)
	defer cancelSub()
	statuses, err := subscribe(subCtx, m.base, cp.ClientToken, res.TransactionID)
	if err != nil {
		return res, err
	}
	first := <-statuses
	res.Statuses = append(res.Statuses, first)
	fmt.Fprintf(w, "subscription: %s\n", first)

	b := newBrowser()
	code, _, _, err := b.do(ctx, http.MethodGet, cp.PaymentURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("hosted page: %d %v", code, err)
	}
	code, walletURL, body, err := b.do(ctx, http.MethodPost, m.base+"/pay/"+res.TransactionID+"/bkash", url.Values{})
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("start bKash: %d %v %s", code, err, body)
	}
	fmt.Fprintf(w, "customer: sent to bKash %s\n", walletURL)
	code, _, _, err = b.do(ctx, http.MethodGet, walletURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("wallet page: %d %v", code, err)
	}
	code, callback, body, err := b.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {wallet}, "otp": {"123456"}, "pin": {"12121"}, "action": {action}})
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("wallet %s: %d %v %s", action, code, err, body)
	}
	fmt.Fprintf(w, "customer: bKash returns to %s\n", callback)
	code, resultURL, body, err := b.do(ctx, http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		return res, fmt.Errorf("callback: %d %v %s", code, err, body)
	}
	code, _, body, err = b.do(ctx, http.MethodGet, resultURL, nil)
	if err != nil || code != http.StatusOK {
		return res, fmt.Errorf("result page: %d %v", code, err)
	}
	if mm := headline.FindStringSubmatch(body); mm != nil {
		res.ResultPage = mm[1]
	}
	fmt.Fprintf(w, "customer: result page says %q\n", res.ResultPage)

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
			res.Statuses = append(res.Statuses, s)
			fmt.Fprintf(w, "subscription: %s\n", s)
		case <-time.After(time.Second):
			return res, nil
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
}

func cmdDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	base := fs.String("url", getenv("PAYCORE_BASE_URL", "http://"+getenv("PAYCORE_ADDR", "127.0.0.1:8080")), "paycore base URL")
	gateway := fs.String("gateway", "bkash", "gateway: bkash")
	wallet := fs.String("wallet", "01770618575", "customer wallet")
	amount := fs.String("amount", "250.00", "amount in BDT")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *gateway != "bkash" {
		return fmt.Errorf("gateway %q is not available yet", *gateway)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	m := merchant{base: strings.TrimRight(*base, "/"), key: demoAPIKey, secret: demoAPISecret, http: &http.Client{Timeout: 60 * time.Second}}
	res, err := payOnce(ctx, os.Stdout, m, *wallet, "pay", *amount)
	if err != nil {
		return err
	}
	final := res.Statuses[len(res.Statuses)-1]
	fmt.Printf("statuses seen: %s\n", strings.Join(res.Statuses, " → "))
	if final != "success" {
		return errors.New("payment did not reach success: " + final)
	}
	fmt.Println("success")
	return nil
}
