package graph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/app"
)

// A websocket's authentication ends (issue 10): every operation on it
// re-checks its principal (app.Sessions: API key not revoked, client
// active; answers cached a few seconds), and so does a timer while the
// socket is idle; a bearer token's expiry ends it too. The socket is then
// closed with 4403 Forbidden, so graphql-ws clients stop instead of
// reconnecting in a loop.

// wsSession is one websocket connection: the socket (to close it with our
// own code), its principal and the expiry of the token that opened it.
type wsSession struct {
	mu      sync.Mutex
	conn    transport.WebsocketConn
	cancel  context.CancelFunc // ends the connection's context
	pr      app.Principal
	exp     time.Time // zero: no token expiry (HMAC)
	closed  bool
	subs    int    // subscriptions running
	slot    string // sockets-per-principal slot held ("": none)
	stopped chan struct{}
}

type wsSessionKey struct{}

func sessionOf(ctx context.Context) *wsSession {
	s, _ := ctx.Value(wsSessionKey{}).(*wsSession)
	return s
}

// close sends code and reason, closes the socket and ends its context
// (which stops its subscriptions). Only the first call counts.
func (s *wsSession) close(code int, reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		_ = conn.WriteClose(code, reason)
		_ = conn.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *wsSession) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// acceptTracker records the accepted socket in the request's wsSession, so
// the session can close it with a code of its own (gqlgen closes on a
// cancelled context with 1000 only).
type acceptTracker struct {
	inner transport.WebsocketImplementation
}

func (a acceptTracker) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := a.inner.Accept(w, r, o)
	if err == nil {
		if s := sessionOf(r.Context()); s != nil {
			s.mu.Lock()
			s.conn = c
			s.mu.Unlock()
		}
	}
	return c, err
}

// errSessionEnded is the error of an operation refused because its
// socket's principal is no longer valid; the socket closes with 4403.
var errSessionEnded = errors.New("session ended")

// checkSession re-checks the socket's principal: nil while it may act; a
// refusal (the socket is then closed with 4403) or a store error.
func (a *authenticator) checkSession(ctx context.Context, s *wsSession) error {
	s.mu.Lock()
	pr, exp := s.pr, s.exp
	s.mu.Unlock()
	if !exp.IsZero() && !time.Now().Before(exp) {
		s.close(CloseForbidden, "Forbidden")
		return errSessionEnded
	}
	err := a.sessions.Check(ctx, pr)
	var ae *app.AuthError
	if errors.As(err, &ae) {
		a.log.InfoContext(ctx, "websocket closed: principal no longer valid", "client_id", pr.ClientID, "reason", ae.Reason)
		s.close(CloseForbidden, "Forbidden")
		return errSessionEnded
	}
	return err
}

// watch re-checks an open socket every interval until it closes, and
// closes it when its token expires.
func (a *authenticator) watch(ctx context.Context, s *wsSession, every time.Duration) {
	var expired <-chan time.Time
	if !s.exp.IsZero() {
		t := time.NewTimer(time.Until(s.exp))
		defer t.Stop()
		expired = t.C
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stopped:
			return
		case <-expired:
			s.close(CloseForbidden, "Forbidden")
			return
		case <-tick.C:
			if err := a.checkSession(ctx, s); errors.Is(err, errSessionEnded) {
				return
			} else if err != nil {
				a.log.WarnContext(ctx, "websocket session check", "err", err)
			}
		}
	}
}

// errorResponse is a one-shot GraphQL response carrying one error with its
// code, for an operation refused before it runs.
func errorResponse(code, message string, ext map[string]any) graphql.ResponseHandler {
	e := &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
	for k, v := range ext {
		e.Extensions[k] = v
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{e}})
}

// aroundOperation guards every operation: on a websocket, the principal is
// re-checked first (refused → socket closed with 4403, the operation never
// runs).
func (a *authenticator) aroundOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if s := sessionOf(ctx); s != nil {
		if s.isClosed() {
			return errorResponse(CodeUnauthenticated, "connection closed", nil)
		}
		switch err := a.checkSession(ctx, s); {
		case errors.Is(err, errSessionEnded):
			return errorResponse(CodeUnauthenticated, "credentials no longer valid", nil)
		case err != nil:
			a.log.ErrorContext(ctx, "websocket session check", "err", err)
			return errorResponse(CodeInternal, "internal error", nil)
		}
	}
	return a.guardOperation(ctx, next)
}
