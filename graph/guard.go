package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/adapters/redact"
	"github.com/paycore/paycore/app"
)

// The GraphQL edge is guarded as REST is (issue 10): HTTPS outside sandbox
// (httpauth.Secure: TLS, or X-Forwarded-Proto from a trusted proxy), the
// per-client rate limit (one RateLimiter shared with REST), every operation
// in the request log (variables redacted as REST redacts bodies), and caps
// on root fields and aliases per operation, subscriptions per socket and
// sockets per principal.

// Error codes of the guards, beside app's.
const (
	CodeRateLimited   = "RATE_LIMITED"   // over the client's requests per minute (HTTP 429)
	CodeLimitExceeded = "LIMIT_EXCEEDED" // too many root fields, aliases, subscriptions or sockets
)

// CloseTooManySockets closes a websocket over Config.MaxSocketsPerPrincipal.
const CloseTooManySockets = 4429

// Defaults of the caps (Config fields left 0).
const (
	DefaultMaxRootFields             = 10
	DefaultMaxAliases                = 30
	DefaultMaxSubscriptionsPerSocket = 10
	DefaultMaxSocketsPerPrincipal    = 20
	DefaultRatePerMinute             = 120
)

// RateLimiter takes one request from a client's bucket of perMinute
// requests: REST's rest.RateLimiter.
type RateLimiter interface {
	Allow(clientID string, perMinute int) (ok bool, remaining, reset, retryAfter int)
}

// RequestRecord is one GraphQL operation as logged: REST's request record
// with Method "POST", "GET" or "WS", Endpoint "/graphql" and as request
// body {"operationName","operation","fields","variables"} (redacted).
type RequestRecord struct {
	ClientID     string
	Method       string
	Endpoint     string
	StatusCode   int
	RequestBody  string
	ResponseBody string
	IP           string
	Latency      time.Duration
	At           time.Time
}

// RequestLogger takes records without blocking (REST's request log store).
type RequestLogger interface {
	LogRequest(RequestRecord)
}

// reqInfo is what the log needs from the HTTP request.
type reqInfo struct {
	method, ip string
}

type reqInfoKey struct{}

// bucket is the rate-limit bucket of pr: its client's, shared with REST; a
// customer's token scoped to one payment has a bucket of its own, so a
// customer never spends the merchant's budget; "" for an admin (not
// limited).
func bucket(pr app.Principal) string {
	switch {
	case pr.Admin || pr.ClientID == "":
		return ""
	case pr.TransactionID != "":
		return "txn:" + pr.TransactionID
	}
	return pr.ClientID
}

// limit takes a token of pr's bucket; ok false with the seconds to wait.
func (a *authenticator) limit(w http.ResponseWriter, pr app.Principal) (bool, int) {
	b := bucket(pr)
	if b == "" || a.rate == nil {
		return true, 0
	}
	perMinute := pr.RatePerMinute
	if perMinute <= 0 || pr.TransactionID != "" {
		perMinute = a.defaultRate
	}
	ok, remaining, reset, retry := a.rate.Allow(b, perMinute)
	if w != nil {
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(perMinute))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(reset)*time.Second).Unix(), 10))
		if !ok {
			h.Set("Retry-After", strconv.Itoa(retry))
		}
	}
	return ok, retry
}

// guardOperation is the part of aroundOperation after the session check:
// websocket rate limit and subscription cap, then the operation, logged.
func (a *authenticator) guardOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	start := time.Now()
	s := sessionOf(ctx)
	if s != nil {
		pr, _ := principal(ctx)
		if ok, retry := a.limit(nil, pr); !ok {
			return a.logged(ctx, start, errorResponse(CodeRateLimited, "too many requests", map[string]any{"retryAfter": retry}))
		}
		if op := graphql.GetOperationContext(ctx); op.Operation != nil && op.Operation.Operation == ast.Subscription {
			s.mu.Lock()
			over := s.subs >= a.maxSubs
			if !over {
				s.subs++
			}
			s.mu.Unlock()
			if over {
				return a.logged(ctx, start, errorResponse(CodeLimitExceeded, "too many subscriptions on this connection", map[string]any{"limit": a.maxSubs}))
			}
			var once sync.Once
			done := func() { once.Do(func() { s.mu.Lock(); s.subs--; s.mu.Unlock() }) }
			h := a.logged(ctx, start, next(ctx))
			return func(ctx context.Context) *graphql.Response {
				r := h(ctx)
				if r == nil {
					done()
				}
				return r
			}
		}
	}
	return a.logged(ctx, start, next(ctx))
}

// logged writes the operation to the request log with its first response.
func (a *authenticator) logged(ctx context.Context, start time.Time, h graphql.ResponseHandler) graphql.ResponseHandler {
	if a.logs == nil {
		return h
	}
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		r := h(ctx)
		once.Do(func() { a.logs.LogRequest(a.record(ctx, start, r)) })
		return r
	}
}

