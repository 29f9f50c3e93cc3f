package nagadsim_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagadsim"
)

// cancelBody builds a cancel request ([CB]/[F#] fields, [S]'s orderId).
func (e *env) cancelBody(t *testing.T, order, date, original, amount string) map[string]string {
	sd, sig := e.seal(t, `{"merchantId":"`+e.creds.MerchantID+`","originalRequestDate":"`+date+`","originalAmount":"`+original+
		`","cancelAmount":"`+amount+`","referenceNo":"RF8K2L0Q1Z","referenceMessage":"Partial return","orderId":"`+order+`"}`)
	return map[string]string{"sensitiveDataCancelRequest": sd, "signature": sig}
}

func (e *env) paid(t *testing.T, order, amount string) string {
	t.Helper()
	ref, page := e.open(t, order, amount)
	if status, loc, body := submit(t, page, payForm()); status != http.StatusSeeOther {
		t.Fatalf("pay: %d %s %s", status, loc, body)
	}
	return ref
}

// TestCancel: partial then full refund, the encrypted answers, verify's
// statuses, and the refusals.
func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref := e.paid(t, "cancelOrd1", "1250.00")
	path := "/api/dfs/purchase/cancel?paymentRefId=" + url.QueryEscape(ref) + "&orderId=cancelOrd1"

	refuse := func(name, p string, hdr http.Header, body any, want string) {
		t.Helper()
		status, raw := e.do(t, "POST", p, hdr, body)
		if got := reason(t, status, raw); got != want {
			t.Errorf("%s: reason %s (%s), want %s", name, got, raw, want)
		}
	}
	noHdr := kmHeaders()
	noHdr.Del("X-KM-IP-V4")
	refuse("no header", path, noHdr, e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1"), nagadsim.ReasonHeaderMissing)
	refuse("unknown ref", "/api/dfs/purchase/cancel?paymentRefId=Ym9ndXM%3D", kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1"), nagadsim.ReasonInvalidPaymentRef)
	refuse("other order in query", "/api/dfs/purchase/cancel?paymentRefId="+url.QueryEscape(ref)+"&orderId=other12", kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1"), nagadsim.ReasonInvalidOrderID)
	refuse("wrong date", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250113", "1250", "1"), nagadsim.ReasonInvalidSensitive)
	refuse("wrong original", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250.01", "1"), nagadsim.ReasonInvalidSensitive)
	refuse("zero", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "0"), nagadsim.ReasonInvalidSensitive)
	refuse("too much", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1250.01"), nagadsim.ReasonInvalidRequest)
	refuse("old body key", path, kmHeaders(), map[string]string{"sensitiveData": "x", "signature": "y"}, nagadsim.ReasonInvalidSensitive)

	status, raw := e.do(t, "POST", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250.00", "250"))
	if status != 200 {
		t.Fatalf("partial: %d %s", status, raw)
	}
	ans := e.openAnswer(t, raw)
	if ans["status"] != "PartialRefunded" || ans["code"] != "000" || ans["originalAmount"] != "1250" || ans["cancelAmount"] != "250.00" || len(ans["cancelTrxId"].(string)) != 8 {
		t.Fatalf("partial answer %v", ans)
	}
	_, v := e.verify(t, ref)
	if v["status"] != nagadsim.StatusPartialCancelled || v["cancelIssuerRefNo"] != ans["cancelTrxId"] || v["cancelIssuerDateTime"] != "2025-01-14 15:30:12.0" {
		t.Fatalf("verify after partial: %v", v)
	}

	// [S] sends only ?orderId=.
	status, raw = e.do(t, "POST", "/api/dfs/purchase/cancel?orderId=cancelOrd1", kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1000.00"))
	if status != 200 {
		t.Fatalf("rest: %d %s", status, raw)
	}
	if ans := e.openAnswer(t, raw); ans["status"] != "Refunded" || ans["cancelAmount"] != "1000.00" {
		t.Fatalf("rest answer %v", ans)
	}
	if _, v := e.verify(t, ref); v["status"] != nagadsim.StatusCancelled {
		t.Fatalf("verify after full: %v", v["status"])
	}
	refuse("nothing left", path, kmHeaders(), e.cancelBody(t, "cancelOrd1", "20250114", "1250", "1"), nagadsim.ReasonPurchaseState)

	unpaid, _ := e.open(t, "cancelOrd2", "10")
	refuse("unpaid", "/api/dfs/purchase/cancel?paymentRefId="+url.QueryEscape(unpaid), kmHeaders(), e.cancelBody(t, "cancelOrd2", "20250114", "10", "10"), nagadsim.ReasonPurchaseState)
}

// TestCancelOnALaterDay: a payment of one day is refunded on a later one
// with that later day as originalRequestDate (Nagad's sample: "Change date
// to the current date"); the payment's own date no longer is today's and
// is refused. Just after midnight yesterday's date is still taken.
func TestCancelOnALaterDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref := e.paid(t, "laterOrd1", "500.00") // 2025-01-14 in Dhaka
	path := "/api/dfs/purchase/cancel?paymentRefId=" + url.QueryEscape(ref) + "&orderId=laterOrd1"

	e.clock.Set(time.Date(2025, 1, 14, 18, 2, 0, 0, time.UTC)) // 2025-01-15 00:02 in Dhaka
	status, raw := e.do(t, "POST", path, kmHeaders(), e.cancelBody(t, "laterOrd1", "20250114", "500", "1"))
	if status != 200 {
		t.Fatalf("dated just before midnight, sent just after: %d %s", status, raw)
	}
	status, raw = e.do(t, "POST", path, kmHeaders(), e.cancelBody(t, "laterOrd1", "20250115", "500", "2"))
	if status != 200 {
		t.Fatalf("dated today: %d %s", status, raw)
	}

	e.clock.Set(time.Date(2025, 1, 20, 6, 0, 0, 0, time.UTC)) // 2025-01-20 12:00 in Dhaka
	for _, date := range []string{"20250114", "20250119", "20250121"} {
		status, raw := e.do(t, "POST", path, kmHeaders(), e.cancelBody(t, "laterOrd1", date, "500", "1"))
		if got := reason(t, status, raw); got != nagadsim.ReasonInvalidSensitive {
			t.Errorf("dated %s on 2025-01-20: reason %s (%s), want %s", date, got, raw, nagadsim.ReasonInvalidSensitive)
		}
	}
	status, raw = e.do(t, "POST", path, kmHeaders(), e.cancelBody(t, "laterOrd1", "20250120", "500", "3"))
	if status != 200 {
		t.Fatalf("a week later, dated that day: %d %s", status, raw)
	}
	if ans := e.openAnswer(t, raw); ans["status"] != "PartialRefunded" || ans["cancelAmount"] != "3.00" {
		t.Fatalf("answer %v", ans)
	}
}
