package redirectgw_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Example runs one payment against the simulator: checkout, the customer
// pays on the page, the browser comes back to paycore's success route, and
// Confirm verifies the return and asks the gateway before calling it paid.
func Example() {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/redirectgw"
	sim := redirectgwsim.New(redirectgwsim.Config{PublicURL: public})
	mux.Handle("/sandbox/redirectgw/", http.StripPrefix("/sandbox/redirectgw", sim.Handler()))
	srv.Start()
	defer srv.Close()
	defer sim.Close()

	creds := sim.Credentials()
	client, err := redirectgw.New(redirectgw.Config{
		BaseURL:         public,
		APIKey:          creds.APIKey,
		ClientBaseURL:   creds.ClientBaseURL,
		CallbackBaseURL: "https://paycore.example",
		ReturnKey:       []byte("an example key of at least 32 bytes!"),
		VerifyURL:       public + redirectgwsim.VerifyPath,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	amount := domain.MustMoney(15050, "BDT")
	created, err := client.Create(ctx, ports.CreateRequest{AttemptID: "att_example", Amount: amount})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The customer pays; the gateway answers 303 to paycore's success route.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(created.RedirectURL, url.Values{
		"wallet": {"01712345678"}, "otp": {redirectgwsim.SandboxOTP}, "pin": {redirectgwsim.SandboxPIN}, "action": {"pay"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	fmt.Println(resp.StatusCode, back.Path)

	// paycore's handler hands the return's query to Confirm.
	cb := map[string]string{}
	for k, v := range back.Query() {
		cb[k] = v[0]
	}
	res, err := client.Confirm(ctx, ports.ConfirmRequest{
		AttemptID: "att_example", GatewayRef: created.GatewayRef, Amount: amount, Callback: cb,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Outcome, res.TrxID == cb["transaction_id"])
	// Output:
	// 303 /callbacks/redirectgw/success
	// succeeded true
}
