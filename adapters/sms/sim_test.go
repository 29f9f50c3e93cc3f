package sms_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/ports"
)

// simEnv is the simulator mounted under /sandbox/sms, as in sandbox mode, and
// providers configured from its GET /credentials.
type simEnv struct {
	sim   *smssim.Simulator
	base  string
	bulk  *sms.BulkSMSBD
	green *sms.GreenWeb
}

func newSimEnv(t *testing.T, cfg smssim.Config) *simEnv {
	t.Helper()
	sim := smssim.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/sms/", http.StripPrefix("/sandbox/sms", sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	base := srv.URL + "/sandbox/sms"

	resp, err := http.Get(base + "/credentials")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var creds struct {
		APIKey        string `json:"api_key"`
		SenderID      string `json:"senderid"`
		GreenWebToken string `json:"greenweb_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&creds); err != nil {
		t.Fatal(err)
	}
	bulk, err := sms.New("bulksmsbd", sms.Config{BaseURL: base, APIKey: creds.APIKey, SenderID: creds.SenderID, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	green, err := sms.NewGreenWeb(sms.Config{BaseURL: base, APIKey: creds.GreenWebToken, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, base: base, bulk: bulk.(*sms.BulkSMSBD), green: green}
}

func TestBulkSMSBDAgainstSimulator(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, smssim.Config{Balance: 10000, PricePerSegment: 35})
	long := strings.Repeat("পেমেন্ট ", 10) // 80 UTF-16 units: 2 segments
	for _, body := range []string{bangla, long, "Payment of 250.00 BDT received."} {
		ref, err := e.bulk.Send(ctx, ports.SMS{ID: "ntf_1", To: "01712345678", Body: body})
		if err != nil || ref == "" {
			t.Fatalf("Send(%q) = %q, %v", body, ref, err)
		}
	}
	msgs := e.sim.Messages()
	want := []struct {
		text, typ, enc string
		segs           int
	}{{bangla, "unicode", "UCS-2", 1}, {long, "unicode", "UCS-2", 2}, {"Payment of 250.00 BDT received.", "text", "GSM-7", 1}}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, w := range want {
		m := msgs[i]
		if m.Text != w.text || m.Type != w.typ || m.Encoding != w.enc || m.Segments != w.segs || m.To != testTo || m.TypeMismatch {
			t.Errorf("message %d = %+v; want %+v", i, m, w)
		}
	}
	// GET /sandbox/sms/messages shows the Bangla text intact.
	resp, err := http.Get(e.base + "/messages?to=" + testTo)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var listed []smssim.Message
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || len(listed) != 3 || listed[0].Text != bangla {
		t.Fatalf("GET /messages: %v %+v", err, listed)
	}

	// 4 segments at 35 paisa each: Tk 100.00 − 1.40.
	bal, err := e.bulk.Balance(ctx)
	if err != nil || bal != "98.60" {
		t.Fatalf("Balance = %q, %v; want 98.60", bal, err)
	}
}

func TestBulkSMSBDSimulatorFailures(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, smssim.Config{})
	msg := ports.SMS{ID: "ntf_1", To: testTo, Body: bangla}

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultInternal, Times: 1})
	_, err := e.bulk.Send(ctx, msg)
	smsError(t, err, "1005", true)

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDown, Times: 1})
	_, err = e.bulk.Send(ctx, msg)
	smsError(t, err, "http_503", true)

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDrop, Times: 1})
	_, err = e.bulk.Send(ctx, msg)
	smsError(t, err, sms.CodeTransport, true)

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultNoAnswer, Times: 1})
	short, _ := sms.NewBulkSMSBD(sms.Config{BaseURL: e.base, APIKey: e.sim.Credentials().APIKey,
		SenderID: e.sim.Credentials().SenderID, Timeout: 100 * time.Millisecond})
	_, err = short.Send(ctx, msg)
	smsError(t, err, sms.CodeTransport, true)

	if n := len(e.sim.Messages()); n != 0 {
		t.Fatalf("%d messages sent through faults", n)
	}

	e.sim.SetBalance(0)
	_, err = e.bulk.Send(ctx, msg)
	smsError(t, err, "1007", false)
	bal, err := e.bulk.Balance(ctx)
	if err != nil || bal != "0.00" {
		t.Errorf("Balance = %q, %v", bal, err)
	}

	wrongKey, _ := sms.NewBulkSMSBD(sms.Config{BaseURL: e.base, APIKey: "not-the-key", SenderID: e.sim.Credentials().SenderID})
	_, err = wrongKey.Send(ctx, msg)
	smsError(t, err, "1011", false)
	_, err = wrongKey.Balance(ctx)
	smsError(t, err, "1011", false)

	wrongSender, _ := sms.NewBulkSMSBD(sms.Config{BaseURL: e.base, APIKey: e.sim.Credentials().APIKey, SenderID: "8809600000000"})
	_, err = wrongSender.Send(ctx, msg)
	smsError(t, err, "1002", false)

	if s := e.sim.Stats(); s[smssim.EndpointSend] != 7 || s[smssim.EndpointBalance] != 2 {
		t.Errorf("stats %v", s)
	}
}

func TestGreenWebAgainstSimulator(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, smssim.Config{Balance: 5000, PricePerSegment: 25})
	ref, err := e.green.Send(ctx, ports.SMS{ID: "ntf_1", To: testTo, Body: bangla})
	if err != nil || ref != "" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	if m := e.sim.MessagesTo(testTo); len(m) != 1 || m[0].Text != bangla || m[0].Provider != "greenweb" || m[0].Segments != 1 {
		t.Fatalf("messages %+v", m)
	}
	bal, err := e.green.Balance(ctx)
	if err != nil || bal != "49.75" {
		t.Fatalf("Balance = %q, %v", bal, err)
	}
	e.sim.SetFault(smssim.EndpointGreenWebSend, smssim.Fault{Mode: smssim.FaultInternal, Times: 1})
	_, err = e.green.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	smsError(t, err, "FAILED", true)
	e.sim.SetBalance(0)
	_, err = e.green.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	smsError(t, err, "FAILED", false)
	bad, _ := sms.NewGreenWeb(sms.Config{BaseURL: e.base, APIKey: "wrong-token"})
	_, err = bad.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	smsError(t, err, "FAILED", false)
	_, err = bad.Balance(ctx)
	smsError(t, err, "FAILED", false)
}
