package sms_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/ports"
)

func newBulk(t *testing.T, f *fake, mod ...func(*sms.Config)) *sms.BulkSMSBD {
	t.Helper()
	cfg := sms.Config{BaseURL: f.srv.URL, APIKey: testKey, SenderID: testSender}
	for _, m := range mod {
		m(&cfg)
	}
	b, err := sms.NewBulkSMSBD(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const bulkOK = `{"response_code":202,"message_id":59432678,"success_message":"SMS Submitted Successfully","error_message":""}`

func TestBulkSMSBDSendWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, to, body, typ string
	}{
		{"english is text", testTo, "Payment of 250.00 BDT received. TrxID ABC123.", "text"},
		{"bangla is unicode", testTo, bangla, "unicode"},
		{"extension chars stay text", testTo, "Order [42] {ok} ~ €5", "text"},
		{"emoji is unicode", testTo, "paid 👍", "unicode"},
		{"local number", "01712345678", "hi", "text"},
		{"plus number", "+8801712345678", "hi", "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.answer(http.StatusOK, bulkOK)
			ref, err := newBulk(t, f).Send(ctx, ports.SMS{ID: "ntf_1", To: tt.to, Body: tt.body})
			if err != nil || ref != "59432678" {
				t.Fatalf("Send = %q, %v; want 59432678, nil", ref, err)
			}
			r := f.last()
			if r.Method != http.MethodPost || r.Path != sms.BulkSMSBDSendPath || r.RawQuery != "" {
				t.Errorf("request %s %s?%s; want POST /api/smsapi", r.Method, r.Path, r.RawQuery)
			}
			if r.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type %q", r.ContentType)
			}
			formEqual(t, r.Form, map[string]string{
				"api_key": testKey, "type": tt.typ, "number": testTo, "senderid": testSender, "message": tt.body,
			})
		})
	}
}

func TestBulkSMSBDSendRefusedLocally(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	b := newBulk(t, f)
	for _, to := range []string{"", "12345", "8801212345678", "+14155550100", "880171234567"} {
		_, err := b.Send(ctx, ports.SMS{ID: "n", To: to, Body: "x"})
		smsError(t, err, sms.CodeInvalidNumber, false)
	}
	_, err := b.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: ""})
	smsError(t, err, sms.CodeEmptyBody, false)
	if f.count() != 0 {
		t.Fatalf("%d requests sent; want none", f.count())
	}
}

func TestBulkSMSBDAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		code      string
		retryable bool
		ref       string
	}{
		{"success", 200, bulkOK, "", false, "59432678"},
		{"success code as string", 200, `{"response_code":"202","message_id":"77"}`, "", false, "77"},
		{"success without message_id", 200, `{"response_code":202}`, "", false, ""},
		{"invalid number with HTTP 200", 200, `{"response_code":1001,"success_message":"","error_message":"Invalid Number"}`, "1001", false, ""},
		{"sender id", 200, `{"response_code":1002,"error_message":"sender id not correct/sender id is disabled"}`, "1002", false, ""},
		{"missing field", 200, `{"response_code":1003}`, "1003", false, ""},
		{"internal error retryable", 200, `{"response_code":1005,"error_message":"Internal Error"}`, "1005", true, ""},
		{"insufficient balance", 200, `{"response_code":1007,"error_message":"Balance Insufficient"}`, "1007", false, ""},
		{"code as string", 200, `{"response_code":"1007","error_message":"Balance Insufficient"}`, "1007", false, ""},
		{"bare code", 200, "1007", "1007", false, ""},
		{"bare 1005", 200, "1005\n", "1005", true, ""},
		{"user not found", 200, `{"response_code":1011,"error_message":"User Id not found"}`, "1011", false, ""},
		{"masking bengali", 200, `{"response_code":1012}`, "1012", false, ""},
		{"not verified", 200, `{"response_code":1031}`, "1031", false, ""},
		{"ip not whitelisted", 200, `{"response_code":1032,"error_message":"IP Not whitelisted"}`, "1032", false, ""},
		{"unknown code", 200, `{"response_code":4242}`, "4242", false, ""},
		{"502 html", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "http_502", true, ""},
		{"503", 503, "<html>down</html>", "http_503", true, ""},
		{"500 json", 500, `{"response_code":1007}`, "http_500", true, ""},
		{"429", 429, "slow down", "http_429", true, ""},
		{"404", 404, "not found", "http_404", false, ""},
		{"403 with code", 403, `{"response_code":1032,"error_message":"IP Not whitelisted"}`, "1032", false, ""},
		{"malformed json", 200, `{"response_code":`, sms.CodeBadResponse, false, ""},
		{"html with 200", 200, "<html>captive portal</html>", sms.CodeBadResponse, false, ""},
		{"no response_code", 200, `{"foo":"bar"}`, sms.CodeBadResponse, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.answer(tt.status, tt.body)
			ref, err := newBulk(t, f).Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "hello"})
			if tt.code == "" {
				if err != nil || ref != tt.ref {
					t.Fatalf("Send = %q, %v; want %q, nil", ref, err, tt.ref)
				}
				return
			}
			smsError(t, err, tt.code, tt.retryable)
			if ref != "" {
				t.Errorf("ref %q on error", ref)
			}
		})
	}
}

