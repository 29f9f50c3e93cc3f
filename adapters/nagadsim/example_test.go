package nagadsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/paycore/paycore/adapters/nagadsim"
)

// ExampleNew mounts the simulator as paycore's sandbox mode does and reads
// the credentials a merchant client needs, as any Nagad client would.
func ExampleNew() {
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

	resp, err := http.Get(public + "/credentials")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var creds nagadsim.Credentials
	_ = json.NewDecoder(resp.Body).Decode(&creds)
	fmt.Println(creds.MerchantID, creds.MerchantNumber, len(creds.PGPublicKey) > 0, len(creds.MerchantPrivateKey) > 0)
	fmt.Println("base URL:", "…/sandbox/nagad"+nagadsim.APIPrefix)
	// Output:
	// 681234567890123 01700000000 true true
	// base URL: …/sandbox/nagad/api/dfs
}
