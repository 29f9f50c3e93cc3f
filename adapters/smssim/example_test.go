package smssim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/paycore/paycore/adapters/smssim"
)

// ExampleNew mounts the simulator as paycore's sandbox mode does, sends a
// Bangla SMS the way a BulkSMSBD client does and lists what arrived.
func ExampleNew() {
	sim := smssim.New(smssim.Config{})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/sms/", http.StripPrefix("/sandbox/sms", sim.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer sim.Close()
	base := srv.URL + "/sandbox/sms"

	creds := sim.Credentials()
	resp, err := http.PostForm(base+"/api/smsapi", url.Values{
		"api_key": {creds.APIKey}, "type": {"unicode"}, "number": {"8801712345678"},
		"senderid": {creds.SenderID}, "message": {"পেমেন্ট গৃহীত হয়েছে"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var sent struct {
		ResponseCode int `json:"response_code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&sent)
	resp.Body.Close()

	resp, err = http.Get(base + "/messages")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var msgs []smssim.Message
	_ = json.NewDecoder(resp.Body).Decode(&msgs)
	m := msgs[0]
	fmt.Println(sent.ResponseCode, m.To, m.Text, m.Type, m.Encoding, m.Segments, sim.Balance())
	// Output: 202 8801712345678 পেমেন্ট গৃহীত হয়েছে unicode UCS-2 1 99965
}
