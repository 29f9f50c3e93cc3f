package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func TestCreatePaymentValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		edit  func(*app.CreatePaymentInput)
		field string
	}{
		{"order_id missing", func(in *app.CreatePaymentInput) { in.OrderID = "" }, "order_id"},
		{"order_id bad chars", func(in *app.CreatePaymentInput) { in.OrderID = "ORD 1" }, "order_id"},
		{"order_id too long", func(in *app.CreatePaymentInput) { in.OrderID = strings.Repeat("x", 65) }, "order_id"},
		{"currency missing", func(in *app.CreatePaymentInput) { in.Currency = "" }, "currency"},
		{"currency unknown", func(in *app.CreatePaymentInput) { in.Currency = "bdt" }, "currency"},
		{"currency no gateway", func(in *app.CreatePaymentInput) { in.Currency = "USD" }, "currency"},
		{"amount missing", func(in *app.CreatePaymentInput) { in.Amount = "" }, "amount"},
		{"amount zero", func(in *app.CreatePaymentInput) { in.Amount = "0" }, "amount"},
		{"amount negative", func(in *app.CreatePaymentInput) { in.Amount = "-5" }, "amount"},
		{"amount decimals", func(in *app.CreatePaymentInput) { in.Amount = "1.005" }, "amount"},
		{"amount text", func(in *app.CreatePaymentInput) { in.Amount = "ten" }, "amount"},
		{"email", func(in *app.CreatePaymentInput) { in.CustomerEmail = "Rahim <r@example.com>" }, "customer_email"},
		{"phone", func(in *app.CreatePaymentInput) { in.CustomerPhone = "01212345678" }, "customer_phone"},
		{"return_url missing", func(in *app.CreatePaymentInput) { in.ReturnURL = "" }, "return_url"},
		{"return_url relative", func(in *app.CreatePaymentInput) { in.ReturnURL = "/done" }, "return_url"},
		{"return_url scheme", func(in *app.CreatePaymentInput) { in.ReturnURL = "ftp://a.test/x" }, "return_url"},
		{"cancel_url relative", func(in *app.CreatePaymentInput) { in.CancelURL = "/cart" }, "cancel_url"},
		{"failure_url scheme", func(in *app.CreatePaymentInput) { in.FailureURL = "javascript:alert(1)" }, "failure_url"},
		{"webhook_url http", func(in *app.CreatePaymentInput) { in.WebhookURL = "http://a.test/hook" }, "webhook_url"},
		{"webhook_url loopback outside sandbox", func(in *app.CreatePaymentInput) { in.WebhookURL = "http://127.0.0.1/hook" }, "webhook_url"},
		{"metadata array", func(in *app.CreatePaymentInput) { in.Metadata = json.RawMessage(`[1]`) }, "metadata"},
		{"metadata too big", func(in *app.CreatePaymentInput) {
			in.Metadata = json.RawMessage(`{"x":"` + strings.Repeat("a", 8200) + `"}`)
		}, "metadata"},
		{"customer_name", func(in *app.CreatePaymentInput) { in.CustomerName = strings.Repeat("n", 201) }, "customer_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input("ORD-1", "100.00")
			c.edit(&in)
			_, err := e.app.Payments.Create(e.ctx, cliA, in)
			f := validationFields(t, err)
			if len(f[c.field]) == 0 || len(f) != 1 {
				t.Fatalf("fields %v, want only %s", f, c.field)
			}
		})
	}
	if len(e.store.Jobs()) != 0 || len(e.store.Changes()) != 0 {
		t.Fatalf("a refused payment enqueued jobs or published: %v", e.store.Jobs())
	}

	// Every bad field at once.
	_, err := e.app.Payments.Create(e.ctx, cliA, app.CreatePaymentInput{CustomerPhone: "x", CustomerEmail: "x"})
	f := validationFields(t, err)
	for _, k := range []string{"order_id", "currency", "amount", "customer_email", "customer_phone", "return_url"} {
		if len(f[k]) == 0 {
			t.Errorf("field %s not reported: %v", k, f)
		}
	}
}

