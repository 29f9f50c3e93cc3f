package main

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
)

// viaTLSProxy marks every request as having reached a trusted proxy over
// HTTPS (X-Forwarded-Proto), as production requires.
type viaTLSProxy struct{}

func (viaTLSProxy) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-Proto", "https")
	return http.DefaultTransport.RoundTrip(r)
}

// fakeDNS answers from a table; names not in it do not exist.
func fakeDNS(table map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		ips, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, ip := range ips {
			out = append(out, netip.MustParseAddr(ip))
		}
		return out, nil
	}
}

// Outside sandbox mode a webhook_url whose host is, or resolves to, an
// internal address is refused when the payment is created (the sender
// checks the dialled address again).
func TestWebhookURLToInternalAddressRefused(t *testing.T) {
	t.Parallel()
	db, dsn := pgtest.New(t)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	ts, _ := startNodeWith(t, db, dsn, func(c *config) {
		c.Sandbox = false
		c.BaseURL = "https://pay.example.com"
		c.MasterKey, c.TokenKey = key, []byte(randomHex(32))
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.Bkash = bkashConfig{BaseURL: "https://bkash.example/checkout", Username: "u", Password: "p", AppKey: "k", AppSecret: "s"}
		c.SMS.Provider = "log"
	}, buildOptions{Lookup: fakeDNS(map[string][]string{
		"shop.example":          {"93.184.216.34", "2606:2800:220:1::1"},
		"internal.shop.example": {"192.168.1.10"},
		"metadata.shop.example": {"169.254.169.254"},
		"loop.shop.example":     {"127.0.0.2"},
		"mixed.shop.example":    {"93.184.216.34", "10.1.2.3"},
		"cgnat.shop.example":    {"100.64.0.9"},
		"v6ula.shop.example":    {"fd00::1"},
	})})
	ts.db = ts.server.db // seals the client's secrets with this node's master key
	c := v1NewClient(t, ts, "prod", 0)
	c.hc = &http.Client{Timeout: 30 * time.Second, Transport: viaTLSProxy{}}

	for _, hook := range []string{
		"https://127.0.0.1/hook", "https://[::1]/hook", "https://10.0.0.8/hook", "https://169.254.169.254/latest/meta-data",
		"https://localhost/hook", "https://api.localhost/hook",
		"https://internal.shop.example/hook", "https://metadata.shop.example/hook", "https://loop.shop.example/hook",
		"https://mixed.shop.example/hook", "https://cgnat.shop.example/hook", "https://v6ula.shop.example/hook",
		"https://nosuch.shop.example/hook",
	} {
		r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "100.00", func(m map[string]any) { m["webhook_url"] = hook }))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("webhook_url %s: HTTP %d %s", hook, r.Status, r.Raw)
			continue
		}
		v1WantInvalid(t, r, "webhook_url")
	}
	v1Want(t, c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "100.00", func(m map[string]any) {
		m["webhook_url"] = "https://shop.example/hook"
	})), http.StatusCreated)
	if n := v1Payments(t, ts, c.clientID); n != 1 {
		t.Fatalf("%d payments stored, want 1", n)
	}
}
