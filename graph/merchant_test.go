package graph_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
)

// Tests of the merchant area: payments, dashboard, clientProfile,
// gatewayList, gatewayHealth, refundPayment, Payment.refunds and
// regenerateApiKeys.

// seedAt stores a payment of clientID created at t, in status st (paid
// through bKash unless pending), worth 1500.00 BDT of which refunded minor
// units went back.
func (e *env) seedAt(t *testing.T, id, clientID string, created time.Time, st domain.PaymentStatus, refunded int64) *domain.Payment {
	t.Helper()
	p := domain.Payment{
		ID:        id,
		Order:     domain.Order{ClientID: clientID, OrderID: "order-" + id},
		Amount:    domain.MustMoney(150000, "BDT"),
		Refunded:  domain.MustMoney(refunded, "BDT"),
		ExpiresAt: created.Add(time.Hour), CreatedAt: created, UpdatedAt: created, Version: 1,
	}
	if st != domain.StatusPending {
		p.Gateway, p.GatewayRef, p.TrxID = domain.GatewayBkash, "ref-"+id, "TRX-"+id
	}
	out := domain.PaymentFromDB(p, st)
	e.store.put(t, out)
	return out
}

// data posts query and decodes its data into out; it fails on any error.
func (e *env) data(t *testing.T, query string, vars map[string]any, hdr http.Header, out any) {
	t.Helper()
	status, res := e.post(t, query, vars, hdr)
	if status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("HTTP %d %+v (data %s)", status, res.Errors, res.Data)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		t.Fatalf("decode %s: %v", res.Data, err)
	}
}

