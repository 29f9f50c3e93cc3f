package bkash_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ipnEnv is a simulator with one completed payment and an IPNReader that
// allows the simulator's host over http (the sandbox's setting).
func ipnEnv(t *testing.T, version string) (*simEnv, *bkash.IPNReader, string) {
	t.Helper()
	s := newSimEnvWith(t, func(c *bkashsim.Config) { c.IPNSignatureVersion = version }, nil)
	res, _ := s.pay(t, "att_ipn", bdt(25000), "01770618575")
	if out, err := s.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: "att_ipn", GatewayRef: res.GatewayRef, Amount: bdt(25000)}); err != nil || out.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("Confirm = %+v, %v", out, err)
	}
	u, _ := url.Parse(s.baseURL)
	return s, bkash.NewIPNReader(bkash.IPNConfig{AllowedHosts: []string{u.Host}, AllowHTTP: true}), res.GatewayRef
}

func TestIPNSignatureVersions(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1", "2"} {
		s, r, paymentID := ipnEnv(t, v)
		msg, err := s.sim.IPN(paymentID)
		if err != nil {
			t.Fatal(err)
		}
		c, ok, err := r.Read(context.Background(), msg)
		info, _ := s.sim.Payment(paymentID)
		if err != nil || !ok || c.Gateway != domain.GatewayBkash || c.AttemptRef != "att_ipn" || c.TrxID != info.TrxID ||
			!c.Amount.Equal(bdt(25000)) || c.Status != "Completed" || c.GatewayRef != paymentID || c.EventID == "" {
			t.Fatalf("SignatureVersion %s: Read = %+v, %v, %v", v, c, ok, err)
		}
	}
}

func TestIPNTamperedMessageIsRefused(t *testing.T) {
	t.Parallel()
	s, r, paymentID := ipnEnv(t, "1")
	msg, err := s.sim.IPN(paymentID)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(msg, &m); err != nil {
		t.Fatal(err)
	}
	m["Message"] = strings.Replace(m["Message"], `"amount":"250.00"`, `"amount":"2500.00"`, 1)
	tampered, _ := json.Marshal(m)
	if string(tampered) == string(msg) {
		t.Fatal("tampering changed nothing")
	}
	if _, _, err := r.Read(context.Background(), tampered); !errors.Is(err, ports.ErrNotificationRefused) {
		t.Fatalf("tampered Read err = %v; want ErrNotificationRefused", err)
	}
	for _, k := range []string{"SignatureVersion", "Type"} {
		m2 := map[string]string{}
		_ = json.Unmarshal(msg, &m2)
		m2[k] = "9"
		b, _ := json.Marshal(m2)
		if _, _, err := r.Read(context.Background(), b); !errors.Is(err, ports.ErrNotificationRefused) {
			t.Fatalf("%s=9: err = %v; want ErrNotificationRefused", k, err)
		}
	}
}

func TestIPNCertificateHostMustBeAllowed(t *testing.T) {
	t.Parallel()
	s, _, paymentID := ipnEnv(t, "1")
	msg, err := s.sim.IPN(paymentID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.baseURL)
	for name, r := range map[string]*bkash.IPNReader{
		"default allow-list (sns.*.amazonaws.com)": bkash.NewIPNReader(bkash.IPNConfig{AllowHTTP: true}),
		"allowed host over http outside sandbox":   bkash.NewIPNReader(bkash.IPNConfig{AllowedHosts: []string{u.Host}}),
	} {
		if _, _, err := r.Read(context.Background(), msg); !errors.Is(err, ports.ErrNotificationRefused) {
			t.Errorf("%s: err = %v; want ErrNotificationRefused", name, err)
		}
	}
	// A certificate URL moved to another host fails the signature's check
	// before anything is fetched.
	var m map[string]string
	_ = json.Unmarshal(msg, &m)
	m["SigningCertURL"] = "https://sns.ap-southeast-1.amazonaws.com.evil.example/cert.pem"
	b, _ := json.Marshal(m)
	if _, _, err := bkash.NewIPNReader(bkash.IPNConfig{}).Read(context.Background(), b); !errors.Is(err, ports.ErrNotificationRefused) {
		t.Errorf("look-alike host: err = %v; want ErrNotificationRefused", err)
	}
}

func TestIPNSubscriptionConfirmationIsConfirmed(t *testing.T) {
	t.Parallel()
	s, r, _ := ipnEnv(t, "1")
	msg, token, err := s.sim.SubscriptionConfirmation()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.Read(context.Background(), msg); err != nil || ok {
		t.Fatalf("Read = %v, %v; want confirmed, no claim", ok, err)
	}
	if !s.sim.SubscriptionConfirmed(token) {
		t.Fatal("SubscribeURL was not visited")
	}
}
