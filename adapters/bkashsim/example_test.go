package bkashsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/paycore/paycore/adapters/bkashsim"
)

// ExampleNew mounts the simulator as paycore's sandbox mode does and grants a
// token with the credentials it serves, as any bKash client would.
func ExampleNew() {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/bkash"
	sim := bkashsim.New(bkashsim.Config{PublicURL: public})
	mux.Handle("/sandbox/bkash/", http.StripPrefix("/sandbox/bkash", sim.Handler()))
	srv.Start()
	defer srv.Close()

	creds := bkashsim.DefaultCredentials()
	body, _ := json.Marshal(map[string]string{"app_key": creds.AppKey, "app_secret": creds.AppSecret})
	req, _ := http.NewRequest(http.MethodPost, public+bkashsim.APIPrefix+"/token/grant", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("username", creds.Username)
	req.Header.Set("password", creds.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var grant struct {
		StatusCode string `json:"statusCode"`
		TokenType  string `json:"token_type"`
		ExpiresIn  int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&grant)
	fmt.Println(grant.StatusCode, grant.TokenType, grant.ExpiresIn, sim.Stats()[bkashsim.EndpointGrant])
	// Output: 0000 Bearer 3600 1
}
