package bkashsim_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

var (
	paymentIDPattern = regexp.MustCompile(`^TR0011[A-Za-z0-9]{7}[0-9]{13}$`)
	trxIDPattern     = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	timePattern      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}:\d{3} GMT\+0600$`)
)

func TestFormatTime(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "2025-11-24T21:20:00:123 GMT+0600", bkashsim.FormatTime(t0))
}

func TestCreateAnswersTheSpecShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()

	r := e.call(tok, "/create", createBody("500", map[string]any{"payerReference": "01770618575"}))

	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.ElementsMatch(t, []string{
		"paymentID", "bkashURL", "callbackURL", "successCallbackURL", "failureCallbackURL",
		"cancelledCallbackURL", "amount", "intent", "currency", "paymentCreateTime",
		"transactionStatus", "merchantInvoiceNumber", "statusCode", "statusMessage",
	}, r.keys())
	id := r.str(t, "paymentID")
	assert.Regexp(t, paymentIDPattern, id)
	assert.True(t, strings.HasSuffix(id, fmt.Sprint(t0.UnixMilli())), "paymentID ends with the epoch ms")

	bkashURL := r.str(t, "bkashURL")
	assert.True(t, strings.HasPrefix(bkashURL, e.public+"/checkout?paymentId="+id+"&hash="), bkashURL)
	assert.True(t, strings.HasSuffix(bkashURL, "&mode=0011&apiVersion=v1.2.0-beta/"), bkashURL)

	cb := "https://shop.test/bkash/callback"
	assert.Equal(t, cb, r.str(t, "callbackURL"))
	success := r.str(t, "successCallbackURL")
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(cb+"?paymentID="+id+"&status=success&signature=") + `([A-Za-z0-9]{10})$`).FindStringSubmatch(success)
	require.NotNil(t, m, success)
	sig := m[1]
	assert.Equal(t, cb+"?paymentID="+id+"&status=failure&signature="+sig, r.str(t, "failureCallbackURL"))
	assert.Equal(t, cb+"?paymentID="+id+"&status=cancel&signature="+sig, r.str(t, "cancelledCallbackURL"))

	assert.Equal(t, "500", r.str(t, "amount"), "amount echoed exactly as sent")
	assert.Equal(t, "sale", r.str(t, "intent"))
	assert.Equal(t, "BDT", r.str(t, "currency"))
	assert.Equal(t, "2025-11-24T21:20:00:123 GMT+0600", r.str(t, "paymentCreateTime"))
	assert.Equal(t, "Initiated", r.str(t, "transactionStatus"))
	assert.Equal(t, "INV-10042", r.str(t, "merchantInvoiceNumber"))
	assert.Equal(t, "0000", r.code(t))
	assert.Equal(t, "Successful", r.str(t, "statusMessage"))
	assert.NotContains(t, r.Raw, `\u0026`, "URLs keep a literal &")
}

func TestCreateEchoesAmountAndKeepsCallbackQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()

	r := e.call(tok, "/create", `{"mode":"0011","payerReference":" ","callbackURL":"https://shop.test/cb?order=42",`+
		`"amount":10,"currency":"BDT","intent":"sale","merchantInvoiceNumber":"INV-1"}`)
	require.Equal(t, "0000", r.code(t), r.Raw)
	assert.Equal(t, "10", r.str(t, "amount"), "a JSON number amount is accepted and echoed")
	assert.True(t, strings.HasPrefix(r.str(t, "successCallbackURL"), "https://shop.test/cb?order=42&paymentID="))

	r = e.call(tok, "/create", createBody("599.50", nil))
	assert.Equal(t, "599.50", r.str(t, "amount"))
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	long := strings.Repeat("x", 256)
	tests := []struct {
		name      string
		overrides map[string]any
		code      string
	}{
		{"mode missing", map[string]any{"mode": nil}, "2065"},
		{"mode agreement", map[string]any{"mode": "0000"}, "2063"},
		{"payerReference missing", map[string]any{"payerReference": nil}, "2065"},
		{"payerReference empty", map[string]any{"payerReference": ""}, "2048"},
		{"payerReference too long", map[string]any{"payerReference": long}, "2048"},
		{"callbackURL missing", map[string]any{"callbackURL": nil}, "2065"},
		{"callbackURL empty", map[string]any{"callbackURL": ""}, "2049"},
		{"callbackURL relative", map[string]any{"callbackURL": "/cb"}, "2049"},
		{"callbackURL ftp", map[string]any{"callbackURL": "ftp://shop.test/cb"}, "2049"},
		{"amount missing", map[string]any{"amount": nil}, "2065"},
		{"amount zero", map[string]any{"amount": "0.00"}, "2006"},
		{"amount negative", map[string]any{"amount": "-5"}, "2006"},
		{"amount three decimals", map[string]any{"amount": "1.005"}, "2006"},
		{"amount text", map[string]any{"amount": "ten"}, "2006"},
		{"amount bare dot", map[string]any{"amount": "10."}, "2006"},
		{"amount object", map[string]any{"amount": map[string]int{"v": 1}}, "2006"},
		{"currency USD", map[string]any{"currency": "USD"}, "2007"},
		{"currency missing", map[string]any{"currency": nil}, "2065"},
		{"intent authorization", map[string]any{"intent": "authorization"}, "2008"},
		{"intent missing", map[string]any{"intent": nil}, "2065"},
		{"invoice missing", map[string]any{"merchantInvoiceNumber": nil}, "2065"},
		{"invoice blank", map[string]any{"merchantInvoiceNumber": "  "}, "2031"},
		{"invoice too long", map[string]any{"merchantInvoiceNumber": long}, "2031"},
	}
	for _, tt := range tests {
		r := e.call(tok, "/create", createBody("250.00", tt.overrides))
		assert.Equal(t, http.StatusOK, r.Status, tt.name)
		assert.Equal(t, tt.code, r.code(t), tt.name)
		assert.NotEmpty(t, r.str(t, "statusMessage"), tt.name)
		assert.Len(t, r.Body, 2, "%s: errors carry only statusCode and statusMessage", tt.name)
	}
	assert.Equal(t, "2025", e.call(tok, "/create", "not json").code(t))
	assert.Equal(t, "2065", e.call(tok, "/create", map[string]string{}).code(t))
}

func TestExecuteCompletesOnceAfterApproval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "250.00")
	id := c.str(t, "paymentID")
	exec := func() reply { return e.call(tok, "/execute", map[string]string{"paymentID": id}) }

	r := exec()
	assert.Equal(t, map[string]any{"statusCode": "2056", "statusMessage": "Invalid Payment State"}, r.Body, "before approval")

	e.approve(c, "01770618575")
	e.clock.Advance(65 * time.Second)
	r = exec()
	require.Equal(t, "0000", r.code(t), r.Raw)
	assert.ElementsMatch(t, []string{
		"paymentID", "trxID", "transactionStatus", "amount", "currency", "intent", "paymentExecuteTime",
		"merchantInvoiceNumber", "payerType", "payerReference", "customerMsisdn", "payerAccount",
		"maxRefundableAmount", "statusCode", "statusMessage",
	}, r.keys())
	assert.Equal(t, id, r.str(t, "paymentID"))
	assert.Regexp(t, trxIDPattern, r.str(t, "trxID"))
	assert.Equal(t, "Completed", r.str(t, "transactionStatus"))
	assert.Equal(t, "250.00", r.str(t, "amount"))
	assert.Equal(t, "BDT", r.str(t, "currency"))
	assert.Equal(t, "sale", r.str(t, "intent"))
	assert.Equal(t, "2025-11-24T21:21:05:123 GMT+0600", r.str(t, "paymentExecuteTime"))
	assert.Equal(t, "INV-10042", r.str(t, "merchantInvoiceNumber"))
	assert.Equal(t, "Customer", r.str(t, "payerType"))
	assert.Equal(t, " ", r.str(t, "payerReference"))
	assert.Equal(t, "01770618575", r.str(t, "customerMsisdn"))
	assert.Equal(t, "01770618575", r.str(t, "payerAccount"))
	assert.Equal(t, "250.00", r.str(t, "maxRefundableAmount"))
	assert.Equal(t, "Successful", r.str(t, "statusMessage"))

	r = exec()
	assert.Equal(t, map[string]any{"statusCode": "2117", "statusMessage": "Payment execution already been called before"}, r.Body)

	assert.Equal(t, "2002", e.call(tok, "/execute", map[string]string{"paymentID": "TR0011nothere"}).code(t))
	assert.Equal(t, "2065", e.call(tok, "/execute", map[string]string{}).code(t))
}

func TestExecuteFailureWallets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	tests := []struct {
		wallet string
		want   map[string]any
	}{
		{bkashsim.WalletInsufficientBalance, map[string]any{"statusCode": "2023", "statusMessage": "Insufficient Balance"}},
		{bkashsim.WalletDebitBlock, map[string]any{"statusCode": "2037",
			"statusMessage": "The account of the debit party is in a state which prohibits execution of this transaction"}},
	}
	for _, tt := range tests {
		c := e.create(tok, "100")
		id := c.str(t, "paymentID")
		e.approve(c, tt.wallet)
		r := e.call(tok, "/execute", map[string]string{"paymentID": id})
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, tt.want, r.Body, tt.wallet)
		assert.Equal(t, "2117", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t), tt.wallet)
		q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
		assert.Equal(t, "Declined", q.str(t, "transactionStatus"), tt.wallet)
		assert.NotContains(t, q.Body, "trxID")
		info, ok := e.sim.Payment(id)
		require.True(t, ok)
		assert.Equal(t, tt.want["statusCode"], info.FailureCode)
	}
}

func TestConcurrentExecutesCompleteExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "250.00")
	e.approve(c, "01929918378")
	id := c.str(t, "paymentID")

	const n = 20
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := e.do(e.client, http.MethodPost, e.api+"/execute",
				map[string]string{"Authorization": tok, "X-APP-Key": e.creds.AppKey}, map[string]string{"paymentID": id})
			if err == nil {
				codes[i], _ = r.Body["statusCode"].(string)
			}
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	assert.Equal(t, map[string]int{"0000": 1, "2117": n - 1}, count)
	assert.Equal(t, n, e.sim.Stats()[bkashsim.EndpointExecute])
}

func TestQueryShapesBeforeAndAfterPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "99")
	id := c.str(t, "paymentID")
	query := func() reply { return e.call(tok, "/payment/status", map[string]string{"paymentID": id}) }

	r := query()
	assert.ElementsMatch(t, []string{
		"paymentID", "mode", "paymentCreateTime", "amount", "currency", "intent", "merchantInvoice",
		"transactionStatus", "verificationStatus", "payerReference", "statusCode", "statusMessage",
	}, r.keys())
	assert.Equal(t, id, r.str(t, "paymentID"))
	assert.Equal(t, "0011", r.str(t, "mode"))
	assert.Equal(t, "2025-11-24T21:20:00:123 GMT+0600", r.str(t, "paymentCreateTime"))
	assert.Equal(t, "99", r.str(t, "amount"))
	assert.Equal(t, "INV-10042", r.str(t, "merchantInvoice"))
	assert.Equal(t, "Initiated", r.str(t, "transactionStatus"))
	assert.Equal(t, "Incomplete", r.str(t, "verificationStatus"))
	assert.Equal(t, " ", r.str(t, "payerReference"))
	assert.Equal(t, "0000", r.code(t))

	e.approve(c, "01770618576")
	r = query()
	assert.Equal(t, "Initiated", r.str(t, "transactionStatus"), "approved but not executed")
	assert.NotContains(t, r.Body, "trxID")

	e.clock.Advance(time.Minute)
	x := e.call(tok, "/execute", map[string]string{"paymentID": id})
	require.Equal(t, "0000", x.code(t))
	r = query()
	assert.ElementsMatch(t, []string{
		"paymentID", "mode", "paymentCreateTime", "paymentExecuteTime", "amount", "currency", "intent",
		"merchantInvoice", "trxID", "transactionStatus", "verificationStatus", "payerReference",
		"statusCode", "statusMessage",
	}, r.keys())
	assert.Equal(t, x.str(t, "trxID"), r.str(t, "trxID"))
	assert.Equal(t, "Completed", r.str(t, "transactionStatus"))
	assert.Equal(t, "Complete", r.str(t, "verificationStatus"))
	assert.Equal(t, x.str(t, "paymentExecuteTime"), r.str(t, "paymentExecuteTime"))
	assert.Regexp(t, timePattern, r.str(t, "paymentExecuteTime"))

	r = e.call(tok, "/payment/status", map[string]string{"paymentID": "TR0011unknown1764000000000"})
	assert.Equal(t, map[string]any{"statusCode": "2002", "statusMessage": "Invalid Payment ID"}, r.Body)
}

func TestSearchTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	_, trx := e.pay(tok, "250", "01877722345")

	r := e.call(tok, "/general/searchTransaction", map[string]string{"trxID": trx})
	assert.ElementsMatch(t, []string{
		"trxID", "initiationTime", "completedTime", "transactionType", "customerMsisdn", "transactionStatus",
		"amount", "currency", "organizationShortCode", "statusCode", "statusMessage",
	}, r.keys())
	assert.Equal(t, trx, r.str(t, "trxID"))
	assert.Equal(t, "bKash Tokenized Checkout via API", r.str(t, "transactionType"))
	assert.Equal(t, "01877722345", r.str(t, "customerMsisdn"))
	assert.Equal(t, "Completed", r.str(t, "transactionStatus"))
	assert.Equal(t, "250.00", r.str(t, "amount"))
	assert.Equal(t, "BDT", r.str(t, "currency"))
	assert.Regexp(t, timePattern, r.str(t, "completedTime"))
	assert.Regexp(t, timePattern, r.str(t, "initiationTime"))
	assert.Equal(t, "0000", r.code(t))

	r = e.call(tok, "/general/searchTransaction", map[string]string{"trxID": "ZZZZZZZZZZ"})
	assert.Equal(t, map[string]any{"statusCode": "2033", "statusMessage": "Transaction not found"}, r.Body)
}

func TestDuplicateWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkashsim.Config) { c.DuplicateWindow = 2 * time.Minute })
	tok, _ := e.grant()
	e.pay(tok, "300", "01619777282")

	c := e.create(tok, "300.00")
	e.approve(c, "01619777282")
	r := e.call(tok, "/execute", map[string]string{"paymentID": c.str(t, "paymentID")})
	assert.Equal(t, map[string]any{"statusCode": "2029", "statusMessage": "Duplicate for all transactions"}, r.Body)

	e.pay(tok, "301", "01619777282") // another amount
	e.pay(tok, "300", "01619777283") // another wallet
	e.clock.Advance(2 * time.Minute)
	e.pay(tok, "301", "01619777282") // window over
}

func TestUnpaidPaymentExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkashsim.Config) { c.PaymentTimeout = 10 * time.Minute })
	tok, _ := e.grant()
	c := e.create(tok, "50")
	e.clock.Advance(10 * time.Minute)

	resp, err := e.client.Get(c.str(t, "bkashURL"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	r := e.call(tok, "/payment/status", map[string]string{"paymentID": c.str(t, "paymentID")})
	assert.Equal(t, "Expired", r.str(t, "transactionStatus"))
	assert.Equal(t, "2056", e.call(tok, "/execute", map[string]string{"paymentID": c.str(t, "paymentID")}).code(t))
}