func TestBulkSMSBDErrorMessage(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.answer(200, `{"response_code":1007,"error_message":"Balance Insufficient"}`)
	_, err := newBulk(t, f).Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	if got, want := err.Error(), "sms: 1007 bulksmsbd: Balance Insufficient"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	f.answer(200, `{"response_code":1032}`)
	_, err = newBulk(t, f).Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	if !strings.Contains(err.Error(), "IP Not whitelisted") {
		t.Errorf("Error() = %q; want the code's meaning when error_message is empty", err)
	}
}

func TestBulkSMSBDTimeoutAndTransport(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.handle(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	b := newBulk(t, f, func(c *sms.Config) { c.Timeout = 50 * time.Millisecond })
	start := time.Now()
	_, err := b.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	se := smsErrorOf(t, err, sms.CodeTransport, true)
	if !strings.Contains(se.Message, "no answer within 50ms") {
		t.Errorf("message %q", se.Message)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// A closed port: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	b2, _ := sms.NewBulkSMSBD(sms.Config{BaseURL: "http://" + addr, APIKey: testKey, SenderID: testSender})
	_, err = b2.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	smsError(t, err, sms.CodeTransport, true)
	_, err = b2.Balance(ctx)
	se = smsErrorOf(t, err, sms.CodeTransport, true)
	if strings.Contains(se.Error(), testKey) || strings.Contains(se.Error(), "api_key") {
		t.Errorf("transport error names the key or the URL's query: %q", se.Error())
	}
}

func TestBulkSMSBDBalance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want, code string
	}{
		{"number", `{"response_code":202,"balance":1234.5}`, "1234.50", ""},
		{"string", `{"balance":"250.75","response_code":202}`, "250.75", ""},
		{"float noise", `{"response_code":202,"balance":49.64999999999999857891452847979962825775146484375}`, "49.65", ""},
		{"no code", `{"balance":0}`, "0.00", ""},
		{"bare decimal", "500.00", "500.00", ""},
		{"bad key", `{"response_code":1011,"error_message":"User Id not found"}`, "", "1011"},
		{"no balance", `{"response_code":202}`, "", sms.CodeBadResponse},
		{"not json", `<html></html>`, "", sms.CodeBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.answer(200, tt.body)
			got, err := newBulk(t, f).Balance(ctx)
			r := f.last()
			if r.Method != http.MethodGet || r.Path != sms.BulkSMSBDBalancePath || r.Query.Get("api_key") != testKey || len(r.Query) != 1 {
				t.Errorf("request %s %s?%s", r.Method, r.Path, r.RawQuery)
			}
			if tt.code != "" {
				smsError(t, err, tt.code, false)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Balance = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestBulkSMSBDKeyNeverInErrors makes the provider echo the api_key back
// and checks the errors do not repeat it.
func TestBulkSMSBDKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	b := newBulk(t, f)
	for _, ans := range []struct {
		status int
		body   string
	}{
		{200, `{"response_code":1011,"error_message":"no user for api_key ` + testKey + `"}`},
		{500, "error: api_key=" + testKey},
		{200, "<html>" + testKey + "</html>"},
	} {
		f.answer(ans.status, ans.body)
		_, err := b.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
		_, err2 := b.Balance(ctx)
		for _, e := range []error{err, err2} {
			if e == nil || strings.Contains(e.Error(), testKey) {
				t.Errorf("error %v repeats the key (or is nil)", e)
			}
		}
	}
}

func TestBulkSMSBDDefaultBaseURL(t *testing.T) {
	t.Parallel()
	var got string
	b, err := sms.NewBulkSMSBD(sms.Config{APIKey: testKey, SenderID: testSender, HTTPClient: capture(bulkOK, &got)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if want := "POST http://bulksmsbd.net/api/smsapi"; got != want {
		t.Errorf("called %q; want %q", got, want)
	}
	_, _ = b.Balance(ctx)
	if want := "GET http://bulksmsbd.net/api/getBalanceApi"; got != want {
		t.Errorf("called %q; want %q", got, want)
	}
}
