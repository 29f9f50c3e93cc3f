package nagad_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Example wires the client to paycore's simulator as sandbox mode does,
// opens a payment, pays it on the page like a customer, and confirms it.
func Example() {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/nagad"
	sim, err := nagadsim.New(nagadsim.Config{PublicURL: public})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/sandbox/nagad/", http.StripPrefix("/sandbox/nagad", sim.Handler()))
	srv.Start()
	defer srv.Close()

	creds := sim.Credentials()
	client, err := nagad.New(nagad.Config{
		BaseURL:            public + nagadsim.APIPrefix,
		MerchantID:         creds.MerchantID,
		MerchantNumber:     creds.MerchantNumber,
		MerchantPrivateKey: creds.MerchantPrivateKey,
		PGPublicKey:        creds.PGPublicKey,
		CallbackURL:        "https://paycore.example/callbacks/nagad",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	attempt, amount := domain.NewID(domain.PrefixAttempt), domain.MustMoney(150050, "BDT")
	res, err := client.Create(ctx, ports.CreateRequest{AttemptID: attempt, Amount: amount})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The customer pays; Nagad sends the browser back with a query.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(res.RedirectURL, url.Values{"wallet": {"01711111111"},
		"otp": {nagadsim.SandboxOTP}, "pin": {nagadsim.SandboxPIN}, "action": {"pay"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	q := back.Query()

	got, err := client.Confirm(ctx, ports.ConfirmRequest{AttemptID: attempt, GatewayRef: res.GatewayRef, Amount: amount,
		Callback: map[string]string{"payment_ref_id": q.Get("payment_ref_id"), "status": q.Get("status")}})
	fmt.Println(q.Get("status"), got.Outcome, got.TrxID == q.Get("issuer_payment_ref"), err)
	// Output: Success succeeded true <nil>
}
