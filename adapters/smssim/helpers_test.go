package smssim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/ports/portstest"
)

// mount is where the tests mount the simulator, as paycore does.
const mount = "/sandbox/sms"

const (
	to1    = "8801712345678"
	to2    = "8801812345678"
	bangla = "পেমেন্ট গৃহীত হয়েছে"
)

// t0 is the fake clock's start.
var t0 = time.Date(2025, 11, 24, 15, 20, 0, 0, time.UTC)

// env is one simulator behind a real HTTP server, mounted under /sandbox/sms.
type env struct {
	t     *testing.T
	sim   *smssim.Simulator
	clock *portstest.Clock
	base  string // the mount URL
	creds smssim.Credentials
	srv   *httptest.Server
}

func newEnv(t *testing.T, configure func(*smssim.Config)) *env {
	t.Helper()
	clock := portstest.NewClock(t0)
	cfg := smssim.Config{Clock: clock.Now}
	if configure != nil {
		configure(&cfg)
	}
	sim := smssim.New(cfg)
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.StripPrefix(mount, sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &env{t: t, sim: sim, clock: clock, base: srv.URL + mount, creds: sim.Credentials(), srv: srv}
}

// result is one HTTP answer.
type result struct {
	status int
	ctype  string
	body   string
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

// do sends a request; body is sent with contentType when not "".
func (e *env) do(method, path, contentType, body string) result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(raw)}
}

// bulkSend posts a BulkSMSBD send as a form and decodes the answer.
func (e *env) bulkSend(form url.Values) bulkReply {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api/smsapi", "application/x-www-form-urlencoded", form.Encode())
	if r.status != http.StatusOK {
		e.t.Fatalf("status %d body %s", r.status, r.body)
	}
	var out bulkReply
	r.json(e.t, &out)
	return out
}

// form is a valid BulkSMSBD send with overrides.
func (e *env) form(kv ...string) url.Values {
	f := url.Values{
		"api_key": {e.creds.APIKey}, "type": {"text"}, "number": {to1},
		"senderid": {e.creds.SenderID}, "message": {"hello"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<del>" {
			f.Del(kv[i])
		} else {
			f.Set(kv[i], kv[i+1])
		}
	}
	return f
}

// bulkReply is BulkSMSBD's answer as a client reads it.
type bulkReply struct {
	ResponseCode   int             `json:"response_code"`
	MessageID      json.Number     `json:"message_id"`
	Balance        json.RawMessage `json:"balance"`
	SuccessMessage string          `json:"success_message"`
	ErrorMessage   string          `json:"error_message"`
}

func (e *env) messages(query string) []smssim.Message {
	e.t.Helper()
	r := e.do(http.MethodGet, "/messages"+query, "", "")
	if r.status != http.StatusOK {
		e.t.Fatalf("GET /messages: %d %s", r.status, r.body)
	}
	var out []smssim.Message
	r.json(e.t, &out)
	return out
}
