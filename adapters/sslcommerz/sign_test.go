package sslcommerz_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/sslcommerz"
	"github.com/paycore/paycore/ports"
)

// The published test vector of docs/gateways/sslcommerz.md §4.
const vectorFields = "tran_id=5E121A0D01F92|val_id=200105225826116qFnATY9sHIwo|amount=10.00|card_type=VISA-Dutch Bangla|store_amount=9.75|card_no=418117XXXXXX6675|bank_tran_id=200105225825DBgSoRGLvczhFjj|status=VALID|tran_date=2020-01-05 22:58:21|currency=BDT|card_issuer=TRUST BANK, LTD.|card_brand=VISA|card_issuer_country=Bangladesh|card_issuer_country_code=BD|store_id=test_testemi|currency_type=BDT|currency_amount=10.00|currency_rate=1.0000|base_fair=0.00|value_a=|value_b=|value_c=|value_d=|risk_level=0|risk_title=Safe"

const vectorKey = "amount,bank_tran_id,base_fair,card_brand,card_issuer,card_issuer_country,card_issuer_country_code,card_no,card_type,currency,currency_amount,currency_rate,currency_type,risk_level,risk_title,status,store_amount,store_id,tran_date,tran_id,val_id,value_a,value_b,value_c,value_d"

func vector() map[string]string {
	f := map[string]string{}
	for _, kv := range strings.Split(vectorFields, "|") {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	f["verify_key"] = vectorKey
	f["verify_sign"] = "d42fab70ae0bcbda5280e7baffef60b0"
	return f
}

func TestSignVector(t *testing.T) {
	f := vector()
	s := sslcommerz.SignString(f, vectorKey, "test_testemi@ssl")
	if len(s) != 550 || !strings.HasPrefix(s, "amount=10.00&bank_tran_id=") {
		t.Fatalf("sign string %d chars: %q", len(s), s)
	}
	if got := sslcommerz.Sign(f, vectorKey, "test_testemi@ssl"); got != f["verify_sign"] {
		t.Fatalf("sign = %s", got)
	}
	if err := sslcommerz.VerifySign(f, "test_testemi@ssl"); err != nil {
		t.Fatal(err)
	}
}

func TestVerifySignRefuses(t *testing.T) {
	cases := map[string]func(f map[string]string){
		"forged sign":     func(f map[string]string) { f["verify_sign"] = "d42fab70ae0bcbda5280e7baffef60b1" },
		"tampered amount": func(f map[string]string) { f["amount"] = "1000.00" },
		"no sign":         func(f map[string]string) { delete(f, "verify_sign") },
		"amount left unsigned": func(f map[string]string) {
			f["verify_key"] = strings.Replace(vectorKey, "amount,", "", 1)
		},
	}
	for name, mod := range cases {
		f := vector()
		mod(f)
		if err := sslcommerz.VerifySign(f, "test_testemi@ssl"); !errors.Is(err, ports.ErrBadReturn) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := sslcommerz.VerifySign(vector(), "wrong@ssl"); !errors.Is(err, ports.ErrBadReturn) {
		t.Errorf("wrong password: %v", err)
	}
}
