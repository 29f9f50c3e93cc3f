package sandboxui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/adapters/sandboxui"
	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/webhook"
)

func TestIndexShowsSMSWebhooksAndFaults(t *testing.T) {
	sms := smssim.New(smssim.Config{})
	bk := bkashsim.New(bkashsim.Config{PublicURL: "http://x/sandbox/bkash"})
	defer bk.Close()
	defer sms.Close()
	merchant := merchantsim.New([]byte("whsec"), nil)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/sms/", http.StripPrefix("/sandbox/sms", sms.Handler()))
	mux.Handle("/sandbox/bkash/", http.StripPrefix("/sandbox/bkash", bk.Handler()))
	mux.Handle("/sandbox/merchant/", http.StripPrefix("/sandbox/merchant", merchant.Handler()))
	sims := httptest.NewServer(mux)
	defer sims.Close()

	// One Bangla SMS through BulkSMSBD's API, one signed webhook.
	creds := sms.Credentials()
	text := "আপনার ৳১,৫০০.০০ পেমেন্ট সফল হয়েছে। ধন্যবাদ!"
	resp, err := http.PostForm(sims.URL+"/sandbox/sms/api/smsapi", url.Values{"api_key": {creds.APIKey},
		"senderid": {creds.SenderID}, "number": {"8801712345678"}, "message": {text}, "type": {"unicode"}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	body := `{"event":"payment.success","transaction_id":"txn_1"}`
	req, _ := http.NewRequest(http.MethodPost, sims.URL+"/sandbox/merchant/webhook", strings.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte("whsec"), []byte(body), time.Now()))
	req.Header.Set(webhook.EventHeader, "payment.success")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ui := sandboxui.New(sandboxui.Config{Root: sims.URL, SMSPrefix: "/sandbox/sms", MerchantPrefix: "/sandbox/merchant",
		Simulators: []sandboxui.Simulator{{Name: "bkash", Title: "bKash", Prefix: "/sandbox/bkash"}},
		Demo:       sandboxui.Demo{ClientID: "cli_demo", APIKey: "demo_key", APISecret: "demo_secret"},
		Links:      []sandboxui.Link{{Title: "Storefront", Href: "/sandbox/shop"}}})
	page := func(target string) string {
		w := httptest.NewRecorder()
		ui.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
		}
		return w.Body.String()
	}
	got := page("/sandbox")
	for _, want := range []string{text, `lang="bn"`, "+8801712345678", "1 segment", "UCS-2", "payment.success",
		"signature verified", "demo_secret", `href="/sandbox/shop"`, `id="sim-bkash"`, "<option>execute</option>"} {
		if !strings.Contains(got, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if got := page("/sandbox?phone=01999999999"); strings.Contains(got, text) {
		t.Error("phone filter shows another number's SMS")
	}
	if got := page("/sandbox?phone=01712345678"); !strings.Contains(got, text) {
		t.Error("phone filter hides the number's SMS")
	}

	// The fault switch reaches the simulator.
	post := func(form string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/sandbox/faults", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		ui.ServeHTTP(w, r)
		return w
	}
	w := post("sim=bkash&endpoint=execute&mode=503&times=2&action=set")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("set fault: %d %s", w.Code, w.Body)
	}
	if f, ok := bk.Faults()[bkashsim.EndpointExecute]; !ok || f.Mode != "503" || f.Times != 2 {
		t.Fatalf("faults %+v", bk.Faults())
	}
	if got := page("/sandbox"); !strings.Contains(got, "execute: 503") {
		t.Error("index does not show the active fault")
	}
	post("sim=bkash&action=clear")
	if len(bk.Faults()) != 0 {
		t.Fatalf("faults not cleared: %+v", bk.Faults())
	}
}