type paymentsPage struct {
	Payments struct {
		Edges []struct {
			Cursor string
			Node   struct {
				TransactionID string
				Status        string
				Refunded      struct{ Amount, Currency string }
				PaymentURL    string
				Attempts      []struct{ ID string }
			}
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		TotalCount int64
	}
}

func (p paymentsPage) ids() []string {
	var out []string
	for _, e := range p.Payments.Edges {
		out = append(out, e.Node.TransactionID)
	}
	return out
}

const paymentsQuery = `query($filter: PaymentFilter, $first: Int, $after: String) {
  payments(filter: $filter, first: $first, after: $after) {
    edges { cursor node { transactionId status refunded { amount currency } paymentURL } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}`

func TestPaymentsPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 { // txn_0 oldest … txn_6 newest
		e.seedAt(t, fmt.Sprintf("txn_%d", i), clientA, base.Add(time.Duration(i)*time.Hour), domain.StatusPending, 0)
	}
	e.seedAt(t, "txn_b", clientB, base, domain.StatusPending, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	page := func(first int, after *string) paymentsPage {
		t.Helper()
		vars := map[string]any{"first": first}
		if after != nil {
			vars["after"] = *after
		}
		var p paymentsPage
		e.data(t, paymentsQuery, vars, hdr, &p)
		return p
	}

	p1 := page(3, nil)
	if got := strings.Join(p1.ids(), ","); got != "txn_6,txn_5,txn_4" {
		t.Fatalf("page 1: %s", got)
	}
	pi := p1.Payments.PageInfo
	if !pi.HasNextPage || pi.HasPreviousPage || p1.Payments.TotalCount != 7 ||
		*pi.StartCursor != p1.Payments.Edges[0].Cursor || *pi.EndCursor != p1.Payments.Edges[2].Cursor {
		t.Fatalf("page 1 info %+v total %d", pi, p1.Payments.TotalCount)
	}
	if n := p1.Payments.Edges[0].Node; n.PaymentURL != "https://pay.example/pay/txn_6" || n.Status != "PENDING" ||
		n.Refunded.Amount != "0.00" || n.Refunded.Currency != "BDT" {
		t.Errorf("node %+v", n)
	}

	p2 := page(3, pi.EndCursor)
	if got := strings.Join(p2.ids(), ","); got != "txn_3,txn_2,txn_1" || !p2.Payments.PageInfo.HasNextPage ||
		!p2.Payments.PageInfo.HasPreviousPage {
		t.Fatalf("page 2: %s %+v", got, p2.Payments.PageInfo)
	}
	p3 := page(3, p2.Payments.PageInfo.EndCursor)
	if got := strings.Join(p3.ids(), ","); got != "txn_0" || p3.Payments.PageInfo.HasNextPage {
		t.Fatalf("page 3: %s %+v", got, p3.Payments.PageInfo)
	}
	// Past the end: an empty page without cursors.
	p4 := page(3, p3.Payments.PageInfo.EndCursor)
	if len(p4.Payments.Edges) != 0 || p4.Payments.PageInfo.HasNextPage || p4.Payments.PageInfo.EndCursor != nil ||
		p4.Payments.PageInfo.StartCursor != nil || p4.Payments.TotalCount != 7 {
		t.Fatalf("page 4: %+v", p4.Payments)
	}

	// Each page is one read after the previous page's last payment (keyset),
	// asking one more than first to know whether more follow.
	var reads []string
	for _, f := range e.store.listFilters() {
		reads = append(reads, fmt.Sprintf("%s+%d/%d", cmp.Or(f.AfterID, "-"), f.Offset, f.Limit))
		if f.ClientID != clientA {
			t.Errorf("listed for %q", f.ClientID)
		}
	}
	if got := strings.Join(reads, " "); got != "-+0/4 txn_4+0/4 txn_1+0/4 txn_0+0/4" {
		t.Errorf("reads %s", got)
	}

	// Any edge's cursor resumes right after it, whatever first is now.
	after := p1.Payments.Edges[0].Cursor // txn_6
	if got := strings.Join(page(2, &after).ids(), ","); got != "txn_5,txn_4" {
		t.Errorf("first 2 after txn_6: %s", got)
	}
	after = p1.Payments.Edges[1].Cursor // txn_5
	if got := strings.Join(page(4, &after).ids(), ","); got != "txn_4,txn_3,txn_2,txn_1" {
		t.Errorf("first 4 after txn_5: %s", got)
	}
	after = p2.Payments.Edges[0].Cursor // txn_3
	if got := strings.Join(page(100, &after).ids(), ","); got != "txn_2,txn_1,txn_0" {
		t.Errorf("first 100 after txn_3: %s", got)
	}
	// A payment created since page 1 is in front of the list, not in the
	// next page: keyset pages neither skip nor repeat.
	e.seedAt(t, "txn_7", clientA, base.Add(7*time.Hour), domain.StatusPending, 0)
	if got := strings.Join(page(3, pi.EndCursor).ids(), ","); got != "txn_3,txn_2,txn_1" {
		t.Errorf("page 2 after a new payment: %s", got)
	}

	// Default page size.
	var all paymentsPage
	e.data(t, `{ payments { edges { node { transactionId } } totalCount } }`, nil, hdr, &all)
	if len(all.Payments.Edges) != 8 || all.Payments.TotalCount != 8 { // with txn_7
		t.Errorf("default page: %v", all.ids())
	}
	if last := e.store.listFilters(); last[len(last)-1].Limit != 21 {
		t.Errorf("default limit %d", last[len(last)-1].Limit)
	}
}

func TestPaymentsFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	e.seedAt(t, "txn_old", clientA, base, domain.StatusSuccess, 0)
	e.seedAt(t, "txn_in", clientA, base.Add(2*time.Hour), domain.StatusSuccess, 0)
	e.seedAt(t, "txn_pend", clientA, base.Add(2*time.Hour), domain.StatusPending, 0)
	e.seedAt(t, "txn_part", clientA, base.Add(2*time.Hour), domain.StatusPartiallyRefunded, 50000)
	e.seedAt(t, "txn_new", clientA, base.Add(5*time.Hour), domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	from, to := base.Add(time.Hour), base.Add(5*time.Hour)
	var p paymentsPage
	e.data(t, paymentsQuery, map[string]any{"filter": map[string]any{
		"status": "SUCCESS", "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339),
	}}, hdr, &p)
	if got := strings.Join(p.ids(), ","); got != "txn_in" || p.Payments.TotalCount != 1 {
		t.Fatalf("got %s (%d)", got, p.Payments.TotalCount)
	}
	f := e.store.listFilters()[0]
	if f.ClientID != clientA || f.Status != domain.StatusSuccess || f.OrderID != "" || !f.From.Equal(from) ||
		!f.To.Equal(to) || f.Offset != 0 || f.Limit != 21 || f.AfterID != "" {
		t.Errorf("filter %+v", f)
	}

	e.data(t, paymentsQuery, map[string]any{"filter": map[string]any{"status": "PARTIALLY_REFUNDED", "orderId": "order-txn_part"}}, hdr, &p)
	if got := strings.Join(p.ids(), ","); got != "txn_part" || p.Payments.Edges[0].Node.Refunded.Amount != "500.00" {
		t.Fatalf("got %s %+v", got, p.Payments.Edges)
	}
	if f := e.store.listFilters()[1]; f.Status != domain.StatusPartiallyRefunded || f.OrderID != "order-txn_part" {
		t.Errorf("filter %+v", f)
	}
}

func TestPaymentsValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	for name, tc := range map[string]struct {
		vars  map[string]any
		field string
	}{
		"first 0":        {map[string]any{"first": 0}, "first"},
		"first 101":      {map[string]any{"first": 101}, "first"},
		"garbage cursor": {map[string]any{"after": "not a cursor"}, "after"},
		"to before from": {map[string]any{"filter": map[string]any{"from": "2026-08-02T00:00:00Z", "to": "2026-08-01T00:00:00Z"}}, "to"},
	} {
		t.Run(name, func(t *testing.T) {
			_, res := e.post(t, paymentsQuery, tc.vars, hdr)
			if code := errorCode(t, res); code != graph.CodeValidationFailed {
				t.Fatalf("code %q", code)
			}
			if fields, _ := res.Errors[0].Extensions["fields"].(map[string]any); len(fields) != 1 || fields[tc.field] == nil {
				t.Errorf("fields %v, want %s", fields, tc.field)
			}
		})
	}
}

func TestListedPaymentAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedAt(t, "txn_1", clientA, time.Now().UTC(), domain.StatusPending, 0)
	e.store.putAttempt(t, domain.AttemptFromDB(domain.Attempt{ID: "att_1", PaymentID: p.ID, Gateway: domain.GatewayBkash,
		CreatedAt: p.CreatedAt}, domain.AttemptRedirected))
	var got paymentsPage
	e.data(t, `{ payments { edges { node { transactionId attempts { id } } } } }`, nil,
		bearer(e.token(t, app.Principal{ClientID: clientA})), &got)
	if n := got.Payments.Edges[0].Node; len(n.Attempts) != 1 || n.Attempts[0].ID != "att_1" {
		t.Errorf("attempts %+v", n.Attempts)
	}
}

func TestDashboardAndProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now().UTC()
	e.seedAt(t, "txn_1", clientA, now, domain.StatusSuccess, 0)
	e.seedAt(t, "txn_2", clientA, now, domain.StatusPartiallyRefunded, 25000)
	e.seedAt(t, "txn_3", clientA, now, domain.StatusFailed, 0)
	e.seedAt(t, "txn_4", clientA, now, domain.StatusPending, 0)
	e.seedAt(t, "txn_b", clientB, now, domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	_, res := e.post(t, `{ dashboard { totalTransactions totalSuccess totalFailed
	  totalAmount { amount currency } totalRefunded { amount currency } commission { amount currency } } }`, nil, hdr)
	want := `{"dashboard":{"totalTransactions":4,"totalSuccess":2,"totalFailed":1,` +
		`"totalAmount":{"amount":"3000.00","currency":"BDT"},"totalRefunded":{"amount":"250.00","currency":"BDT"},` +
		`"commission":{"amount":"45.00","currency":"BDT"}}}`
	if len(res.Errors) != 0 || string(res.Data) != want {
		t.Errorf("dashboard\n%s %+v\nwant\n%s", res.Data, res.Errors, want)
	}

	_, res = e.post(t, `{ clientProfile { id name status webhookURL commissionBps language apiKey createdAt } }`, nil, hdr)
	want = `{"clientProfile":{"id":"cli_a","name":"Demo Shop","status":"ACTIVE","webhookURL":"https://shop.example/hook",` +
		`"commissionBps":150,"language":"en","apiKey":"demo_key","createdAt":"2026-01-02T03:04:05Z"}}`
	if len(res.Errors) != 0 || string(res.Data) != want {
		t.Errorf("profile\n%s %+v\nwant\n%s", res.Data, res.Errors, want)
	}
}