func TestCreatePaymentSandboxWebhookURL(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.Sandbox = true })
	in := input("ORD-1", "10")
	in.WebhookURL = "http://localhost:9000/hook"
	p, err := e.app.Payments.Create(e.ctx, cliA, in)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "webhook_url", p.Order.WebhookURL, in.WebhookURL)
	in.OrderID, in.WebhookURL = "ORD-2", "http://a.test/hook"
	_, err = e.app.Payments.Create(e.ctx, cliA, in)
	if len(validationFields(t, err)["webhook_url"]) == 0 {
		t.Fatal("plain http to a public host accepted in sandbox")
	}
}

func TestCreatePaymentNoGatewayAcceptsCurrency(t *testing.T) {
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Gateways = nil })
	_, err := e.app.Payments.Create(e.ctx, cliA, input("ORD-1", "10"))
	if len(validationFields(t, err)["currency"]) == 0 {
		t.Fatal("BDT accepted with no gateway")
	}
}

func TestCreatePayment(t *testing.T) {
	e := newEnv(t)
	in := input("ORD-1", "1500")
	in.Metadata = json.RawMessage(`{"cart":7}`)
	in.CancelURL, in.FailureURL = "https://a.test/cart", "https://a.test/failed"
	p, err := e.app.Payments.Create(e.ctx, cliA, in)
	if err != nil {
		t.Fatal(err)
	}
	stored := e.payment(p.ID)
	wantStatus(t, "payment", stored.Status(), domain.StatusPending)
	wantEqual(t, "amount", stored.Amount, domain.MustMoney(150000, "BDT"))
	wantEqual(t, "expires", stored.ExpiresAt, t0.Add(24*time.Hour))
	wantEqual(t, "default webhook_url", stored.Order.WebhookURL, "https://a.test/hook")
	wantEqual(t, "metadata", string(stored.Order.Metadata), `{"cart":7}`)
	wantEqual(t, "cancel_url", stored.Order.CancelURL, "https://a.test/cart")
	wantEqual(t, "failure_url", stored.Order.FailureURL, "https://a.test/failed")

	// SMS, event and webhook job committed with the payment.
	ns := e.smsFor(p.ID)
	wantSlice(t, "sms", templates(ns), []string{app.TemplateOrderPlaced})
	wantEqual(t, "sms recipient", ns[0].Recipient, "8801712345678")
	if !strings.Contains(ns[0].Body, "Shop A") || !strings.Contains(ns[0].Body, "1500.00 BDT") {
		t.Fatalf("sms body %q", ns[0].Body)
	}
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending})
	wantEqual(t, "webhook jobs", len(e.jobs("webhook")), 1)
	// A live notification for the new payment: the dashboards' feed shows it.
	wantSlice(t, "changes", e.changes(p.ID), []domain.PaymentStatus{domain.StatusPending})
	var payload map[string]any
	whJob := e.jobs("webhook")[0]
	e.read(func(ctx context.Context, tx ports.Tx) error {
		d, err := tx.EventLog().GetDelivery(ctx, whJob)
		if err != nil {
			return err
		}
		wantEqual(t, "delivery url", d.URL, "https://a.test/hook")
		ev, err := tx.EventLog().GetEvent(ctx, d.EventID)
		if err != nil {
			return err
		}
		return json.Unmarshal(ev.Payload, &payload)
	})
	wantEqual(t, "payload transaction_id", payload["transaction_id"], any(p.ID))
	wantEqual(t, "payload amount", payload["amount"], any(1500.0))
	wantEqual(t, "payload status", payload["status"], any("pending"))

	// The same order_id again: 422 on order_id, nothing more committed.
	jobs := len(e.store.Jobs())
	_, err = e.app.Payments.Create(e.ctx, cliA, in)
	if len(validationFields(t, err)["order_id"]) == 0 {
		t.Fatal("duplicate order_id not reported on order_id")
	}
	wantEqual(t, "jobs after duplicate", len(e.store.Jobs()), jobs)
	// Another client may use it.
	if _, err := e.app.Payments.Create(e.ctx, cliB, in); err != nil {
		t.Fatalf("another client's order_id: %v", err)
	}
}

func TestCreatePaymentNoPhoneNoSMS(t *testing.T) {
	e := newEnv(t)
	in := input("ORD-1", "10")
	in.CustomerPhone = ""
	p, err := e.app.Payments.Create(e.ctx, cliA, in)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sms", len(e.smsFor(p.ID)), 0)
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending})
}

