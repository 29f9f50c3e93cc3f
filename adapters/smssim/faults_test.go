package smssim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/ports/portstest"
)

func TestFaultInternal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultInternal, Times: 1})
	if got := e.bulkSend(e.form()); got.ResponseCode != 1005 || got.ErrorMessage != "Internal Error" {
		t.Fatalf("%+v", got)
	}
	if n := len(e.sim.Messages()); n != 0 || e.sim.Balance() != smssim.DefaultBalance {
		t.Fatalf("internal fault sent the message: %d", n)
	}
	// Times 1: the fault is gone.
	if got := e.bulkSend(e.form()); got.ResponseCode != 202 {
		t.Fatalf("%+v", got)
	}
	if f := e.sim.Faults(); len(f) != 0 {
		t.Errorf("faults left: %v", f)
	}
	// After: the message goes out, the client sees 1005.
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultInternal, After: true})
	if got := e.bulkSend(e.form()); got.ResponseCode != 1005 {
		t.Fatalf("%+v", got)
	}
	if n := len(e.sim.Messages()); n != 2 {
		t.Errorf("after=true: %d messages; want 2", n)
	}
	// Balance endpoint.
	e.sim.SetFault(smssim.EndpointBalance, smssim.Fault{Mode: smssim.FaultInternal})
	var got bulkReply
	e.do(http.MethodGet, "/api/getBalanceApi?api_key="+e.creds.APIKey, "", "").json(t, &got)
	if got.ResponseCode != 1005 {
		t.Errorf("balance: %+v", got)
	}
	if s := e.sim.Stats(); s[smssim.EndpointSend] != 3 || s[smssim.EndpointBalance] != 1 || s[smssim.EndpointGreenWebSend] != 0 {
		t.Errorf("stats %v", s)
	}
}

func TestFaultDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDown})
	r := e.do(http.MethodPost, "/api/smsapi", "application/x-www-form-urlencoded", e.form().Encode())
	if r.status != 503 || !strings.HasPrefix(r.ctype, "text/html") || !strings.Contains(r.body, "503") {
		t.Fatalf("%d %s %s", r.status, r.ctype, r.body)
	}
	if len(e.sim.Messages()) != 0 {
		t.Error("down sent the message")
	}
}

func TestFaultNoAnswerDropAndDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	sendCtx := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/api/smsapi", strings.NewReader(e.form().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	send := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return sendCtx(ctx)
	}
	// no_answer holds the request until the client gives up.
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultNoAnswer})
	ctx, giveUp := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sendCtx(ctx) }()
	portstest.WaitFor(t, "the request to be held", func() bool { return e.sim.HeldRequests() == 1 })
	giveUp()
	if err := <-done; err == nil {
		t.Fatal("no_answer answered")
	}
	portstest.WaitFor(t, "the hold to end with the client", func() bool { return e.sim.HeldRequests() == 0 })
	// ClearFaults releases a held request.
	go func() { done <- send(10 * time.Second) }()
	portstest.WaitFor(t, "the request to be held", func() bool { return e.sim.HeldRequests() == 1 })
	e.sim.ClearFaults()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a released no_answer request got an answer")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ClearFaults did not release the request")
	}

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDrop, Times: 1})
	if err := send(5 * time.Second); err == nil {
		t.Fatal("drop answered")
	}

	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Delay: 80 * time.Millisecond})
	start := time.Now()
	if err := send(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("delay not applied: %v", d)
	}
	// A client that gives up during the delay sends nothing.
	before := len(e.sim.Messages())
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Delay: 2 * time.Second})
	if err := send(50 * time.Millisecond); err == nil {
		t.Fatal("answered before the delay")
	}
	e.srv.Close() // waits for the handler to finish, so a message it recorded would show
	if n := len(e.sim.Messages()); n != before {
		t.Errorf("%d messages after a give-up; want %d", n, before)
	}
}

func TestFaultRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.do(http.MethodPost, "/faults", "application/json", `{"endpoint":"send","mode":"internal","times":2}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := e.bulkSend(e.form()); got.ResponseCode != 1005 {
		t.Fatalf("%+v", got)
	}
	var list []map[string]any
	e.do(http.MethodGet, "/faults", "", "").json(t, &list)
	if len(list) != 1 || list[0]["endpoint"] != "send" || list[0]["mode"] != "internal" || list[0]["times"] != 1.0 {
		t.Errorf("GET /faults %v", list)
	}
	e.do(http.MethodPost, "/faults", "application/json", `{"endpoint":"greenweb_send","mode":"down","delay_ms":10}`)
	if r := e.do(http.MethodDelete, "/faults", "", ""); r.status != 200 || strings.TrimSpace(r.body) != "[]" || len(e.sim.Faults()) != 0 {
		t.Fatalf("DELETE /faults: %d %s", r.status, r.body)
	}
	for _, bad := range []string{`{"endpoint":"nope","mode":"down"}`, `{"endpoint":"send","mode":"explode"}`,
		`{"endpoint":"send","delay_ms":-1}`, `{"endpoint":"send","times":-1}`, `not json`} {
		if r := e.do(http.MethodPost, "/faults", "application/json", bad); r.status != 400 {
			t.Errorf("POST /faults %s: %d", bad, r.status)
		}
	}
	// Stats count the refused and faulted calls too; reset zeroes them.
	var stats map[string]int
	e.do(http.MethodGet, "/stats", "", "").json(t, &stats)
	if stats["send"] != 1 || len(stats) != 4 {
		t.Errorf("stats %v", stats)
	}
	e.do(http.MethodPost, "/stats/reset", "", "").json(t, &stats)
	if stats["send"] != 0 {
		t.Errorf("after reset %v", stats)
	}
	// A fault with neither delay nor mode removes the endpoint's fault.
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDown})
	e.sim.SetFault(smssim.EndpointSend, smssim.Fault{})
	if len(e.sim.Faults()) != 0 {
		t.Error("empty fault not removed")
	}
}
