package app_test

import (
	"errors"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// Text a database cannot hold (NUL, invalid UTF-8) is a validation error
// naming the field on every edge — GraphQL too, not only REST's input
// checks — and reaches no store.
func TestUnstorableTextIsRefused(t *testing.T) {
	e := newEnv(t)
	for _, in := range []app.CreatePaymentInput{
		{OrderID: "o-1", Amount: "10", Currency: "BDT", ReturnURL: "https://s.example/r", CustomerName: "Ra\x00him"},
		{OrderID: "o-2", Amount: "10", Currency: "BDT", ReturnURL: "https://s.example/r", CustomerName: "Ra\xffhim"},
		{OrderID: "o-3", Amount: "10", Currency: "BDT", ReturnURL: "https://s.example/r", Metadata: []byte(`{"a":"\u0000"}`)},
	} {
		_, err := e.app.Payments.Create(e.ctx, cliA, in)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%+v: %v, want a validation error", in, err)
		}
	}
	p := e.pay("ORD-ok", "10")
	_, err := e.app.Refunds.Request(e.ctx, app.Principal{ClientID: cliA}, app.RefundInput{TransactionID: p.ID, Reason: "bad\x00reason"})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields["reason"]) == 0 {
		t.Fatalf("refund reason with NUL: %v", err)
	}
}