func TestCreatePaymentClients(t *testing.T) {
	e := newEnv(t)
	_, err := e.app.Payments.Create(e.ctx, cliOff, input("ORD-1", "10"))
	wantErr(t, err, domain.ErrForbidden)
	_, err = e.app.Payments.Create(e.ctx, "cli_nobody", input("ORD-1", "10"))
	wantErr(t, err, domain.ErrNotFound)
	if len(e.store.Jobs()) != 0 || len(e.store.Changes()) != 0 {
		t.Fatal("refused payments left jobs or changes")
	}
}

func TestGetPaymentTenancy(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)

	v, err := e.app.Payments.Get(e.ctx, principal(cliA), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.LastAttempt() == nil || v.LastAttempt().ID != a.ID {
		t.Fatalf("view attempts %v", v.Attempts)
	}
	_, err = e.app.Payments.Get(e.ctx, principal(cliB), p.ID)
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Payments.Get(e.ctx, app.Principal{}, p.ID)
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Payments.Get(e.ctx, principal(cliA), "txn_missing")
	wantErr(t, err, domain.ErrNotFound)

	// A token scoped to one payment sees that payment only.
	other := e.pay("ORD-2", "10")
	scoped := app.Principal{ClientID: cliA, TransactionID: p.ID}
	if _, err := e.app.Payments.Get(e.ctx, scoped, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.app.Payments.Get(e.ctx, scoped, other.ID)
	wantErr(t, err, domain.ErrNotFound)

	hp, err := e.app.Payments.HostedPage(e.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "merchant", hp.MerchantName, "Shop A")
	wantSlice(t, "gateways", hp.Gateways, []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW})
}

func TestListPayments(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i, o := range []string{"O1", "O2", "O3", "O4", "O5"} {
		e.clock.Set(t0.Add(time.Duration(i) * time.Hour))
		ids = append(ids, e.pay(o, "10").ID)
	}
	e.clock.Set(t0.Add(5 * time.Hour))
	if _, err := e.app.Payments.Create(e.ctx, cliB, input("O1", "10")); err != nil {
		t.Fatal(err)
	}
	// O2 paid.
	a := e.start(ids[1], domain.GatewayBkash)
	if _, err := e.app.Attempts.HandleCallback(e.ctx, app.CallbackInput{Gateway: domain.GatewayBkash, GatewayRef: a.GatewayRef, Status: app.CallbackSuccess}); err != nil {
		t.Fatal(err)
	}
	idsOf := func(pg app.PaymentPage) []string {
		var out []string
		for _, p := range pg.Payments {
			out = append(out, p.ID)
		}
		return out
	}

	pg, err := e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "total", pg.Total, 5)
	wantEqual(t, "default limit", pg.Limit, 20)
	wantSlice(t, "newest first", idsOf(pg), []string{ids[4], ids[3], ids[2], ids[1], ids[0]})

	pg, _ = e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Page: 2, Limit: 2})
	wantSlice(t, "page 2", idsOf(pg), []string{ids[2], ids[1]})
	wantEqual(t, "page 2 total", pg.Total, 5)
	pg, _ = e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Page: 3, Limit: 2})
	wantSlice(t, "page 3", idsOf(pg), []string{ids[0]})

	pg, _ = e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Status: "success"})
	wantSlice(t, "status", idsOf(pg), []string{ids[1]})
	pg, _ = e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{OrderID: "O4"})
	wantSlice(t, "order", idsOf(pg), []string{ids[3]})
	pg, _ = e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)})
	wantSlice(t, "range [From, To)", idsOf(pg), []string{ids[2], ids[1]})

	pg, _ = e.app.Payments.List(e.ctx, principal(cliB), app.ListInput{})
	wantEqual(t, "cli_b total", pg.Total, 1)

	for name, in := range map[string]app.ListInput{
		"page":    {Page: -1},
		"limit":   {Limit: 101},
		"status":  {Status: "paid"},
		"to_date": {From: t0.Add(time.Hour), To: t0},
	} {
		_, err := e.app.Payments.List(e.ctx, principal(cliA), in)
		if len(validationFields(t, err)[name]) == 0 {
			t.Errorf("%s not reported", name)
		}
	}
	_, err = e.app.Payments.List(e.ctx, app.Principal{ClientID: cliA, TransactionID: ids[0]}, app.ListInput{})
	wantErr(t, err, domain.ErrForbidden)
}
