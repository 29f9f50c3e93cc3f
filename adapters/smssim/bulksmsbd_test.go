package smssim_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/smssim"
)

func TestBulkSendBanglaRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	got := e.bulkSend(e.form("type", "unicode", "message", bangla))
	if got.ResponseCode != 202 || got.MessageID.String() != strconv.FormatInt(smssim.FirstMessageID, 10) ||
		got.SuccessMessage != "SMS Submitted Successfully" || got.ErrorMessage != "" {
		t.Fatalf("answer %+v", got)
	}
	msgs := e.messages("")
	want := smssim.Message{
		Provider: "bulksmsbd", MessageID: got.MessageID.String(), To: to1, Text: bangla,
		SenderID: e.creds.SenderID, Type: "unicode", Encoding: "UCS-2", Segments: 1,
		CostPaisa: smssim.DefaultPricePerSegment, Time: t0,
	}
	if len(msgs) != 1 || !msgs[0].Time.Equal(want.Time) {
		t.Fatalf("messages %+v", msgs)
	}
	msgs[0].Time = want.Time
	if msgs[0] != want {
		t.Errorf("message\n got %+v\nwant %+v", msgs[0], want)
	}
	if sm := e.sim.Messages(); len(sm) != 1 || sm[0].Text != bangla {
		t.Errorf("Messages() = %+v", sm)
	}
	if b := e.sim.Balance(); b != smssim.DefaultBalance-smssim.DefaultPricePerSegment {
		t.Errorf("balance %d", b)
	}
}

func TestBulkSendEncodings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.PricePerSegment = 50; c.Balance = 10000 })
	long := strings.Repeat("a", 161)
	longBangla := strings.Repeat("অ", 71)
	e.bulkSend(e.form("message", long))
	e.bulkSend(e.form("type", "unicode", "message", longBangla))
	e.bulkSend(e.form("message", bangla)) // type=text for Bangla: accepted but flagged
	msgs := e.messages("")
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	checks := []struct {
		enc      string
		segs     int
		mismatch bool
	}{{"GSM-7", 2, false}, {"UCS-2", 2, false}, {"UCS-2", 1, true}}
	for i, c := range checks {
		m := msgs[i]
		if m.Encoding != c.enc || m.Segments != c.segs || m.TypeMismatch != c.mismatch || m.CostPaisa != int64(c.segs)*50 {
			t.Errorf("message %d: %+v; want %+v", i, m, c)
		}
	}
	if b := e.sim.Balance(); b != 10000-250 {
		t.Errorf("balance %d; want 9750", b)
	}
	// Message IDs increase per request.
	if msgs[0].MessageID == msgs[1].MessageID {
		t.Error("message IDs repeat")
	}
}

