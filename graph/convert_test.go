package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

func TestEnumConverters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"pending", "PENDING"}, {"processing", "PROCESSING"}, {"success", "SUCCESS"},
		{"failed", "FAILED"}, {"cancelled", "CANCELLED"}, {"expired", "EXPIRED"},
		{"partially_refunded", "PARTIALLY_REFUNDED"}, {"refunded", "REFUNDED"}, {"disputed", "DISPUTED"},
	} {
		if got := toModelPaymentStatus(domain.PaymentStatus(tc.in)); string(got) != tc.want {
			t.Errorf("payment status %s → %s, want %s", tc.in, got, tc.want)
		}
	}
	// Every domain value maps to a valid GraphQL value, both ways for gateways.
	for _, s := range domain.PaymentStatuses {
		if m := toModelPaymentStatus(s); !m.IsValid() {
			t.Errorf("payment status %s → invalid %s", s, m)
		}
	}
	if len(paymentStatuses) != len(model.AllPaymentStatus) {
		t.Errorf("%d payment statuses mapped, schema has %d", len(paymentStatuses), len(model.AllPaymentStatus))
	}
	for _, s := range domain.AttemptStatuses {
		if m := toModelAttemptStatus(s); !m.IsValid() {
			t.Errorf("attempt status %s → invalid %s", s, m)
		}
	}
	if len(attemptStatuses) != len(model.AllAttemptStatus) {
		t.Errorf("%d attempt statuses mapped, schema has %d", len(attemptStatuses), len(model.AllAttemptStatus))
	}
	for _, g := range []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW} {
		m := toModelGateway(g)
		back, err := toDomainGateway(m)
		if !m.IsValid() || err != nil || back != g {
			t.Errorf("gateway %s → %s → %s, %v", g, m, back, err)
		}
	}
	if _, err := toDomainGateway("PAYPAL"); !errors.Is(err, domain.ErrGatewayUnavailable) {
		t.Errorf("unknown gateway: %v", err)
	}
}

func TestToModelMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		minor        int64
		code, amount string
	}{
		{150000, "BDT", "1500.00"},
		{150050, "BDT", "1500.50"},
		{5, "BDT", "0.05"},
		{7, "JPY", "7"},
		{1234, "KWD", "1.234"},
	} {
		got := toModelMoney(domain.MustMoney(tc.minor, tc.code))
		if got.Amount != tc.amount || got.Currency != tc.code {
			t.Errorf("%d %s → %+v, want %s", tc.minor, tc.code, got, tc.amount)
		}
	}
}

func TestToModelPayment(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)
	pending := domain.PaymentFromDB(domain.Payment{
		ID: "txn_1", Order: domain.Order{ClientID: "cli_a", OrderID: "ord-1"},
		Amount: domain.MustMoney(150000, "BDT"), CreatedAt: created, UpdatedAt: created,
		ExpiresAt: created.Add(24 * time.Hour), Version: 1,
	}, domain.StatusPending)
	failed := domain.AttemptFromDB(domain.Attempt{
		ID: "att_1", PaymentID: "txn_1", Gateway: domain.GatewayBkash, FailureCode: "2023",
		FailureMessage: "Insufficient Balance", CreatedAt: created,
	}, domain.AttemptFailed)
	paidP := *pending
	paidP.Gateway, paidP.TrxID = domain.GatewayNagad, "TRX9"
	paid := domain.PaymentFromDB(paidP, domain.StatusSuccess)
	succeeded := domain.AttemptFromDB(domain.Attempt{ID: "att_2", PaymentID: "txn_1", Gateway: domain.GatewayNagad, CreatedAt: created}, domain.AttemptSucceeded)

	for _, tc := range []struct {
		name string
		view app.PaymentView
		want string
	}{
		{
			name: "new payment",
			view: app.PaymentView{Payment: pending},
			want: `{"transactionId":"txn_1","orderId":"ord-1","amount":{"amount":"1500.00","currency":"BDT"},"status":"PENDING",` +
				`"paymentURL":"https://pay.example/pay/txn_1","attempts":[],"createdAt":"2026-08-22T10:00:00Z",` +
				`"updatedAt":"2026-08-22T10:00:00Z","expiresAt":"2026-08-23T10:00:00Z","refunded":{"amount":"0.00","currency":"BDT"}}`,
		},
		{
			name: "paid after a refusal",
			view: app.PaymentView{Payment: paid, Attempts: []*domain.Attempt{failed, succeeded}},
			want: `{"transactionId":"txn_1","orderId":"ord-1","amount":{"amount":"1500.00","currency":"BDT"},"status":"SUCCESS",` +
				`"gateway":"NAGAD","trxId":"TRX9","paymentURL":"https://pay.example/pay/txn_1","attempts":[` +
				`{"id":"att_1","gateway":"BKASH","status":"FAILED","failureCode":"2023","failureMessage":"Insufficient Balance","createdAt":"2026-08-22T10:00:00Z"},` +
				`{"id":"att_2","gateway":"NAGAD","status":"SUCCEEDED","createdAt":"2026-08-22T10:00:00Z"}],` +
				`"createdAt":"2026-08-22T10:00:00Z","updatedAt":"2026-08-22T10:00:00Z","expiresAt":"2026-08-23T10:00:00Z",` +
				`"refunded":{"amount":"0.00","currency":"BDT"}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := json.Marshal(toModelPayment(tc.view, "https://pay.example/pay/txn_1"))
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestToAppCreatePaymentInput(t *testing.T) {
	t.Parallel()
	phone, hook := "01712345678", "https://shop.example/hook"
	cancel, failure := "https://shop.example/cart", "https://shop.example/failed"
	for _, tc := range []struct {
		name string
		in   model.CreatePaymentInput
		want app.CreatePaymentInput
	}{
		{
			name: "required only",
			in:   model.CreatePaymentInput{OrderID: "o1", Amount: "1500", Currency: "BDT", ReturnURL: "https://shop.example/r"},
			want: app.CreatePaymentInput{OrderID: "o1", Amount: "1500", Currency: "BDT", ReturnURL: "https://shop.example/r"},
		},
		{
			name: "everything",
			in: model.CreatePaymentInput{OrderID: "o2", Amount: "10.50", Currency: "BDT", CustomerPhone: &phone,
				ReturnURL: "https://shop.example/r", CancelURL: &cancel, FailureURL: &failure,
				WebhookURL: &hook, Metadata: map[string]any{"n": json.Number("12.50")}},
			want: app.CreatePaymentInput{OrderID: "o2", Amount: "10.50", Currency: "BDT", CustomerPhone: phone,
				ReturnURL: "https://shop.example/r", CancelURL: cancel, FailureURL: failure,
				WebhookURL: hook, Metadata: json.RawMessage(`{"n":12.50}`)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := toAppCreatePaymentInput(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v|%s", got, got.Metadata) != fmt.Sprintf("%+v|%s", tc.want, tc.want.Metadata) {
				t.Errorf("got %+v %s, want %+v %s", got, got.Metadata, tc.want, tc.want.Metadata)
			}
		})
	}
}