// record builds the log record of an operation and its first response.
func (a *authenticator) record(ctx context.Context, start time.Time, r *graphql.Response) RequestRecord {
	info, _ := ctx.Value(reqInfoKey{}).(reqInfo)
	rec := RequestRecord{Method: info.method, Endpoint: "/graphql", IP: info.ip, At: start,
		Latency: time.Since(start), StatusCode: http.StatusOK}
	if sessionOf(ctx) != nil {
		rec.Method = "WS"
	}
	if pr, err := principal(ctx); err == nil {
		rec.ClientID = pr.ClientID
	}
	req := map[string]any{}
	if op := graphql.GetOperationContext(ctx); op != nil {
		req["operationName"] = op.OperationName
		req["variables"] = op.Variables
		if op.Operation != nil {
			req["operation"] = string(op.Operation.Operation)
			if op.OperationName == "" {
				req["operationName"] = op.Operation.Name
			}
			var fields []string
			for _, sel := range op.Operation.SelectionSet {
				if f, ok := sel.(*ast.Field); ok {
					fields = append(fields, f.Name)
				}
			}
			req["fields"] = fields
		}
	}
	body, _ := json.Marshal(req)
	rec.RequestBody = redact.JSON(body)
	if r != nil {
		if len(r.Errors) > 0 {
			if code, _ := r.Errors[0].Extensions["code"].(string); code != "" {
				rec.StatusCode = statusOf(code)
			} else if r.Data == nil {
				rec.StatusCode = http.StatusUnprocessableEntity
			}
		}
		out, _ := json.Marshal(r)
		rec.ResponseBody = redact.JSON(out)
	}
	return rec
}

// statusOf is the HTTP status a code stands for in the log.
func statusOf(code string) int {
	switch code {
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeLimitExceeded:
		return http.StatusUnprocessableEntity
	}
	return app.CodeHTTPStatus(code)
}

// fieldCaps refuses operations with too many root fields or aliases, before
// anything runs (an alias is how one request asks the same costly field
// many times).
type fieldCaps struct{ maxRoot, maxAliases int }

func (fieldCaps) ExtensionName() string                   { return "FieldCaps" }
func (fieldCaps) Validate(graphql.ExecutableSchema) error { return nil }

func (c fieldCaps) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if n := countFields(rc.Operation.SelectionSet, false, c.maxRoot+1, 0); n > c.maxRoot {
		return &gqlerror.Error{Message: "too many root fields in one operation (at most " + strconv.Itoa(c.maxRoot) + ")",
			Extensions: map[string]any{"code": CodeLimitExceeded, "limit": c.maxRoot}}
	}
	if n := countFields(rc.Operation.SelectionSet, true, c.maxAliases+1, 0); n > c.maxAliases {
		return &gqlerror.Error{Message: "too many aliases in one operation (at most " + strconv.Itoa(c.maxAliases) + ")",
			Extensions: map[string]any{"code": CodeLimitExceeded, "limit": c.maxAliases}}
	}
	return nil
}

// countFields counts the fields of set (aliases: the aliased fields at every
// depth; otherwise the fields of this level, through fragments), stopping
// once the count reaches stop.
func countFields(set ast.SelectionSet, aliases bool, stop, n int) int {
	for _, sel := range set {
		if n >= stop {
			return n
		}
		switch s := sel.(type) {
		case *ast.Field:
			if !aliases {
				n++
				continue
			}
			if s.Alias != "" && s.Alias != s.Name {
				n++
			}
			n = countFields(s.SelectionSet, aliases, stop, n)
		case *ast.InlineFragment:
			n = countFields(s.SelectionSet, aliases, stop, n)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				n = countFields(s.Definition.SelectionSet, aliases, stop, n)
			}
		}
	}
	return n
}

// takeSocket claims one of the principal's sockets; false when it has
// MaxSocketsPerPrincipal open.
func (a *authenticator) takeSocket(s *wsSession, pr app.Principal) bool {
	slot := "client:" + pr.ClientID
	switch {
	case pr.Admin:
		slot = "admin"
	case pr.TransactionID != "":
		slot = "txn:" + pr.TransactionID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sockets[slot] >= a.maxSockets {
		return false
	}
	a.sockets[slot]++
	s.mu.Lock()
	s.slot = slot
	s.mu.Unlock()
	return true
}

// release gives back what a closed websocket held.
func (a *authenticator) release(s *wsSession) {
	s.mu.Lock()
	slot := s.slot
	s.slot = ""
	s.mu.Unlock()
	if slot == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sockets[slot]--; a.sockets[slot] <= 0 {
		delete(a.sockets, slot)
	}
}

// refuseTooMany marks ctx so gqlgen closes the socket with 4429.
func refuseTooMany(ctx context.Context) context.Context {
	return withClose(ctx, CloseTooManySockets, "Too many connections")
}

// secure reports whether r may be served (HTTPS outside sandbox).
func (a *authenticator) secure(r *http.Request) bool {
	return a.sandbox || httpauth.Secure(r, a.trusted)
}
