package webhooksend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/paycore/paycore/ports"
)

// LookupFunc resolves a host name to its addresses (net.DefaultResolver's
// LookupNetIP with network "ip" by default).
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// HostChecker is a ports.HostChecker: a host is acceptable when it is, or
// resolves only to, Public addresses.
type HostChecker struct{ lookup LookupFunc }

var _ ports.HostChecker = HostChecker{}

// NewHostChecker returns a HostChecker resolving names with lookup (nil:
// the system resolver).
func NewHostChecker(lookup LookupFunc) HostChecker {
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return HostChecker{lookup: lookup}
}

// CheckHost implements ports.HostChecker.
func (c HostChecker) CheckHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		if !Public(a) {
			return fmt.Errorf("%w: %s", ports.ErrInternalHost, a)
		}
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("%w: %s", ports.ErrInternalHost, host)
	}
	addrs, err := c.lookup(ctx, host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Errorf("%w: %s", ports.ErrUnknownHost, host)
	case err != nil:
		return err
	case len(addrs) == 0:
		return fmt.Errorf("%w: %s", ports.ErrUnknownHost, host)
	}
	for _, a := range addrs {
		if !Public(a) {
			return fmt.Errorf("%w: %s resolves to %s", ports.ErrInternalHost, host, a)
		}
	}
	return nil
}
