package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// customer_name is limited to 200 characters, not bytes: a Bangla name of
// 200 letters (600 bytes in UTF-8) is accepted, 201 are not.
func TestCustomerNameCountsCharacters(t *testing.T) {
	store := portstest.NewStore()
	store.AddClient(domain.Client{ID: "cli_n", Name: "Shop", Status: domain.ClientActive, Language: "bn"})
	a := app.New(app.Config{}, app.Deps{Tx: store, Clock: portstest.NewClock(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)),
		Gateways: []ports.PaymentGateway{&walletGateway{}}})
	create := func(order, name string) error {
		_, err := a.Payments.Create(context.Background(), "cli_n", app.CreatePaymentInput{OrderID: order, Amount: "10",
			Currency: "BDT", ReturnURL: "https://shop.example/r", CustomerName: name})
		return err
	}
	if err := create("o-200", strings.Repeat("ক", 200)); err != nil {
		t.Fatalf("200 Bangla letters: %v", err)
	}
	if err := create("o-201", strings.Repeat("ক", 201)); err == nil {
		t.Fatal("201 letters accepted")
	}
}