func TestDashboardOverHMAC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := []byte(`{"query":"{ dashboard { totalTransactions } clientProfile { id } }"}`)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header = signed(http.MethodPost, "/graphql", body, "n-dash")
	req.Header.Set("Content-Type", "application/json")
	status, res := e.send(t, req)
	if want := `{"dashboard":{"totalTransactions":0},"clientProfile":{"id":"cli_a"}}`; status != http.StatusOK ||
		len(res.Errors) != 0 || string(res.Data) != want {
		t.Fatalf("HTTP %d %s %+v", status, res.Data, res.Errors)
	}
}

func TestGatewayListAndHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	_, res := e.post(t, `{ gateways gatewayList { code name currencies minAmount { amount currency } maxAmount { amount } }
	  gatewayHealth { code status successRate p95LatencyMs uptimePercent calls windowHours } }`, nil, hdr)
	want := `{"gateways":["BKASH"],"gatewayList":[{"code":"BKASH","name":"bKash","currencies":["BDT"],` +
		`"minAmount":{"amount":"1.00","currency":"BDT"},"maxAmount":{"amount":"50000.00"}}],` +
		`"gatewayHealth":[{"code":"BKASH","status":"UP","successRate":95,"p95LatencyMs":1234,"uptimePercent":87.5,` +
		`"calls":200,"windowHours":24}]}`
	if len(res.Errors) != 0 || string(res.Data) != want {
		t.Errorf("got\n%s %+v\nwant\n%s", res.Data, res.Errors, want)
	}
}

const refundMutation = `mutation($in: RefundPaymentInput!) {
  refundPayment(input: $in) { refund { id transactionId amount { amount currency } status reason failureCode failureMessage createdAt } }
}`

type refundResult struct {
	RefundPayment struct {
		Refund struct {
			ID, TransactionID, Status, Reason string
			Amount                            struct{ Amount, Currency string }
			FailureCode, FailureMessage       *string
			CreatedAt                         time.Time
		}
	}
}

func TestRefundPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_paid", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	e.seedAt(t, "txn_pend", clientA, time.Now().UTC(), domain.StatusPending, 0)
	e.seedAt(t, "txn_b", clientB, time.Now().UTC(), domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	var r refundResult
	e.data(t, refundMutation, map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "500", "reason": "damaged"}}, hdr, &r)
	got := r.RefundPayment.Refund
	if !strings.HasPrefix(got.ID, "ref_") || got.TransactionID != "txn_paid" || got.Status != "PENDING" ||
		got.Amount.Amount != "500.00" || got.Amount.Currency != "BDT" || got.Reason != "damaged" ||
		got.FailureCode != nil || got.FailureMessage != nil || time.Since(got.CreatedAt) > time.Minute {
		t.Fatalf("refund %+v", got)
	}
	if jobs := e.store.refundJobs(); len(jobs) != 1 || jobs[0] != got.ID {
		t.Errorf("jobs %v", jobs)
	}

	// Omitting the amount refunds what is left (the open refund held back).
	e.data(t, refundMutation, map[string]any{"in": map[string]any{"transactionId": "txn_paid"}}, hdr, &r)
	if all := r.RefundPayment.Refund; all.Amount.Amount != "1000.00" || all.Reason != "Refund requested by merchant" {
		t.Fatalf("refund of the rest %+v", all)
	}

	// The payment lists both; nothing has come back yet.
	var pay struct {
		Payment struct {
			Refunded struct{ Amount string }
			Refunds  []struct {
				ID, Status string
				Amount     struct{ Amount string }
			}
		}
	}
	e.data(t, `{ payment(transactionId: "txn_paid") { refunded { amount } refunds { id status amount { amount } } } }`, nil, hdr, &pay)
	listed := map[string]string{}
	for _, x := range pay.Payment.Refunds {
		listed[x.ID] = x.Status + " " + x.Amount.Amount
	}
	if pay.Payment.Refunded.Amount != "0.00" || len(listed) != 2 || listed[got.ID] != "PENDING 500.00" ||
		listed[r.RefundPayment.Refund.ID] != "PENDING 1000.00" {
		t.Errorf("payment %+v", pay.Payment)
	}

	for name, tc := range map[string]struct {
		in    map[string]any
		code  string
		field string
	}{
		"nothing left":      {map[string]any{"transactionId": "txn_paid"}, graph.CodeValidationFailed, "amount"},
		"too much":          {map[string]any{"transactionId": "txn_paid", "amount": "0.01"}, graph.CodeValidationFailed, "amount"},
		"empty amount":      {map[string]any{"transactionId": "txn_paid", "amount": " "}, graph.CodeValidationFailed, "amount"},
		"missing id":        {map[string]any{"transactionId": "", "amount": "1"}, graph.CodeValidationFailed, "transactionId"},
		"not paid":          {map[string]any{"transactionId": "txn_pend", "amount": "1"}, graph.CodeValidationFailed, "transactionId"},
		"reason too long":   {map[string]any{"transactionId": "txn_pend", "amount": "1", "reason": strings.Repeat("x", 256)}, graph.CodeValidationFailed, "reason"},
		"another's payment": {map[string]any{"transactionId": "txn_b", "amount": "1"}, graph.CodeNotFound, ""},
		"no such payment":   {map[string]any{"transactionId": "txn_none", "amount": "1"}, graph.CodeNotFound, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, res := e.post(t, refundMutation, map[string]any{"in": tc.in}, hdr)
			if code := errorCode(t, res); code != tc.code {
				t.Fatalf("code %q, want %s", code, tc.code)
			}
			if fields, _ := res.Errors[0].Extensions["fields"].(map[string]any); tc.field != "" && fields[tc.field] == nil {
				t.Errorf("fields %v, want %s", fields, tc.field)
			}
		})
	}
	if jobs := e.store.refundJobs(); len(jobs) != 2 {
		t.Errorf("%d refund jobs, want 2", len(jobs))
	}
}

func TestRegenerateAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	const q = `mutation($in: RegenerateApiKeysInput) { regenerateApiKeys(input: $in) { apiKey secretKey } }`

	var got struct {
		RegenerateAPIKeys struct{ APIKey, SecretKey string }
	}
	e.data(t, q, nil, hdr, &got)
	k := got.RegenerateAPIKeys
	if !strings.HasPrefix(k.APIKey, "pk_") || len(k.APIKey) != 27 || !strings.HasPrefix(k.SecretKey, "sk_") || len(k.SecretKey) != 43 {
		t.Fatalf("keys %+v", k)
	}
	stored, _ := e.keys.LookupKey(t.Context(), k.APIKey)
	if cur, _ := e.keys.CurrentKey(t.Context(), clientA); cur != k.APIKey || string(stored.Secret) != k.SecretKey {
		t.Errorf("stored %q, secret %q", cur, stored.Secret)
	}
	var prof struct{ ClientProfile struct{ APIKey string } }
	e.data(t, `{ clientProfile { apiKey } }`, nil, hdr, &prof)
	if prof.ClientProfile.APIKey != k.APIKey {
		t.Errorf("profile shows %q", prof.ClientProfile.APIKey)
	}

	// The client's own ID may be given; another's is refused.
	e.data(t, q, map[string]any{"in": map[string]any{"clientId": clientA}}, hdr, &got)
	if got.RegenerateAPIKeys.APIKey == k.APIKey {
		t.Error("same key issued twice")
	}
	_, res := e.post(t, q, map[string]any{"in": map[string]any{"clientId": clientB}}, hdr)
	if code := errorCode(t, res); code != graph.CodeForbidden {
		t.Errorf("code %q", code)
	}
}

