package ports

import (
	"context"
	"errors"
)

// Errors a HostChecker returns (wrapped).
var (
	// ErrInternalHost: the host is, or resolves to, an address paycore
	// must not call on a merchant's behalf (loopback, private, link-local,
	// metadata, …).
	ErrInternalHost = errors.New("host is an internal address")
	// ErrUnknownHost: the name does not exist.
	ErrUnknownHost = errors.New("host does not resolve")
)

// HostChecker vets the host of a URL paycore will call for a merchant (its
// webhook_url) when the URL is given. Resolving a name is I/O, so it is a
// port; the sender checks the address it dials again, since a name may
// resolve differently later.
type HostChecker interface {
	// CheckHost returns nil when host (a name or an IP literal) resolves
	// only to public addresses; an error wrapping ErrInternalHost or
	// ErrUnknownHost when it does not; any other error when the answer is
	// unknown (a resolver failure).
	CheckHost(ctx context.Context, host string) error
}
