package sms_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/ports"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "tWiLiOaUtHtOkEn0123456789"
	twilioOK  = `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","num_segments":"1","error_code":null,"error_message":null}`
)

func newTwilio(t *testing.T, f *fake, from string) *sms.Twilio {
	t.Helper()
	tw, err := sms.NewTwilio(sms.Config{BaseURL: f.srv.URL, AccountSID: testSID, APIKey: testToken, SenderID: from})
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

func TestTwilioSendWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.answer(http.StatusCreated, twilioOK)
	ref, err := newTwilio(t, f, "PayCore").Send(ctx, ports.SMS{ID: "n", To: testTo, Body: bangla})
	if err != nil || ref != "SM0123456789abcdef0123456789abcdef" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	r := f.last()
	if want := "/2010-04-01/Accounts/" + testSID + "/Messages.json"; r.Method != http.MethodPost || r.Path != want {
		t.Errorf("request %s %s; want POST %s", r.Method, r.Path, want)
	}
	if !r.HasAuth || r.User != testSID || r.Pass != testToken {
		t.Errorf("basic auth %v %q %q", r.HasAuth, r.User, r.Pass)
	}
	if r.ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", r.ContentType)
	}
	formEqual(t, r.Form, map[string]string{"To": "+" + testTo, "From": "PayCore", "Body": bangla})

	// A Messaging Service SID goes as MessagingServiceSid.
	mg := "MG0123456789abcdef0123456789abcdef"
	if _, err := newTwilio(t, f, mg).Send(ctx, ports.SMS{ID: "n", To: "+14155550100", Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	formEqual(t, f.last().Form, map[string]string{"To": "+14155550100", "MessagingServiceSid": mg, "Body": "hi"})
}

func TestTwilioAPIKeyAuth(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.answer(http.StatusCreated, twilioOK)
	tw, err := sms.NewTwilio(sms.Config{BaseURL: f.srv.URL, AccountSID: testSID, TwilioKeySID: "SKkey", APIKey: testToken, SenderID: "+15005550006"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if r := f.last(); r.User != "SKkey" || r.Pass != testToken || !strings.Contains(r.Path, testSID) {
		t.Errorf("auth %q:%q path %s", r.User, r.Pass, r.Path)
	}
}

func TestTwilioAnswers(t *testing.T) {
	t.Parallel()
	errBody := func(code, status int, msg string) string {
		return `{"code":` + itoa(code) + `,"message":"` + msg + `","more_info":"https://www.twilio.com/docs/errors/` + itoa(code) + `","status":` + itoa(status) + `}`
	}
	tests := []struct {
		name      string
		status    int
		body      string
		code      string
		retryable bool
	}{
		{"created", 201, twilioOK, "", false},
		{"ok 200", 200, twilioOK, "", false},
		{"auth", 401, errBody(20003, 401, "Authenticate"), "20003", false},
		{"invalid to", 400, errBody(21211, 400, "The 'To' number is not a valid phone number."), "21211", false},
		{"unverified", 400, errBody(21608, 400, "unverified"), "21608", false},
		{"unsubscribed", 400, errBody(21610, 400, "unsubscribed"), "21610", false},
		{"rate limited", 429, errBody(20429, 429, "Too Many Requests"), "20429", true},
		{"queue overflow", 400, errBody(21611, 400, "queue full"), "21611", true},
		{"server error json", 500, errBody(20500, 500, "Internal Server Error"), "20500", true},
		{"server error html", 502, "<html>bad gateway</html>", "http_502", true},
		{"failed at once", 201, `{"sid":"SMx","status":"failed","error_code":21612,"error_message":"unroutable"}`, "21612", false},
		{"no sid", 201, `{"status":"queued"}`, sms.CodeBadResponse, false},
		{"malformed", 201, `{"sid":`, sms.CodeBadResponse, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.answer(tt.status, tt.body)
			ref, err := newTwilio(t, f, "PayCore").Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
			if tt.code == "" {
				if err != nil || ref == "" {
					t.Fatalf("Send = %q, %v", ref, err)
				}
				return
			}
			smsError(t, err, tt.code, tt.retryable)
		})
	}
}

func TestTwilioSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	tw := newTwilio(t, f, "PayCore")
	f.handle(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte("echo: " + r.Header.Get("Authorization") + " " + testToken))
	})
	_, err := tw.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
	if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "Basic QUM") {
		t.Fatalf("error %v leaks a secret", err)
	}
}

func TestTwilioNumbers(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.answer(201, twilioOK)
	tw := newTwilio(t, f, "PayCore")
	for in, want := range map[string]string{
		"8801712345678": "+8801712345678", "01712345678": "+8801712345678",
		"+8801712345678": "+8801712345678", "14155550100": "+14155550100",
	} {
		if _, err := tw.Send(ctx, ports.SMS{ID: "n", To: in, Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if got := f.last().Form.Get("To"); got != want {
			t.Errorf("To for %q = %q; want %q", in, got, want)
		}
	}
	n := f.count()
	for _, bad := range []string{"", "+0123", "abc", "+12"} {
		_, err := tw.Send(ctx, ports.SMS{ID: "n", To: bad, Body: "x"})
		smsError(t, err, sms.CodeInvalidNumber, false)
	}
	if f.count() != n {
		t.Error("invalid numbers were sent")
	}
}

func TestTwilioDefaultBaseURL(t *testing.T) {
	t.Parallel()
	var got string
	tw, err := sms.NewTwilio(sms.Config{AccountSID: testSID, APIKey: testToken, SenderID: "PayCore", HTTPClient: capture(twilioOK, &got)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if want := "POST https://api.twilio.com/2010-04-01/Accounts/" + testSID + "/Messages.json"; got != want {
		t.Errorf("called %q; want %q", got, want)
	}
}
