package bkashsim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

// callV2 posts body to a v2 path with the (v1.2) id_token and app key.
func (e *env) callV2(token, path string, body any) reply {
	e.t.Helper()
	return e.mustDo(http.MethodPost, e.public+bkashsim.APIPrefixV2+path,
		map[string]string{"Authorization": token, "X-APP-Key": e.creds.AppKey}, body)
}

func refundV2Body(paymentID, trxID, amount string) map[string]string {
	return map[string]string{"paymentId": paymentID, "trxId": trxID, "refundAmount": amount, "sku": "SKU-1", "reason": "customer return"}
}

// TestRefundV2PartialRefundsAndStatus: repeated partial v2 refunds answer
// the v2 shape; refund status lists them all; refusals are v2 errors.
func TestRefundV2PartialRefundsAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "250.00", "01770618575")

	r := e.callV2(tok, "/refund/payment/status", map[string]string{"paymentId": id, "trxId": trx})
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, []any{}, r.Body["refundTransactions"], "no refund yet")

	r = e.callV2(tok, "/refund/payment/transaction", refundV2Body(id, trx, "100"))
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.ElementsMatch(t, []string{"originalTrxId", "refundTrxId", "refundTransactionStatus", "originalTrxAmount",
		"refundAmount", "currency", "completedTime", "sku", "reason"}, r.keys())
	assert.Equal(t, trx, r.str(t, "originalTrxId"))
	assert.Equal(t, "Completed", r.str(t, "refundTransactionStatus"))
	assert.Equal(t, "250.00", r.str(t, "originalTrxAmount"))
	assert.Equal(t, "100.00", r.str(t, "refundAmount"))
	assert.Equal(t, "SKU-1", r.str(t, "sku"))
	first := r.str(t, "refundTrxId")

	r = e.callV2(tok, "/refund/payment/transaction", refundV2Body(id, trx, "50.50"))
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	second := r.str(t, "refundTrxId")
	assert.NotEqual(t, first, second)

	r = e.callV2(tok, "/refund/payment/transaction", refundV2Body(id, trx, "99.51"))
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "2072", r.str(t, "externalCode"))
	assert.Equal(t, "Refund amount not valid", r.str(t, "errorMessageEn"))

	noSKU := refundV2Body(id, trx, "1")
	delete(noSKU, "sku")
	r = e.callV2(tok, "/refund/payment/transaction", noSKU)
	assert.Equal(t, "2073", r.str(t, "externalCode"), "sku is required")

	r = e.callV2(tok, "/refund/payment/status", map[string]string{"paymentId": id, "trxId": trx})
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, trx, r.str(t, "originalTrxId"))
	items, _ := r.Body["refundTransactions"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, first, items[0].(map[string]any)["refundTrxId"])
	assert.Equal(t, "50.50", items[1].(map[string]any)["refundAmount"])

	r = e.callV2(tok, "/refund/payment/status", map[string]string{"paymentId": "TR0011nothere", "trxId": trx})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "2002", r.str(t, "externalCode"))

	r = e.callV2("bad-token", "/refund/payment/status", map[string]string{"paymentId": id, "trxId": trx})
	assert.Equal(t, http.StatusUnauthorized, r.Status)

	info, _ := e.sim.Payment(id)
	assert.Equal(t, int64(15050), info.RefundedPaisa)
	assert.Equal(t, 2, info.Refunds)
}
