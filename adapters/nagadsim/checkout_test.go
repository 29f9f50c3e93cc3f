package nagadsim_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
)

// TestInitializeAnswer: the answer decrypts with the sandbox merchant key,
// verifies with the PG key, and its reference has Nagad's observed form
// (docs/gateways/nagad.md §5.1). The merchant challenge may be a number ([M]).
func TestInitializeAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	plain := `{"merchantId":"` + e.creds.MerchantID + `","orderId":"Order2025A","datetime":"` + e.dhakaNow() + `","challenge":348027480}`
	status, body := e.do(t, "POST", "/api/dfs/check-out/initialize/"+e.creds.MerchantID+"/Order2025A", kmHeaders(), e.initBody(t, plain))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	ans := e.openAnswer(t, body)
	ch, _ := ans["challenge"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{20}$`).MatchString(ch) || ans["acceptDateTime"] != "20250114153012" || len(ans) != 3 {
		t.Fatalf("answer %v", ans)
	}
	raw, err := base64.StdEncoding.DecodeString(ans["paymentReferenceId"].(string))
	if want := "0114153012345." + e.creds.MerchantID + ".Order2025A." + ch; err != nil || string(raw) != want {
		t.Fatalf("reference decodes to %q, want %q", raw, want)
	}
	_, v := e.verify(t, ans["paymentReferenceId"].(string))
	if v["status"] != nagadsim.StatusOrderInitiated || v["amount"] != "0" {
		t.Errorf("verify after initialize: %v", v)
	}
}

// TestInitializeRefusals: each check of initialize, with its reason.
func TestInitializeRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := func(order string) string { return "/api/dfs/check-out/initialize/" + e.creds.MerchantID + "/" + order }
	without := func(h string) http.Header { x := kmHeaders(); x.Del(h); return x }
	with := func(h, v string) http.Header { x := kmHeaders(); x.Set(h, v); return x }
	plainAt := func(order, dt string) string {
		return `{"merchantId":"` + e.creds.MerchantID + `","orderId":"` + order + `","datetime":"` + dt + `","challenge":"c1"}`
	}
	at := func(d time.Duration) string { return t0.Add(d).In(domain.Dhaka).Format("20060102150405") }

	cases := []struct {
		name   string
		order  string
		path   string
		hdr    http.Header
		body   func(order string) any
		reason string
	}{
		{"no api version", "ordA1", "", without("X-KM-Api-Version"), nil, nagadsim.ReasonHeaderMissing},
		{"no ip", "ordA2", "", without("X-KM-IP-V4"), nil, nagadsim.ReasonHeaderMissing},
		{"ipv6 ip", "ordA3", "", with("X-KM-IP-V4", "::1"), nil, nagadsim.ReasonHeaderMissing},
		{"forwarded-for list", "ordA4", "", with("X-KM-IP-V4", "1.2.3.4, 5.6.7.8"), nil, nagadsim.ReasonHeaderMissing},
		{"no client type", "ordA5", "", without("X-KM-Client-Type"), nil, nagadsim.ReasonHeaderMissing},
		{"bad client type", "ordA6", "", with("X-KM-Client-Type", "DESKTOP"), nil, nagadsim.ReasonHeaderMissing},
		{"unknown merchant", "ordB1", "/api/dfs/check-out/initialize/683002007104225/ordB1", nil, nil, nagadsim.ReasonMerchantIDInvalid},
		{"order id too short", "ab12", "", nil, nil, nagadsim.ReasonInvalidOrderID},
		{"order id too long", strings.Repeat("a", 21), "", nil, nil, nagadsim.ReasonInvalidOrderID},
		{"order id with dash", "ord-123", "", nil, nil, nagadsim.ReasonInvalidOrderID},
		{"body not JSON", "ordC1", "", nil, func(string) any { return "sensitiveData=x" }, nagadsim.ReasonInvalidRequest},
		{"no sensitiveData", "ordC2", "", nil, func(string) any { return map[string]string{"signature": "AAAA"} }, nagadsim.ReasonInvalidSensitive},
		{"not base64", "ordC3", "", nil, func(string) any { return map[string]string{"sensitiveData": "%%%", "signature": "AAAA"} }, nagadsim.ReasonNotEncoded},
		{"encrypted under another key", "ordC4", "", nil, func(o string) any {
			sd, sig := sealWith(t, &other.PublicKey, e.merchant, e.initPlain(o))
			return map[string]string{"sensitiveData": sd, "signature": sig}
		}, nagadsim.ReasonDecryptionFailed},
		{"signed by another key", "ordC5", "", nil, func(o string) any {
			sd, sig := sealWith(t, e.pg, other, e.initPlain(o))
			return map[string]string{"sensitiveData": sd, "signature": sig}
		}, nagadsim.ReasonSignature},
		{"signature over other bytes", "ordC6", "", nil, func(o string) any {
			sd, _ := e.seal(t, e.initPlain(o))
			_, sig := e.seal(t, e.initPlain(o)+" ")
			return map[string]string{"sensitiveData": sd, "signature": sig}
		}, nagadsim.ReasonSignature},
		{"plaintext not JSON", "ordD1", "", nil, func(string) any { return e.initBody(t, "merchantId=1") }, nagadsim.ReasonInvalidSensitive},
		{"dateTime with capital T", "ordD2", "", nil, func(o string) any {
			return e.initBody(t, strings.Replace(e.initPlain(o), `"datetime"`, `"dateTime"`, 1))
		}, nagadsim.ReasonInvalidSensitive},
		{"merchant not the path's", "ordD3", "", nil, func(o string) any {
			return e.initBody(t, strings.Replace(e.initPlain(o), e.creds.MerchantID, "683002007104225", 1))
		}, nagadsim.ReasonInvalidSensitive},
		{"order not the path's", "ordD4", "", nil, func(string) any { return e.initBody(t, e.initPlain("ordZZ")) }, nagadsim.ReasonInvalidSensitive},
		{"no challenge", "ordD5", "", nil, func(o string) any {
			return e.initBody(t, strings.Replace(e.initPlain(o), `"challenge":"`+strings.Repeat("ab", 20)+`"`, `"challenge":""`, 1))
		}, nagadsim.ReasonInvalidSensitive},
		{"datetime with dashes", "ordE1", "", nil, func(o string) any { return e.initBody(t, plainAt(o, "2025-01-14 15:30:12")) }, nagadsim.ReasonDateTimeFormat},
		{"datetime unpadded month", "ordE2", "", nil, func(o string) any { return e.initBody(t, plainAt(o, "2025114153012")) }, nagadsim.ReasonDateTimeFormat},
		{"datetime in UTC (6 h early)", "ordE3", "", nil, func(o string) any { return e.initBody(t, plainAt(o, t0.UTC().Format("20060102150405"))) }, nagadsim.ReasonDateTimeWindow},
		{"datetime 11 minutes late", "ordE4", "", nil, func(o string) any { return e.initBody(t, plainAt(o, at(-11*time.Minute))) }, nagadsim.ReasonDateTimeWindow},
		{"datetime 11 minutes ahead", "ordE5", "", nil, func(o string) any { return e.initBody(t, plainAt(o, at(11*time.Minute))) }, nagadsim.ReasonDateTimeWindow},
		{"datetime 5 minutes late is fine ([M])", "ordE6", "", nil, func(o string) any { return e.initBody(t, plainAt(o, at(-5*time.Minute))) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.path
			if p == "" {
				p = path(tc.order)
			}
			hdr := tc.hdr
			if hdr == nil {
				hdr = kmHeaders()
			}
			var body any
			if tc.body != nil {
				body = tc.body(tc.order)
			} else {
				body = e.initBody(t, e.initPlain(tc.order))
			}
			status, raw := e.do(t, "POST", p, hdr, body)
			if tc.reason == "" {
				if status != 200 {
					t.Fatalf("%d %s", status, raw)
				}
				return
			}
			if got := reason(t, status, raw); got != tc.reason {
				t.Fatalf("reason %s (%s), want %s", got, raw, tc.reason)
			}
		})
	}
}

// TestDuplicateOrderSameDay: an orderId initializes once per Dhaka day
// (docs/gateways/nagad.md §10.2), refused or not later.
func TestDuplicateOrderSameDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.initialize(t, "dupOrder1")
	status, body := e.do(t, "POST", "/api/dfs/check-out/initialize/"+e.creds.MerchantID+"/dupOrder1", kmHeaders(), e.initBody(t, e.initPlain("dupOrder1")))
	if got := reason(t, status, body); got != nagadsim.ReasonDuplicateOrderID {
		t.Fatalf("reason %s", got)
	}
	// 15:30 + 8 h 30 min is 00:00 the next day in Dhaka (18:00 UTC).
	e.clock.Advance(8*time.Hour + 30*time.Minute)
	e.initialize(t, "dupOrder1")
}

// TestCompleteRefusals: each check of complete, with its reason.
func TestCompleteRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name   string
		mutate func(b map[string]any, order, ch string, ref *string, hdr http.Header)
		reason string
	}{
		{"header missing", func(_ map[string]any, _, _ string, _ *string, h http.Header) { h.Del("X-KM-Api-Version") }, nagadsim.ReasonHeaderMissing},
		{"unknown reference", func(_ map[string]any, _, _ string, ref *string, _ http.Header) { *ref = "Ym9ndXM=" }, nagadsim.ReasonInvalidPaymentRef},
		{"client's challenge echoed", func(b map[string]any, o, _ string, _ *string, _ http.Header) {
			for k, v := range e.completeBody(t, o, "100.00", strings.Repeat("ab", 20)) {
				b[k] = v
			}
		}, nagadsim.ReasonInvalidSensitive},
		{"amount with 3 decimals", func(b map[string]any, o, ch string, _ *string, _ http.Header) {
			for k, v := range e.completeBody(t, o, "100.005", ch) {
				b[k] = v
			}
		}, nagadsim.ReasonInvalidSensitive},
		{"negative amount", func(b map[string]any, o, ch string, _ *string, _ http.Header) {
			for k, v := range e.completeBody(t, o, "-1", ch) {
				b[k] = v
			}
		}, nagadsim.ReasonInvalidSensitive},
		{"currency USD", func(b map[string]any, o, ch string, _ *string, _ http.Header) {
			sd, sig := e.seal(t, `{"merchantId":"`+e.creds.MerchantID+`","orderId":"`+o+`","currencyCode":"840","amount":"1.00","challenge":"`+ch+`"}`)
			b["sensitiveData"], b["signature"] = sd, sig
		}, nagadsim.ReasonInvalidCurrency},
		{"relative callback", func(b map[string]any, _, _ string, _ *string, _ http.Header) {
			b["merchantCallbackURL"] = "/callbacks/nagad"
		}, nagadsim.ReasonInvalidRequest},
		{"huge merchant info", func(b map[string]any, _, _ string, _ *string, _ http.Header) {
			b["additionalMerchantInfo"] = map[string]string{"x": strings.Repeat("y", 2050)}
		}, nagadsim.ReasonInvalidRequest},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			order := "cmpOrder" + string(rune('A'+i))
			ref, ch := e.initialize(t, order)
			body := e.completeBody(t, order, "100.00", ch)
			hdr := kmHeaders()
			tc.mutate(body, order, ch, &ref, hdr)
			status, raw := e.do(t, "POST", "/api/dfs/check-out/complete/"+url.PathEscape(ref), hdr, body)
			if got := reason(t, status, raw); got != tc.reason {
				t.Fatalf("reason %s (%s), want %s", got, raw, tc.reason)
			}
		})
	}

	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		ref, ch := e.initialize(t, "cmpTwice1")
		for i, want := range []int{200, 400} {
			status, raw := e.do(t, "POST", "/api/dfs/check-out/complete/"+ref, kmHeaders(), e.completeBody(t, "cmpTwice1", "100", ch))
			if status != want {
				t.Fatalf("complete #%d: %d %s", i+1, status, raw)
			}
			if i == 1 && reason(t, status, raw) != nagadsim.ReasonPurchaseState {
				t.Fatalf("second complete: %s", raw)
			}
		}
	})
}

// TestVerifyShape: verify's plain JSON has every field of docs/gateways/nagad.md §7.4, in
// order, nulls included, through the whole life of a payment.
func TestVerifyShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref, page := e.open(t, "verShape1", "1250.00")
	raw, v := e.verify(t, ref)
	keys := regexp.MustCompile(`"([A-Za-z]+)":`).FindAllStringSubmatch(raw, -1)
	var order []string
	for _, k := range keys {
		order = append(order, k[1])
	}
	want := "merchantId orderId paymentRefId amount clientMobileNo merchantMobileNo orderDateTime issuerPaymentDateTime " +
		"issuerPaymentRefNo additionalMerchantInfo status statusCode cancelIssuerDateTime cancelIssuerRefNo"
	if strings.Join(order, " ") != want {
		t.Fatalf("fields %v", order)
	}
	for k, want := range map[string]any{"merchantId": e.creds.MerchantID, "orderId": "verShape1", "paymentRefId": ref,
		"amount": "1250", "clientMobileNo": nil, "merchantMobileNo": e.creds.MerchantNumber, "orderDateTime": "2025-01-14 15:30:12.0",
		"issuerPaymentDateTime": nil, "issuerPaymentRefNo": nil, "additionalMerchantInfo": `{"serviceName":"Demo Shop"}`,
		"status": "Ready", "statusCode": nil, "cancelIssuerDateTime": nil, "cancelIssuerRefNo": nil} {
		if v[k] != want {
			t.Errorf("%s = %#v, want %#v", k, v[k], want)
		}
	}
	e.clock.Advance(4*time.Minute + 43*time.Second)
	if status, loc, body := submit(t, page, payForm()); status != http.StatusSeeOther {
		t.Fatalf("pay: %d %s %s", status, loc, body)
	}
	_, v = e.verify(t, ref)
	if v["status"] != "Success" || v["statusCode"] != "000" || v["clientMobileNo"] != "017****5678" ||
		v["issuerPaymentDateTime"] != "2025-01-14 15:34:55.0" || !regexp.MustCompile(`^0000[0-9A-Z]{4}$`).MatchString(v["issuerPaymentRefNo"].(string)) {
		t.Errorf("verify after payment: %v", v)
	}

	ref2, _ := e.open(t, "verShape2", "499.5")
	if _, v := e.verify(t, ref2); v["amount"] != "499.50" {
		t.Errorf("amount %v, want 499.50", v["amount"])
	}
	status, body := e.do(t, "GET", "/api/dfs/verify/payment/Ym9ndXM=", nil, nil)
	if reason(t, status, body) != nagadsim.ReasonInvalidPaymentRef {
		t.Errorf("unknown reference: %s", body)
	}
}

// TestLegacyPrefixAndDerivedURL: the API answers under the older context
// path too, and without Config.PublicURL the page URL is derived from the
// request and the mount prefix.
func TestLegacyPrefixAndDerivedURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *nagadsim.Config) { c.PublicURL = "" })
	ref, ch := e.initialize(t, "legacyOrd1")
	status, body := e.do(t, "POST", "/remote-payment-gateway-1.0/api/dfs/check-out/complete/"+ref, kmHeaders(), e.completeBody(t, "legacyOrd1", "10", ch))
	if status != 200 || !strings.Contains(string(body), `"callBackUrl":"`+e.public+"/check-out/"+ref+`"`) {
		t.Fatalf("%d %s (public %s)", status, body, e.public)
	}
	status, body = e.do(t, "GET", "/api/dfs/no/such/route", nil, nil)
	if status != 404 || !strings.Contains(string(body), "16_0006_999") {
		t.Errorf("unknown route: %d %s", status, body)
	}
}
