package redirectgwsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/paycore/paycore/adapters/redirectgwsim"
)

// ExampleNew mounts the simulator as paycore's sandbox mode does and opens a
// checkout with the credentials it serves, as any merchant client would.
func ExampleNew() {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/redirectgw"
	sim := redirectgwsim.New(redirectgwsim.Config{PublicURL: public})
	mux.Handle("/sandbox/redirectgw/", http.StripPrefix("/sandbox/redirectgw", sim.Handler()))
	srv.Start()
	defer srv.Close()
	defer sim.Close()

	creds := sim.Credentials()
	body, _ := json.Marshal(map[string]any{
		"amount":          json.Number("150.50"),
		"client_base_url": creds.ClientBaseURL,
		"success_url":     "https://shop.example/success",
		"cancel_url":      "https://shop.example/cart",
		"meta_data":       `{"order_id":"42"}`,
	})
	req, _ := http.NewRequest(http.MethodPost, public+redirectgwsim.CheckoutPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+creds.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var out struct {
		Status     string `json:"status"`
		PaymentURL string `json:"payment_url"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	fmt.Println(out.Status, strings.HasPrefix(out.PaymentURL, public+"/checkout?trx_id="), sim.Stats()[redirectgwsim.EndpointCheckout])
	// Output: success true 1
}
