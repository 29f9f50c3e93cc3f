package graph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/app"
)

// A websocket's authentication ends (issue 10): every operation on it
// re-checks its principal (app.Sessions: API key not revoked, client
// active; answers cached a few seconds), and so does the node's re-check
// wheel (one goroutine for every socket) while it is idle; a bearer token's
// expiry ends it too. The socket is then
// closed with 4403 Forbidden, so graphql-ws clients stop instead of
// reconnecting in a loop.

// wsSession is one websocket connection: the socket (to close it with our
// own code), its principal and the expiry of the token that opened it.
type wsSession struct {
	ctx    context.Context // the connection's
	mu     sync.Mutex
	conn   wsCloser
	cancel context.CancelFunc // ends the connection's context
	pr     app.Principal
	exp    time.Time // zero: no token expiry (HMAC)
	closed bool
	subs   int         // subscriptions running
	slot   string      // sockets-per-principal slot held ("": none)
	expiry *time.Timer // closes the socket when the token expires
	served bool        // the transport serves the socket beyond its request
	ended  bool
	onEnd  func() // releases what the session holds
}

// wsCloser closes a socket with a code and reason (wsConn).
type wsCloser interface {
	closeWith(code int, reason string)
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
		conn.closeWith(code, reason)
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

// detach says the transport serves the socket after its HTTP request
// returned, and calls end when it closes.
func (s *wsSession) detach() {
	s.mu.Lock()
	s.served = true
	s.mu.Unlock()
}

func (s *wsSession) detached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// end releases what the session holds (socket slot, re-checks, expiry
// timer, context); only the first call counts.
func (s *wsSession) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	if s.expiry != nil {
		s.expiry.Stop()
	}
	onEnd := s.onEnd
	s.mu.Unlock()
	if onEnd != nil {
		onEnd()
	}
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

// watch puts an accepted socket on the node's re-check wheel (every
// revalidate interval, one goroutine for all sockets) and closes it when
// its token expires.
func (a *authenticator) watch(s *wsSession) {
	s.mu.Lock()
	if !s.exp.IsZero() && !s.ended {
		s.expiry = time.AfterFunc(time.Until(s.exp), func() { s.close(CloseForbidden, "Forbidden") })
	}
	s.mu.Unlock()
	a.checks.add(s)
}

// recheckTimeout bounds one socket's re-check, so a slow store cannot hold
// up the wheel's round for long.
const recheckTimeout = 5 * time.Second

// recheck is the wheel's round for one socket.
func (a *authenticator) recheck(s *wsSession) {
	if s.isClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, recheckTimeout)
	defer cancel()
	if err := a.checkSession(ctx, s); err != nil && !errors.Is(err, errSessionEnded) {
		a.log.WarnContext(ctx, "websocket session check", "err", err)
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
	if refused := a.spendNonce(ctx); refused != nil {
		return refused
	}
	return a.guardOperation(ctx, next)
}

// spendNonce records the pending nonce of a signed HTTP request before its
// operation runs — unless the operation is a lone createPayment, whose
// transaction records it with the payment (app.Payments.Create). A replay
// is answered HTTP 401 UNAUTHENTICATED "nonce already used", as REST does.
func (a *authenticator) spendNonce(ctx context.Context) graphql.ResponseHandler {
	if loneCreate(graphql.GetOperationContext(ctx)) {
		return nil
	}
	err := a.auth.ConsumePending(ctx)
	switch {
	case err == nil:
		return nil
	case app.IsReplay(err):
		replayed(ctx)
		_, message, _ := publicError(err)
		return errorResponse(CodeUnauthenticated, message, nil)
	default:
		a.log.ErrorContext(ctx, "record nonce", "err", err)
		return errorResponse(CodeInternal, "internal error", nil)
	}
}

// loneCreate reports whether op is a mutation whose one root field is
// createPayment.
func loneCreate(op *graphql.OperationContext) bool {
	if op == nil || op.Operation == nil || op.Operation.Operation != ast.Mutation || len(op.Operation.SelectionSet) != 1 {
		return false
	}
	f, ok := op.Operation.SelectionSet[0].(*ast.Field)
	return ok && f.Name == "createPayment"
}

// replayed sets an HTTP operation's status to 401: its nonce was used
// before.
func replayed(ctx context.Context) {
	if x, ok := exchangeOf(ctx); ok && x.w != nil {
		x.w.WriteHeader(http.StatusUnauthorized)
	}
}
