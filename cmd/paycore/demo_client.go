package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/paycore/paycore/app"
)

// The demo's clients: a merchant server signing REST and GraphQL calls, a
// dashboard subscribing to a payment, and a customer's browser.

// merchant is a merchant server's view of paycore: base URL, API key and
// secret; it signs every request (docs/merchant-api.md §2.2).
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
		_ = c.Close(websocket.StatusNormalClosure, "") // err is what went wrong
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
		defer func() { _ = c.Close(websocket.StatusNormalClosure, "") }() // the demo is over either way
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
