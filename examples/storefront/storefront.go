// Package storefront is an example shop that takes payments through
// paycore from a single-page app, the way a merchant would build it:
//
//   - the shop's own backend (this package's Go handler) knows the prices
//     and the paycore API secret; when the shopper checks out it creates
//     the payment with the HMAC-signed GraphQL mutation createPayment and
//     hands the browser only the payment's transactionId and clientToken
//     (a bearer token scoped to that one payment);
//   - the SPA (static/, plain JavaScript, no build step) calls
//     startPayment with that token and sends the shopper to the gateway;
//   - back from paycore (return_url, or cancel_url / failure_url), it
//     follows the payment with the paymentUpdated subscription over
//     graphql-transport-ws until it settles.
//
// paycore serves it at /sandbox/shop in sandbox mode, signed with the demo
// client's key. Copy it: nothing here imports paycore.
package storefront

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Config is where the shop's backend reaches paycore and as whom.
type Config struct {
	// PaycoreURL is paycore's base URL as the backend reaches it
	// (server to server), e.g. http://127.0.0.1:8080.
	PaycoreURL string
	// APIKey and APISecret sign the backend's GraphQL calls (X-API-*).
	APIKey, APISecret string
	// ShopURL is the shop's public URL as browsers see it (no trailing
	// slash), e.g. http://127.0.0.1:8080/sandbox/shop: return_url,
	// cancel_url and failure_url point back to it.
	ShopURL string
	// WebhookURL, if set, receives the payment's webhooks.
	WebhookURL string
	// Client makes the calls to paycore (nil: a 30 s timeout client).
	Client *http.Client
}

// Product is one thing the shop sells; prices are in paisa, and only the
// backend's prices count.
type Product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price int64  `json:"price"` // paisa
}

// Catalogue is what the example shop sells.
var Catalogue = []Product{
	{ID: "jamdani", Name: "Jamdani saree", Price: 12_500_00},
	{ID: "kantha", Name: "Nakshi kantha quilt", Price: 3_450_50},
	{ID: "tea", Name: "Sylhet tea, 500 g", Price: 380_00},
}

// New returns the shop: the SPA at / and its backend at /api/…, relative
// to wherever it is mounted (strip the mount's prefix first).
func New(cfg Config) http.Handler {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	s := &shop{cfg: cfg}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /api/products", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Catalogue)
	})
	mux.HandleFunc("POST /api/checkout", s.checkout)
	return mux
}

type shop struct{ cfg Config }

type checkoutRequest struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Phone     string `json:"phone"`
}

// checkoutReply is all the browser gets: no secret, only a token scoped
// to this one payment.
type checkoutReply struct {
	TransactionID string `json:"transactionId"`
	ClientToken   string `json:"clientToken"`
	PaymentURL    string `json:"paymentURL"`
	Amount        string `json:"amount"`
}

func (s *shop) checkout(w http.ResponseWriter, r *http.Request) {
	var in checkoutRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad request"})
		return
	}
	var product *Product
	for i := range Catalogue {
		if Catalogue[i].ID == in.ProductID {
			product = &Catalogue[i]
		}
	}
	if product == nil || in.Quantity < 1 || in.Quantity > 3 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "choose a product and 1-3 of it"})
		return
	}
	total := product.Price * int64(in.Quantity)
	amount := fmt.Sprintf("%d.%02d", total/100, total%100)
	input := map[string]any{
		"orderId":    "SHOP-" + randomHex(6),
		"amount":     amount,
		"currency":   "BDT",
		"returnURL":  s.cfg.ShopURL + "/?outcome=return",
		"cancelURL":  s.cfg.ShopURL + "/?outcome=cancelled",
		"failureURL": s.cfg.ShopURL + "/?outcome=failed",
		"metadata":   map[string]any{"product": product.ID, "quantity": in.Quantity},
	}
	if p := strings.TrimSpace(in.Phone); p != "" {
		input["customerPhone"] = p
	}
	if s.cfg.WebhookURL != "" {
		input["webhookURL"] = s.cfg.WebhookURL
	}
	var out struct {
		CreatePayment struct {
			PaymentURL  string `json:"paymentURL"`
			ClientToken string `json:"clientToken"`
			Payment     struct {
				TransactionID string `json:"transactionId"`
			} `json:"payment"`
		} `json:"createPayment"`
	}
	if err := s.graphql(r.Context(), createPayment, map[string]any{"input": input}, &out); err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	c := out.CreatePayment
	writeJSON(w, http.StatusOK, checkoutReply{TransactionID: c.Payment.TransactionID, ClientToken: c.ClientToken,
		PaymentURL: c.PaymentURL, Amount: amount})
}

const createPayment = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { paymentURL clientToken payment { transactionId } }
}`

// graphql posts query to paycore signed with the shop's API secret:
// X-API-SIGNATURE = hex HMAC-SHA256(secret, "POST\n/graphql\n<ts>\n<nonce>\n<body>").
func (s *shop) graphql(ctx context.Context, query string, vars map[string]any, into any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.PaycoreURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), randomHex(16)
	mac := hmac.New(sha256.New, []byte(s.cfg.APISecret))
	mac.Write([]byte("POST\n/graphql\n" + ts + "\n" + nonce + "\n"))
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-KEY", s.cfg.APIKey)
	req.Header.Set("X-API-TIMESTAMP", ts)
	req.Header.Set("X-API-NONCE", nonce)
	req.Header.Set("X-API-SIGNATURE", hex.EncodeToString(mac.Sum(nil)))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return fmt.Errorf("paycore: HTTP %d: %w", resp.StatusCode, err)
	}
	if len(res.Errors) > 0 {
		return errors.New("paycore: " + res.Errors[0].Message)
	}
	return json.Unmarshal(res.Data, into)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}
