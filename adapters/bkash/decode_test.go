package bkash_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/domain"
)

var dhakaZone = time.FixedZone("+06", 6*3600)

func at(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ms*int(time.Millisecond), dhakaZone)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqMoney(t *testing.T, what string, got domain.Money, minor int64) {
	t.Helper()
	if !got.Equal(bdt(minor)) {
		t.Errorf("%s = %v, want %s BDT", what, got, domain.FormatMinor(minor, 2))
	}
}

// TestDecodeFixtures decodes captured answers of every call
// (docs/gateways/bkash.md §4–§9) and the drift variants bKash is known to send (docs/gateways/bkash.md §11.3).
func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"grant", func(t *testing.T) {
			r := decode[bkash.TokenResponse](t, fxGrant)
			eq(t, "statusCode", r.StatusCode, "0000")
			eq(t, "id_token", r.IDToken, "eyJraWQiOiJzaW0iLCJhbGciOiJSUzI1NiJ9.e30.c2ln")
			eq(t, "refresh_token", r.RefreshToken, "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.cmVm.aXY.Y3Q.dGFn")
			eq(t, "token_type", r.TokenType, "Bearer")
			eq(t, "expires_in", r.ExpiresIn, 3600)
		}},
		{"grant with expires_in as a string", func(t *testing.T) {
			r := decode[bkash.TokenResponse](t, `{"statusCode":"0000","id_token":"a","expires_in":"3600"}`)
			eq(t, "expires_in", r.ExpiresIn, 3600)
		}},
		{"create", func(t *testing.T) {
			r := decode[bkash.CreateResponse](t, fxCreate)
			eq(t, "paymentID", r.PaymentID, fxPaymentID)
			eq(t, "bkashURL", r.BkashURL, "https://sandbox.payment.bkash.com/?paymentId=TR0011kq7Zs2P1764000000123&hash=Xk2!pQ9(zL.8vT_1764000000124&mode=0011&apiVersion=v1.2.0-beta/")
			eqMoney(t, "amount", r.Amount, 25000)
			eq(t, "currency", r.Currency, "BDT")
			eq(t, "intent", r.Intent, "sale")
			eqTime(t, "paymentCreateTime", r.PaymentCreateTime, at(2025, 11, 24, 21, 20, 0, 123))
			eq(t, "transactionStatus", r.TransactionStatus, "Initiated")
			eq(t, "merchantInvoiceNumber", r.MerchantInvoiceNumber, fxInvoice)
			eq(t, "signature", r.Signature(), "Hq3mV0pZ7c")
			eq(t, "cancelledCallbackURL", r.CancelledCallbackURL, "https://shop.test/bkash/callback?paymentID=TR0011kq7Zs2P1764000000123&status=cancel&signature=Hq3mV0pZ7c")
		}},
		{"create with paymentId, bKashURL, amount 500 and GMT+0000", func(t *testing.T) {
			r := decode[bkash.CreateResponse](t, `{"paymentId":"TR0011x","bKashURL":"https://p/?x","amount":"500","paymentCreateTime":"2025-11-02T14:29:02:166 GMT+0000","statusCode":"0000"}`)
			eq(t, "paymentID", r.PaymentID, "TR0011x")
			eq(t, "bkashURL", r.BkashURL, "https://p/?x")
			eqMoney(t, "amount", r.Amount, 50000)
			eqTime(t, "paymentCreateTime", r.PaymentCreateTime, time.Date(2025, 11, 2, 14, 29, 2, 166e6, time.UTC))
			eq(t, "signature", r.Signature(), "")
		}},
		{"execute success", func(t *testing.T) {
			r := decode[bkash.ExecuteResponse](t, fxExecute)
			eq(t, "paymentID", r.PaymentID, fxPaymentID)
			eq(t, "trxID", r.TrxID, fxTrxID)
			eq(t, "transactionStatus", r.TransactionStatus, "Completed")
			eqMoney(t, "amount", r.Amount, 25000)
			eqMoney(t, "maxRefundableAmount", r.MaxRefundableAmount, 25000)
			eqTime(t, "paymentExecuteTime", r.PaymentExecuteTime, at(2025, 11, 24, 21, 21, 5, 456))
			eq(t, "merchantInvoiceNumber", r.MerchantInvoiceNumber, fxInvoice)
			eq(t, "payerType", r.PayerType, "Customer")
			eq(t, "customerMsisdn", r.CustomerMsisdn, "01770618575")
			eq(t, "payerAccount", r.PayerAccount, "01770618575")
			eq(t, "statusCode", r.StatusCode, "0000")
		}},
		{"execute success, amount 500 vs 500.00 and trxId", func(t *testing.T) {
			a := decode[bkash.ExecuteResponse](t, `{"trxId":"CK1","amount":"500","statusCode":"0000"}`)
			b := decode[bkash.ExecuteResponse](t, `{"trxID":"CK1","amount":"500.00","statusCode":"0000"}`)
			c := decode[bkash.ExecuteResponse](t, `{"trxID":"CK1","amount":500,"statusCode":"0000"}`)
			eq(t, "trxId", a.TrxID, "CK1")
			eqMoney(t, `"500"`, a.Amount, 50000)
			eqMoney(t, `"500.00"`, b.Amount, 50000)
			eqMoney(t, `500`, c.Amount, 50000)
			eq(t, `"500" == "500.00"`, a.Amount.Equal(b.Amount), true)
		}},
		{"execute insufficient balance", func(t *testing.T) {
			r := decode[bkash.ExecuteResponse](t, fxExecute2023)
			eq(t, "statusCode", r.StatusCode, "2023")
			eq(t, "statusMessage", r.StatusMessage, "Insufficient Balance")
			eq(t, "amount absent", r.Amount, domain.Money{})
			eq(t, "time absent", r.PaymentExecuteTime.IsZero(), true)
		}},
		{"execute called twice", func(t *testing.T) {
			r := decode[bkash.ExecuteResponse](t, fxExecute2117)
			eq(t, "statusCode", r.StatusCode, "2117")
			eq(t, "statusMessage", r.StatusMessage, "Payment execution already been called before")
		}},
		{"query completed (merchantInvoice)", func(t *testing.T) {
			r := decode[bkash.QueryResult](t, fxQuery)
			eq(t, "paymentID", r.PaymentID, fxPaymentID)
			eq(t, "mode", r.Mode, "0011")
			eq(t, "merchantInvoice", r.MerchantInvoice, fxInvoice)
			eq(t, "trxID", r.TrxID, fxTrxID)
			eq(t, "transactionStatus", r.TransactionStatus, "Completed")
			eq(t, "verificationStatus", r.VerificationStatus, "Complete")
			eqMoney(t, "amount", r.Amount, 25000)
			eqTime(t, "paymentCreateTime", r.PaymentCreateTime, at(2025, 11, 24, 21, 20, 0, 123))
			eqTime(t, "paymentExecuteTime", r.PaymentExecuteTime, at(2025, 11, 24, 21, 21, 5, 456))
		}},
		{"query initiated, amount 99", func(t *testing.T) {
			r := decode[bkash.QueryResult](t, fxQueryInitiated)
			eq(t, "transactionStatus", r.TransactionStatus, "Initiated")
			eq(t, "verificationStatus", r.VerificationStatus, "Incomplete")
			eqMoney(t, "amount", r.Amount, 9900)
			eq(t, "merchantInvoice", r.MerchantInvoice, "INV-10043")
			eq(t, "payerReference", r.PayerReference, " ")
			eq(t, "trxID", r.TrxID, "")
			eq(t, "no execute time", r.PaymentExecuteTime.IsZero(), true)
		}},
		{"query with merchantInvoiceNumber instead", func(t *testing.T) {
			r := decode[bkash.QueryResult](t, `{"merchantInvoiceNumber":"INV-1","statusCode":"0000"}`)
			eq(t, "merchantInvoice", r.MerchantInvoice, "INV-1")
		}},
		{"search", func(t *testing.T) {
			r := decode[bkash.SearchResult](t, fxSearch)
			eq(t, "trxID", r.TrxID, fxTrxID)
			eqTime(t, "initiationTime", r.InitiationTime, at(2025, 11, 24, 21, 21, 3, 0))
			eqTime(t, "completedTime", r.CompletedTime, at(2025, 11, 24, 21, 21, 3, 0))
			eq(t, "transactionType", r.TransactionType, "bKash Tokenized Checkout via API")
			eq(t, "organizationShortCode", r.OrganizationShortCode, "50022")
			eqMoney(t, "amount", r.Amount, 25000)
		}},
		{"refund v1", func(t *testing.T) {
			r := decode[bkash.RefundResult](t, fxRefund)
			eq(t, "originalTrxID", r.OriginalTrxID, fxTrxID)
			eq(t, "refundTrxID", r.RefundTrxID, "CKQ80ZC1AB")
			eq(t, "completed", r.Completed(), true)
			eqMoney(t, "amount", r.Amount, 10000)
			eqMoney(t, "charge", r.Charge, 0)
			eqTime(t, "completedTime", r.CompletedTime, at(2025, 11, 25, 10, 2, 11, 908))
		}},
		{"refund v1 without statusCode, zone-less completedTime", func(t *testing.T) {
			r := decode[bkash.RefundResult](t, `{"completedTime":"2025-11-25T10:02:11:908","transactionStatus":"Completed","originalTrxID":"CKQ70ZB4TM","refundTrxID":"CKQ80ZC1AB","amount":"100","currency":"BDT","charge":"0.00"}`)
			eq(t, "statusCode", r.StatusCode, "")
			eqMoney(t, "amount", r.Amount, 10000)
			eqTime(t, "completedTime (Asia/Dhaka)", r.CompletedTime, at(2025, 11, 25, 10, 2, 11, 908))
		}},
		{"refund v2", func(t *testing.T) {
			r := decode[bkash.RefundResult](t, fxRefundV2)
			eq(t, "originalTrxId", r.OriginalTrxID, fxTrxID)
			eq(t, "refundTrxId", r.RefundTrxID, "CKQ80ZC1AB")
			eq(t, "refundTransactionStatus", r.TransactionStatus, "Completed")
			eqMoney(t, "refundAmount", r.Amount, 10000)
			eqMoney(t, "originalTrxAmount", r.OriginalTrxAmount, 25000)
			eq(t, "sku", r.SKU, "SKU-1")
			eq(t, "reason", r.Reason, "customer return")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

func TestDecodeRejectsMalformedFields(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"amount":"12.345","statusCode":"0000"}`,
		`{"amount":"abc","statusCode":"0000"}`,
		`{"paymentExecuteTime":"yesterday","statusCode":"0000"}`,
		`[1,2]`,
	} {
		var r bkash.ExecuteResponse
		if err := json.Unmarshal([]byte(body), &r); err == nil {
			t.Errorf("%s: decoded without error", body)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-11-24T21:20:00:123 GMT+0600", at(2025, 11, 24, 21, 20, 0, 123)},
		{"2025-11-24T21:20:00:123", at(2025, 11, 24, 21, 20, 0, 123)},
		{"2025-11-24T21:20:00", at(2025, 11, 24, 21, 20, 0, 0)},
		{"2025-11-24T21:20:00:123 GMT+0000", time.Date(2025, 11, 24, 21, 20, 0, 123e6, time.UTC)},
		{"2024-07-25T19:35:17:574 GMT+0600", at(2024, 7, 25, 19, 35, 17, 574)},
		{"2025-11-24T21:20:00:123 GMT+06:00", at(2025, 11, 24, 21, 20, 0, 123)},
		{"2025-11-24T15:20:00.123Z", at(2025, 11, 24, 21, 20, 0, 123)},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, err := bkash.ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		eqTime(t, fmt.Sprintf("ParseTime(%q)", tt.in), got, tt.want)
	}
	if got, _ := bkash.ParseTime("2025-11-24T21:20:00:123"); got.UTC().Hour() != 15 {
		t.Errorf("zone-less time not read as UTC+6: %v", got.UTC())
	}
	for _, bad := range []string{"24/11/2025", "2025-11-24T21:20:00:123 GMT+6", "2025-11-24T21:20:00:123 PST"} {
		if _, err := bkash.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
