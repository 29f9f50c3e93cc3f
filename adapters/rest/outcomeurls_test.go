package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// GET /transaction/{id} and GET /transactions show the cancel_url and
// failure_url the merchant gave; a payment without them has neither key.
func TestTransactionOutcomeURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := strings.Replace(payBody("ORD-URLS", "100"), `"return_url"`,
		`"cancel_url":"https://shop.example/cart","failure_url":"https://shop.example/failed","return_url"`, 1)
	created := wantOK(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), http.StatusCreated)
	plain := e.createPayment(t, asA, "ORD-PLAIN", "100")
	id := unmarshal[payment](t, created.Data).TransactionID

	type urls struct {
		TransactionID string  `json:"transaction_id"`
		CancelURL     *string `json:"cancel_url"`
		FailureURL    *string `json:"failure_url"`
	}
	for _, where := range []string{"create", "get", "list"} {
		var got []urls
		switch where {
		case "create":
			got = []urls{unmarshal[urls](t, created.Data)}
		case "get":
			got = []urls{unmarshal[urls](t, wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transaction/"+id, ""), http.StatusOK).Data)}
		case "list":
			got = unmarshal[[]urls](t, wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions", ""), http.StatusOK).Data)
		}
		for _, g := range got {
			switch g.TransactionID {
			case id:
				if g.CancelURL == nil || *g.CancelURL != "https://shop.example/cart" ||
					g.FailureURL == nil || *g.FailureURL != "https://shop.example/failed" {
					t.Errorf("%s: cancel_url %v failure_url %v", where, g.CancelURL, g.FailureURL)
				}
			case plain.TransactionID:
				if g.CancelURL != nil || g.FailureURL != nil {
					t.Errorf("%s: a payment without them shows cancel_url %v failure_url %v", where, g.CancelURL, g.FailureURL)
				}
			}
		}
	}
	raw := e.call(asA, http.MethodGet, "/api/v1/transaction/"+plain.TransactionID, "").Body.String()
	if strings.Contains(raw, "cancel_url") || strings.Contains(raw, "failure_url") {
		t.Errorf("a payment without them: %s", raw)
	}
}
