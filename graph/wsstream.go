package graph

import (
	"context"
	"sync"
)

// wsCloseKey carries the close code and reason of a refused connection_init.
type wsCloseKey struct{}

type wsClose struct {
	code   int
	reason string
}

// withClose marks ctx so the transport closes a refused socket with code
// and reason.
func withClose(ctx context.Context, code int, reason string) context.Context {
	return context.WithValue(ctx, wsCloseKey{}, wsClose{code, reason})
}

func closeOf(ctx context.Context) (int, string) {
	if ctx != nil {
		if c, ok := ctx.Value(wsCloseKey{}).(wsClose); ok {
			return c.code, c.reason
		}
	}
	return closeNormal, "terminated"
}

// wsStreamKey carries the operation's wsStream to its resolvers.
type wsStreamKey struct{}

// wsStream lets a subscription resolver tell the transport when its
// channel holds a value (or was closed), so no goroutine waits on the
// channel while the subscription is idle. A resolver that does not claim
// the stream is served as gqlgen serves it, by a goroutine waiting on its
// channel.
type wsStream struct {
	mu      sync.Mutex
	claimed bool
	pending int         // values (and the close) signalled but not sent
	drain   func() bool // sends one; false once the stream ended
	running bool        // a goroutine is draining
}

// streamFrom returns the stream of ctx's websocket operation; nil over
// HTTP (a nil *wsStream ignores every call).
func streamFrom(ctx context.Context) *wsStream {
	s, _ := ctx.Value(wsStreamKey{}).(*wsStream)
	return s
}

// claim says the resolver signals every send and the close of its channel
// (ready); it is called before the resolver returns its channel.
func (s *wsStream) claim() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.claimed = true
	s.mu.Unlock()
}

// ready signals one value sent on the channel, or its close.
func (s *wsStream) ready() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.pending++
	spawn := s.drain != nil && !s.running
	if spawn {
		s.running = true
	}
	s.mu.Unlock()
	if spawn {
		go s.loop()
	}
}

// begin hands the stream its drain once the operation was dispatched:
// false if the resolver did not claim it. What was signalled meanwhile is
// sent on the caller's goroutine.
func (s *wsStream) begin(drain func() bool) bool {
	s.mu.Lock()
	if !s.claimed {
		s.mu.Unlock()
		return false
	}
	s.drain = drain
	s.running = true
	s.mu.Unlock()
	s.loop()
	return true
}

// loop sends what is pending, then leaves until the next ready.
func (s *wsStream) loop() {
	for {
		s.mu.Lock()
		if s.pending == 0 || s.drain == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.pending--
		drain := s.drain
		s.mu.Unlock()
		if !drain() {
			s.mu.Lock()
			s.drain, s.running = nil, false
			s.mu.Unlock()
			return
		}
	}
}
