package bkashsim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

// approvedPayment returns a token and the paymentID of a payment approved on the page.
func approvedPayment(e *env) (tok, id string) {
	tok, _ = e.grant()
	c := e.create(tok, "250.00")
	e.approve(c, "01770618575")
	return tok, c.str(e.t, "paymentID")
}

// executeWith calls execute with client c; err is the transport error, if any.
func (e *env) executeWith(c *http.Client, tok, id string) (reply, error) {
	return e.do(c, http.MethodPost, e.api+"/execute",
		map[string]string{"Authorization": tok, "X-APP-Key": e.creds.AppKey}, map[string]string{"paymentID": id})
}

func TestNoAnswerAfterExecuteStillCompletesThePayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, id := approvedPayment(e)
	e.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultNoAnswer, After: true, Times: 1})

	impatient := &http.Client{Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := e.executeWith(impatient, tok, id)
	require.Error(t, err, "execute gives no answer")
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
	assert.Equal(t, "Completed", q.str(t, "transactionStatus"), "money moved")
	assert.Regexp(t, trxIDPattern, q.str(t, "trxID"))
	assert.Equal(t, "2117", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t))
	assert.Empty(t, e.sim.Faults(), "Times: 1 cleared the fault")
	assert.Equal(t, 2, e.sim.Stats()[bkashsim.EndpointExecute])
}

func TestNoAnswerBeforeExecuteMovesNoMoney(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, id := approvedPayment(e)
	e.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultNoAnswer, Times: 1})

	_, err := e.executeWith(&http.Client{Timeout: 200 * time.Millisecond}, tok, id)
	require.Error(t, err)
	q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
	assert.Equal(t, "Initiated", q.str(t, "transactionStatus"))
	assert.Equal(t, "0000", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t), "a retry executes")
}

func TestDropFault(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{false, true} {
		e := newEnv(t, nil)
		tok, id := approvedPayment(e)
		e.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: after, Times: 1})

		_, err := e.executeWith(e.client, tok, id)
		require.Error(t, err, "after=%v: the connection is closed without a response", after)

		q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
		if after {
			assert.Equal(t, "Completed", q.str(t, "transactionStatus"))
			assert.Equal(t, "2117", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t))
		} else {
			assert.Equal(t, "Initiated", q.str(t, "transactionStatus"))
			assert.Equal(t, "0000", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t))
		}
	}
}

func TestNoAnswerIsReleasedByClearFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	e.sim.SetFault(bkashsim.EndpointQuery, bkashsim.Fault{Mode: bkashsim.FaultNoAnswer})

	done := make(chan error, 1)
	go func() {
		_, err := e.do(&http.Client{}, http.MethodPost, e.api+"/payment/status",
			map[string]string{"Authorization": tok, "X-APP-Key": e.creds.AppKey}, map[string]string{"paymentID": "x"})
		done <- err
	}()
	require.Eventually(t, func() bool { return e.sim.Stats()[bkashsim.EndpointQuery] == 1 }, 2*time.Second, 5*time.Millisecond)
	select {
	case <-done:
		t.Fatal("the request was answered while the fault was set")
	case <-time.After(100 * time.Millisecond):
	}
	e.sim.ClearFaults()
	select {
	case err := <-done:
		assert.Error(t, err, "closed without a response")
	case <-time.After(2 * time.Second):
		t.Fatal("ClearFaults did not release the held request")
	}
	assert.Equal(t, "2002", e.call(tok, "/payment/status", map[string]string{"paymentID": "x"}).code(t))
}

func TestMaintenanceAndHTMLFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()

	e.sim.SetFault(bkashsim.EndpointCreate, bkashsim.Fault{Mode: bkashsim.Fault503, Times: 1})
	r := e.call(tok, "/create", createBody("10", nil))
	assert.Equal(t, http.StatusServiceUnavailable, r.Status)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, map[string]any{"statusCode": "503", "statusMessage": "System is undergoing maintenance. Please try again later"}, r.Body)
	assert.Equal(t, "0000", e.call(tok, "/create", createBody("10", nil)).code(t), "Times: 1")

	e.sim.SetFault(bkashsim.EndpointCreate, bkashsim.Fault{Mode: bkashsim.FaultHTML})
	for range 3 {
		r = e.call(tok, "/create", createBody("10", nil))
		assert.Equal(t, http.StatusBadGateway, r.Status)
		assert.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
		assert.Contains(t, r.Raw, "<html>")
	}
	e.sim.ClearFaults()
	assert.Equal(t, "0000", e.call(tok, "/create", createBody("10", nil)).code(t))
}

func TestAfterFaultReplacesTheAnswerOfARefund(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "100", "01770618575")
	e.sim.SetFault(bkashsim.EndpointRefund, bkashsim.Fault{Mode: bkashsim.Fault503, After: true, Times: 1})

	r := e.call(tok, "/payment/refund", refundBody(id, trx, "40"))
	assert.Equal(t, http.StatusServiceUnavailable, r.Status)
	s := e.call(tok, "/payment/refund", map[string]string{"paymentID": id, "trxID": trx})
	assert.Equal(t, "40.00", s.str(t, "amount"), "the refund happened; refund status shows it")
}

func TestDelayFault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	e.sim.SetFault(bkashsim.EndpointQuery, bkashsim.Fault{Delay: 150 * time.Millisecond, Times: 2})

	for range 2 {
		start := time.Now()
		r := e.call(tok, "/payment/status", map[string]string{"paymentID": "x"})
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
		assert.Equal(t, "2002", r.code(t))
	}
	start := time.Now()
	e.call(tok, "/payment/status", map[string]string{"paymentID": "x"})
	assert.Less(t, time.Since(start), 150*time.Millisecond, "the fault cleared after Times calls")
}

func TestFaultsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, id := approvedPayment(e)

	r := e.mustDo(http.MethodPost, e.public+"/faults", nil,
		`{"endpoint":"execute","mode":"drop","after":true,"delay_ms":0,"times":1}`)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, map[string]bkashsim.Fault{bkashsim.EndpointExecute: {Mode: bkashsim.FaultDrop, After: true, Times: 1}}, e.sim.Faults())

	r = e.mustDo(http.MethodGet, e.public+"/faults", nil, nil)
	assert.JSONEq(t, `[{"endpoint":"execute","mode":"drop","after":true,"delay_ms":0,"times":1}]`, r.Raw)

	_, err := e.executeWith(e.client, tok, id)
	require.Error(t, err)
	assert.Equal(t, "Completed", e.call(tok, "/payment/status", map[string]string{"paymentID": id}).str(t, "transactionStatus"))

	for _, bad := range []string{
		`{"endpoint":"nope","mode":"drop"}`,
		`{"endpoint":"execute","mode":"explode"}`,
		`{"endpoint":"execute","mode":"drop","times":-1}`,
		`not json`,
	} {
		r = e.mustDo(http.MethodPost, e.public+"/faults", nil, bad)
		assert.Equal(t, http.StatusBadRequest, r.Status, bad)
		assert.NotEmpty(t, r.Body["message"], bad)
	}

	e.mustDo(http.MethodPost, e.public+"/faults", nil, `{"endpoint":"grant","mode":"503","delay_ms":5}`)
	assert.Len(t, e.sim.Faults(), 1)
	assert.Equal(t, 5*time.Millisecond, e.sim.Faults()[bkashsim.EndpointGrant].Delay)
	r = e.mustDo(http.MethodDelete, e.public+"/faults", nil, nil)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.JSONEq(t, `[]`, r.Raw)
	assert.Empty(t, e.sim.Faults())
}
