// Package webhooksend POSTs signed merchant webhooks (ports.WebhookSender) and
// guards against server-side request forgery: outside sandbox mode only
// HTTPS, and never to loopback, private, link-local, shared (CGNAT),
// multicast, unspecified or cloud-metadata addresses — checked on the IP
// actually dialled, after DNS resolution, so a name that resolves (or
// re-resolves) to an internal address is refused too.
package webhooksend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/paycore/paycore/ports"
)

// ErrForbiddenTarget is returned for a URL or address webhooks may not
// reach.
var ErrForbiddenTarget = errors.New("webhook target not allowed")

// MaxResponse is how much of the merchant's answer is kept: 1 KiB.
const MaxResponse = 1 << 10

// Sender is a ports.WebhookSender.
type Sender struct {
	client  *http.Client
	sandbox bool
}

var _ ports.WebhookSender = (*Sender)(nil)

// New returns a Sender. sandbox allows plain HTTP and any address (the
// sandbox merchant receiver lives on loopback); timeout 0 → 10 s.
func New(sandbox bool, timeout time.Duration) *Sender {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !sandbox {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
			}
			if !Public(ap.Addr()) {
				return fmt.Errorf("%w: %s is not a public address", ErrForbiddenTarget, ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // dial the merchant directly, so the address check applies
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Sender{sandbox: sandbox, client: &http.Client{
		Transport: tr, Timeout: timeout,
		// A redirect is not a 2xx: report it, never follow it (it could
		// point anywhere).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 internals
	netip.MustParsePrefix("2001:db8::/32"),
}

// Public reports whether a webhook may be sent to addr: not loopback,
// private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16
// incl. the 169.254.169.254 metadata service, fe80::/10), multicast,
// unspecified, CGNAT or another reserved range.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// Send implements ports.WebhookSender.
func (s *Sender) Send(ctx context.Context, req ports.WebhookRequest) (ports.WebhookResponse, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return ports.WebhookResponse{}, fmt.Errorf("%w: bad URL", ErrForbiddenTarget)
	}
	if !s.sandbox && u.Scheme != "https" {
		return ports.WebhookResponse{}, fmt.Errorf("%w: HTTPS only", ErrForbiddenTarget)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return ports.WebhookResponse{}, fmt.Errorf("%w: scheme %q", ErrForbiddenTarget, u.Scheme)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return ports.WebhookResponse{}, err
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := s.client.Do(hr)
	if err != nil {
		return ports.WebhookResponse{Latency: time.Since(start)}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return ports.WebhookResponse{StatusCode: resp.StatusCode, Body: string(body), Latency: time.Since(start)}, nil
}
