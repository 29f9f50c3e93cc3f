package webhooksend_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/paycore/paycore/adapters/webhooksend"
	"github.com/paycore/paycore/ports"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
	} {
		if got := webhooksend.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

// Outside sandbox mode a webhook never reaches an internal address: the
// check runs on the dialled IP, so "localhost" is refused like 127.0.0.1.
func TestSSRFTargetsRefused(t *testing.T) {
	t.Parallel()
	hit := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	s := webhooksend.New(false, 0)
	for _, u := range []string{
		srv.URL + "/hook", // https://127.0.0.1:port
		"https://localhost:" + srv.URL[len("https://127.0.0.1:"):] + "/hook", // name resolving to loopback
		"http://example.com/hook",                   // plain HTTP
		"https://169.254.169.254/latest/meta-data/", // cloud metadata
		"https://[::1]/hook",
		"ftp://example.com/x",
	} {
		_, err := s.Send(context.Background(), ports.WebhookRequest{URL: u, Body: []byte(`{}`)})
		if !errors.Is(err, webhooksend.ErrForbiddenTarget) {
			t.Errorf("Send(%s) error = %v, want ErrForbiddenTarget", u, err)
		}
	}
	if hit {
		t.Fatal("a refused webhook reached the server")
	}
}

func TestSandboxSendsAndCapsTheAnswer(t *testing.T) {
	t.Parallel()
	big := make([]byte, 5000)
	for i := range big {
		big[i] = 'x'
	}
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(big)
	}))
	defer srv.Close()
	resp, err := webhooksend.New(true, 0).Send(context.Background(), ports.WebhookRequest{URL: srv.URL,
		Headers: map[string]string{"X-Webhook-Id": "evt_1"}, Body: []byte(`{}`)})
	if err != nil || resp.StatusCode != http.StatusAccepted || len(resp.Body) != webhooksend.MaxResponse {
		t.Fatalf("resp %d len %d err %v", resp.StatusCode, len(resp.Body), err)
	}
	if got.Get("X-Webhook-Id") != "evt_1" {
		t.Fatalf("headers %v", got)
	}
}
