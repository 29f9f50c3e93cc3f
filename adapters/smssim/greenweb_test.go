package smssim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/smssim"
)

type greenStatus struct {
	To, Message, Status, StatusMsg string
}

func (e *env) greenSend(query string, form url.Values) []greenStatus {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api.php"+query, "application/x-www-form-urlencoded", form.Encode())
	if r.status != 200 {
		e.t.Fatalf("%d %s", r.status, r.body)
	}
	var out []greenStatus
	r.json(e.t, &out)
	return out
}

func TestGreenWebSend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.Balance = 100; c.PricePerSegment = 40 })
	tok := e.creds.GreenWebToken
	got := e.greenSend("?json", url.Values{"token": {tok}, "to": {"01712345678"}, "message": {bangla}})
	if len(got) != 1 || got[0].Status != "SENT" || got[0].To != "01712345678" || got[0].Message != bangla {
		t.Fatalf("%+v", got)
	}
	m := e.messages("?provider=greenweb")
	if len(m) != 1 || m[0].Text != bangla || m[0].To != to1 || m[0].Encoding != "UCS-2" || m[0].Segments != 1 || m[0].MessageID != "" || m[0].CostPaisa != 40 {
		t.Fatalf("messages %+v", m)
	}
	// Per recipient: one good, one bad number, then the balance runs out.
	got = e.greenSend("?json", url.Values{"token": {tok}, "to": {to1 + ",12345," + to2}, "message": {"hi"}})
	if len(got) != 3 || got[0].Status != "SENT" || got[1].StatusMsg != "Invalid Number" || got[2].StatusMsg != "Insufficient Balance" || got[2].Status != "FAILED" {
		t.Fatalf("%+v", got)
	}
	got = e.greenSend("?json", url.Values{"token": {"bad"}, "to": {to1}, "message": {"hi"}})
	if got[0].Status != "FAILED" || got[0].StatusMsg != "Invalid Token" {
		t.Fatalf("%+v", got)
	}
	got = e.greenSend("?json", url.Values{"token": {tok}, "to": {to1}})
	if got[0].StatusMsg != "Message is empty" {
		t.Fatalf("%+v", got)
	}
	// Text answer without the json flag.
	e.sim.SetBalance(1000)
	r := e.do(http.MethodGet, "/api.php?"+url.Values{"token": {tok}, "to": {to1}, "message": {"hi"}}.Encode(), "", "")
	if r.status != 200 || !strings.HasPrefix(r.body, "Ok: SMS Sent Successfully To "+to1) {
		t.Fatalf("text: %q", r.body)
	}
	e.sim.SetFault(smssim.EndpointGreenWebSend, smssim.Fault{Mode: smssim.FaultInternal})
	got = e.greenSend("?json", url.Values{"token": {tok}, "to": {to1}, "message": {"hi"}})
	if got[0].Status != "FAILED" || !strings.Contains(got[0].StatusMsg, "try again") {
		t.Fatalf("internal: %+v", got)
	}
	if n := len(e.sim.Messages()); n != 3 {
		t.Errorf("%d messages; want 3", n)
	}
}

func TestGreenWebAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.Balance = 53210; c.PricePerSegment = 25 })
	tok := url.QueryEscape(e.creds.GreenWebToken)
	var got []map[string]string
	e.do(http.MethodGet, "/g_api.php?token="+tok+"&balance&json", "", "").json(t, &got)
	if len(got) != 1 || got[0]["response"] != "532.10" {
		t.Fatalf("%v", got)
	}
	e.do(http.MethodGet, "/g_api.php?token="+tok+"&rate&expiry&balance&json", "", "").json(t, &got)
	if len(got) != 3 || got[0]["response"] != "0.25" || got[1]["response"] != "2026-11-24" || got[2]["response"] != "532.10" {
		t.Fatalf("flags order: %v", got)
	}
	e.do(http.MethodGet, "/g_api.php?token=bad&balance&json", "", "").json(t, &got)
	if len(got) != 1 || got[0]["response"] != "Invalid Token" {
		t.Fatalf("bad token: %v", got)
	}
	r := e.do(http.MethodGet, "/g_api.php?token="+tok+"&balance", "", "")
	if strings.TrimSpace(r.body) != "532.10" {
		t.Fatalf("text: %q", r.body)
	}
}
