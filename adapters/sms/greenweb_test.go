package sms_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/ports"
)

func newGreen(t *testing.T, f *fake) *sms.GreenWeb {
	t.Helper()
	g, err := sms.NewGreenWeb(sms.Config{BaseURL: f.srv.URL + "/", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGreenWebSendWireFormat(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"Payment received", bangla} {
		f := newFake(t)
		f.answer(200, `[{"to":"`+testTo+`","message":"x","status":"SENT","statusmsg":"SMS Sent Successfully"}]`)
		ref, err := newGreen(t, f).Send(ctx, ports.SMS{ID: "n", To: "01712345678", Body: body})
		if err != nil || ref != "" {
			t.Fatalf("Send = %q, %v; want \"\", nil", ref, err)
		}
		r := f.last()
		if r.Method != http.MethodPost || r.Path != sms.GreenWebSendPath || r.RawQuery != "json" {
			t.Errorf("request %s %s?%s; want POST /api.php?json", r.Method, r.Path, r.RawQuery)
		}
		if r.ContentType != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type %q", r.ContentType)
		}
		formEqual(t, r.Form, map[string]string{"token": testKey, "to": testTo, "message": body})
	}
}

func TestGreenWebAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		code      string
		retryable bool
	}{
		{"sent", 200, `[{"to":"8801712345678","status":"SENT","statusmsg":"SMS Sent Successfully"}]`, "", false},
		{"text ok", 200, "Ok: SMS Sent Successfully To 8801712345678", "", false},
		{"balance", 200, `[{"to":"8801712345678","status":"FAILED","statusmsg":"Insufficient Balance"}]`, "FAILED", false},
		{"token", 200, `[{"to":"8801712345678","status":"FAILED","statusmsg":"Invalid Token"}]`, "FAILED", false},
		{"number", 200, `[{"to":"8801712345678","status":"FAILED","statusmsg":"Invalid Number"}]`, "FAILED", false},
		{"internal", 200, `[{"to":"8801712345678","status":"FAILED","statusmsg":"Internal server error, please try again"}]`, "FAILED", true},
		{"other status", 200, `[{"to":"8801712345678","status":"ERROR","statusmsg":"something"}]`, "ERROR", false},
		{"empty array", 200, `[]`, sms.CodeBadResponse, false},
		{"text error", 200, "Error: Invalid Token", sms.CodeBadResponse, false},
		{"500", 500, "<html>oops</html>", "http_500", true},
		{"503", 503, "", "http_503", true},
		{"401", 401, "nope", "http_401", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.answer(tt.status, tt.body)
			_, err := newGreen(t, f).Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"})
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			smsError(t, err, tt.code, tt.retryable)
		})
	}
}

func TestGreenWebBalance(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	g := newGreen(t, f)
	f.answer(200, `[{"response":"532.1"}]`)
	got, err := g.Balance(ctx)
	if err != nil || got != "532.10" {
		t.Fatalf("Balance = %q, %v", got, err)
	}
	r := f.last()
	if r.Method != http.MethodGet || r.Path != sms.GreenWebBalancePath || r.RawQuery != "token="+testKey+"&balance&json" {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	f.answer(200, `[{"response":"Invalid Token `+testKey+`"}]`)
	_, err = g.Balance(ctx)
	se := smsErrorOf(t, err, "FAILED", false)
	if strings.Contains(se.Error(), testKey) || !strings.Contains(se.Error(), "Invalid Token") {
		t.Errorf("error %q", se.Error())
	}
	f.answer(502, "bad gateway")
	_, err = g.Balance(ctx)
	smsError(t, err, "http_502", true)
	f.answer(200, `{}`)
	_, err = g.Balance(ctx)
	smsError(t, err, sms.CodeBadResponse, false)
}

func TestGreenWebDefaultBaseURL(t *testing.T) {
	t.Parallel()
	var got string
	g, err := sms.NewGreenWeb(sms.Config{APIKey: testKey, HTTPClient: capture(`[{"status":"SENT"}]`, &got)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Send(ctx, ports.SMS{ID: "n", To: testTo, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if want := "POST https://api.greenweb.com.bd/api.php"; got != want {
		t.Errorf("called %q; want %q", got, want)
	}
}