func TestBulkSendTransports(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	// GET with the query, Bangla URL-encoded.
	r := e.do(http.MethodGet, "/api/smsapi?"+e.form("message", bangla, "type", "unicode").Encode(), "", "")
	if r.status != 200 || !strings.Contains(r.body, `"response_code":202`) || r.ctype != "application/json" {
		t.Fatalf("GET: %d %s %s", r.status, r.ctype, r.body)
	}
	// Multipart, as PHP's curl with an array body sends.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range e.form("message", "multipart "+bangla, "type", "unicode") {
		_ = mw.WriteField(k, v[0])
	}
	_ = mw.Close()
	r = e.do(http.MethodPost, "/api/smsapi", mw.FormDataContentType(), buf.String())
	if !strings.Contains(r.body, `"response_code":202`) {
		t.Fatalf("multipart: %s", r.body)
	}
	// JSON body, with the number as a JSON number.
	body, _ := json.Marshal(map[string]any{
		"api_key": e.creds.APIKey, "type": "text", "number": 8801712345678,
		"senderid": e.creds.SenderID, "message": "json body",
	})
	r = e.do(http.MethodPost, "/api/smsapi", "application/json", string(body))
	if !strings.Contains(r.body, `"response_code":202`) {
		t.Fatalf("json: %s", r.body)
	}
	msgs := e.messages("")
	if len(msgs) != 3 || msgs[0].Text != bangla || msgs[1].Text != "multipart "+bangla || msgs[2].Text != "json body" || msgs[2].To != to1 {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestBulkSendSeveralNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	got := e.bulkSend(e.form("number", "01712345678, +8801812345678"))
	if got.ResponseCode != 202 {
		t.Fatalf("%+v", got)
	}
	msgs := e.messages("")
	if len(msgs) != 2 || msgs[0].To != to1 || msgs[1].To != to2 || msgs[0].MessageID != msgs[1].MessageID {
		t.Fatalf("messages %+v", msgs)
	}
	if b := e.sim.Balance(); b != smssim.DefaultBalance-2*smssim.DefaultPricePerSegment {
		t.Errorf("balance %d", b)
	}
	if m := e.messages("?to=01812345678"); len(m) != 1 || m[0].To != to2 {
		t.Errorf("?to= filter: %+v", m)
	}
	if m := e.sim.MessagesTo("+8801712345678"); len(m) != 1 || m[0].To != to1 {
		t.Errorf("MessagesTo: %+v", m)
	}
}

func TestBulkSendRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name string
		kv   []string
		code int
		msg  string
	}{
		{"no api_key", []string{"api_key", "<del>"}, 1003, ""},
		{"bad api_key", []string{"api_key", "wrong"}, 1011, "User Id not found"},
		{"bad api_key before missing field", []string{"api_key", "wrong", "message", "<del>"}, 1011, ""},
		{"no number", []string{"number", "<del>"}, 1003, ""},
		{"no senderid", []string{"senderid", "<del>"}, 1003, ""},
		{"no message", []string{"message", "<del>"}, 1003, ""},
		{"bad type", []string{"type", "flash"}, 1003, ""},
		{"wrong senderid", []string{"senderid", "8809600000000"}, 1002, ""},
		{"invalid number", []string{"number", "12345"}, 1001, "Invalid Number"},
		{"one invalid of two", []string{"number", to1 + ",8801212345678"}, 1001, ""},
		{"landline", []string{"number", "88029999999"}, 1001, ""},
	}
	for _, tt := range tests {
		got := e.bulkSend(e.form(tt.kv...))
		if got.ResponseCode != tt.code || got.ErrorMessage == "" || (tt.msg != "" && got.ErrorMessage != tt.msg) || got.MessageID != "" {
			t.Errorf("%s: %+v; want code %d", tt.name, got, tt.code)
		}
	}
	if n := len(e.sim.Messages()); n != 0 {
		t.Errorf("%d messages recorded", n)
	}
	if b := e.sim.Balance(); b != smssim.DefaultBalance {
		t.Errorf("balance %d", b)
	}
}

func TestBulkInsufficientBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.Balance = 69; c.PricePerSegment = 35 })
	if got := e.bulkSend(e.form()); got.ResponseCode != 202 {
		t.Fatalf("%+v", got)
	}
	// 34 paisa left: a one-segment message costs 35.
	if got := e.bulkSend(e.form()); got.ResponseCode != 1007 || got.ErrorMessage != "Balance Insufficient" {
		t.Fatalf("%+v", got)
	}
	e.sim.SetBalance(0)
	if got := e.bulkSend(e.form()); got.ResponseCode != 1007 {
		t.Fatalf("%+v", got)
	}
	if n := len(e.sim.Messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
	// A negative Config.Balance starts empty.
	e2 := newEnv(t, func(c *smssim.Config) { c.Balance = -1 })
	if got := e2.bulkSend(e2.form()); got.ResponseCode != 1007 {
		t.Fatalf("empty account: %+v", got)
	}
}

func TestBulkBalanceEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.Balance = 123450 })
	r := e.do(http.MethodGet, "/api/getBalanceApi?api_key="+url.QueryEscape(e.creds.APIKey), "", "")
	if r.status != 200 || !strings.Contains(r.body, `"response_code":202`) || !strings.Contains(r.body, `"balance":1234.50`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	e.bulkSend(e.form())
	r = e.do(http.MethodPost, "/api/getBalanceApi", "application/x-www-form-urlencoded", "api_key="+url.QueryEscape(e.creds.APIKey))
	if !strings.Contains(r.body, `"balance":1234.15`) {
		t.Fatalf("after a send: %s", r.body)
	}
	for q, code := range map[string]int{"": 1003, "?api_key=nope": 1011} {
		var got bulkReply
		e.do(http.MethodGet, "/api/getBalanceApi"+q, "", "").json(t, &got)
		if got.ResponseCode != code || got.Balance != nil {
			t.Errorf("%q: %+v", q, got)
		}
	}
}

func TestMessagesRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for i, n := range []string{to1, to2, to1} {
		e.clock.Set(t0.Add(time.Duration(i) * time.Second))
		e.bulkSend(e.form("number", n, "message", "m"+strconv.Itoa(i)))
	}
	all := e.messages("")
	if len(all) != 3 || all[0].Text != "m0" || all[2].Text != "m2" || !all[2].Time.After(all[0].Time) {
		t.Fatalf("not newest last: %+v", all)
	}
	if m := e.messages("?to=" + to1); len(m) != 2 || m[0].Text != "m0" || m[1].Text != "m2" {
		t.Errorf("?to=: %+v", m)
	}
	if m := e.messages("?provider=greenweb"); len(m) != 0 {
		t.Errorf("?provider=: %+v", m)
	}
	if r := e.do(http.MethodDelete, "/messages", "", ""); r.status != 200 || strings.TrimSpace(r.body) != "[]" {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodGet, "/messages", "", ""); strings.TrimSpace(r.body) != "[]" {
		t.Errorf("after DELETE: %s", r.body)
	}
}

func TestCredentialsAccountAndNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smssim.Config) { c.APIKey = "k1"; c.SenderID = "PayCore" })
	var creds map[string]string
	e.do(http.MethodGet, "/credentials", "", "").json(t, &creds)
	if creds["api_key"] != "k1" || creds["senderid"] != "PayCore" || creds["greenweb_token"] != smssim.DefaultGreenWebToken {
		t.Errorf("credentials %v", creds)
	}
	var acct map[string]any
	e.do(http.MethodGet, "/account", "", "").json(t, &acct)
	if acct["balance"] != "1000.00" || acct["price_per_segment"] != "0.35" {
		t.Errorf("account %v", acct)
	}
	r := e.do(http.MethodPost, "/account", "application/json", `{"balance":"0.70"}`)
	if r.status != 200 || e.sim.Balance() != 70 {
		t.Fatalf("POST /account: %d %s balance %d", r.status, r.body, e.sim.Balance())
	}
	if r := e.do(http.MethodPost, "/account", "application/json", `{"balance":"0"}`); r.status != 200 || e.sim.Balance() != 0 {
		t.Fatalf("POST /account 0: %d %s", r.status, r.body)
	}
	for _, bad := range []string{`{}`, `{"balance":"-1"}`, `{"balance":"1.001"}`, `nope`} {
		if r := e.do(http.MethodPost, "/account", "application/json", bad); r.status != 400 {
			t.Errorf("POST /account %s: %d", bad, r.status)
		}
	}
	for _, p := range []string{"/nope", "/api/smsapi/", "/api/smsapimany"} {
		if r := e.do(http.MethodGet, p, "", ""); r.status != 404 || !strings.Contains(r.body, "Not Found") {
			t.Errorf("GET %s: %d %s", p, r.status, r.body)
		}
	}
	if r := e.do(http.MethodDelete, "/api/smsapi", "", ""); r.status == 200 {
		t.Errorf("DELETE /api/smsapi: %d", r.status)
	}
}