// merchantFields are the new fields, each as a whole operation on clientA's
// paid payment txn_a1.
var merchantFields = map[string]struct {
	query string
	vars  map[string]any
}{
	"payments":          {paymentsQuery, nil},
	"dashboard":         {`{ dashboard { totalTransactions } }`, nil},
	"clientProfile":     {`{ clientProfile { id } }`, nil},
	"gatewayList":       {`{ gatewayList { code } }`, nil},
	"gatewayHealth":     {`{ gatewayHealth { code } }`, nil},
	"refundPayment":     {refundMutation, map[string]any{"in": map[string]any{"transactionId": "txn_a1", "amount": "1"}}},
	"regenerateApiKeys": {`mutation { regenerateApiKeys { apiKey secretKey } }`, nil},
	"Payment.refunds":   {`{ payment(transactionId: "txn_a1") { refunds { id } } }`, nil},
}

func TestMerchantFieldsRefuseScopedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_a1", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	spa := bearer(e.token(t, app.Principal{ClientID: clientA, TransactionID: "txn_a1"}))
	for name, q := range merchantFields {
		t.Run(name, func(t *testing.T) {
			_, res := e.post(t, q.query, q.vars, spa)
			if code := errorCode(t, res); code != graph.CodeForbidden || res.Errors[0].Message != "forbidden" {
				t.Errorf("%+v, want FORBIDDEN", res.Errors[0])
			}
		})
	}
	// The token still reads its own payment, refunded included.
	_, res := e.post(t, `{ payment(transactionId: "txn_a1") { status refunded { amount } } }`, nil, spa)
	if want := `{"payment":{"status":"SUCCESS","refunded":{"amount":"0.00"}}}`; len(res.Errors) != 0 || string(res.Data) != want {
		t.Errorf("%s %+v", res.Data, res.Errors)
	}
	if jobs := e.store.refundJobs(); len(jobs) != 0 {
		t.Errorf("refund enqueued: %v", jobs)
	}
	if cur, _ := e.keys.CurrentKey(t.Context(), clientA); cur != demoKey {
		t.Errorf("key rotated to %q", cur)
	}
}

func TestMerchantFieldsNeedAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_a1", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	for name, q := range merchantFields {
		t.Run(name, func(t *testing.T) {
			status, res := e.post(t, q.query, q.vars, nil)
			if code := errorCode(t, res); status != http.StatusOK || code != graph.CodeUnauthenticated {
				t.Errorf("HTTP %d %+v, want UNAUTHENTICATED", status, res.Errors[0])
			}
		})
	}
}

func TestListComplexity(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // DefaultComplexityLimit
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	// A full page with a dozen fields is served.
	_, res := e.post(t, `{ payments(first: 100) {
	  totalCount pageInfo { hasNextPage endCursor }
	  edges { cursor node { transactionId orderId status gateway trxId paymentURL createdAt updatedAt
	    amount { amount currency } refunded { amount currency } } } } }`, nil, hdr)
	if len(res.Errors) != 0 {
		t.Fatalf("full page refused: %+v", res.Errors)
	}
	// Refunds read per payment: a full page of them is too much, a short one is not.
	const withRefunds = `query($first: Int) { payments(first: $first) { edges { node { transactionId
	  refunds { id status amount { amount currency } } } } } }`
	_, res = e.post(t, withRefunds, map[string]any{"first": 100}, hdr)
	if code := errorCode(t, res); code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("code %q", code)
	}
	if _, res = e.post(t, withRefunds, map[string]any{"first": 20}, hdr); len(res.Errors) != 0 {
		t.Errorf("short page refused: %+v", res.Errors)
	}
	// Aliases add up.
	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		fmt.Fprintf(&b, " p%d: payments(first: 100) { edges { node { transactionId } } }", i)
	}
	b.WriteString(" }")
	if _, res = e.post(t, b.String(), nil, hdr); errorCode(t, res) != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("aliases: %+v", res.Errors)
	}
}
