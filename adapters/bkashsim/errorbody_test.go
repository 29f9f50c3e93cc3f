package bkashsim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

// SetErrorBody answers {"errorCode","errorMessage"} (docs/gateways/bkash.md
// §10.3) and the operation does not happen: the execute is refused, the
// payment stays Initiated and a later execute completes it.
func TestErrorBodyAtExecuteRefusesWithoutEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, id := approvedPayment(e)
	e.sim.SetErrorBody(bkashsim.EndpointExecute, bkashsim.ErrorBody{Code: "2056", Message: "Invalid Payment State", Times: 1})

	r := e.call(tok, "/execute", map[string]string{"paymentID": id})
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, map[string]any{"errorCode": "2056", "errorMessage": "Invalid Payment State"}, r.Body)
	q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
	assert.Equal(t, "Initiated", q.str(t, "transactionStatus"))
	assert.Equal(t, "0000", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t), "Times: 1 cleared it")
	assert.Equal(t, 2, e.sim.Stats()[bkashsim.EndpointExecute])
}

func TestErrorBodyAtCreateAndRefund(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	e.sim.SetErrorBody(bkashsim.EndpointCreate, bkashsim.ErrorBody{Code: "2029", Message: "Duplicate for all transactions", HTTPStatus: http.StatusBadRequest})
	for range 2 {
		r := e.call(tok, "/create", createBody("250.00", nil))
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Equal(t, "2029", r.str(t, "errorCode"))
	}
	e.sim.SetErrorBody(bkashsim.EndpointCreate, bkashsim.ErrorBody{})
	require.Equal(t, "0000", e.create(tok, "250.00").code(t), "a zero ErrorBody removes it")

	id, trx := e.pay(tok, "250.00", "01770618575")
	e.sim.SetErrorBody(bkashsim.EndpointRefund, bkashsim.ErrorBody{Code: "2071", Message: "Refund window passed"})
	r := e.call(tok, "/payment/refund", map[string]string{"paymentID": id, "trxID": trx, "amount": "10.00", "sku": "s", "reason": "r"})
	assert.Equal(t, "2071", r.str(t, "errorCode"))
	e.sim.ClearErrorBodies()
	st := e.call(tok, "/payment/refund", map[string]string{"paymentID": id, "trxID": trx})
	assert.NotEqual(t, "0000", st.code(t), "the refused refund moved no money")
}
