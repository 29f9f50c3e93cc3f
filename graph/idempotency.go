package graph

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Mutations are idempotent like REST's POSTs (docs/merchant-api.md §4): a
// key, from the Idempotency-Key header of POST /graphql or the mutation's
// idempotencyKey input field, makes the first successful result stored (in
// the store REST's Idempotency-Key uses) per client, operation and key for
// IdempotencyTTL and returned again for the same input. The same key with
// other input → CONFLICT (extensions.error "idempotency_error"); while the
// first call runs → CONFLICT too. Errors are not stored: a retry runs
// again (nothing was changed by a refused call).

// IdempotencyTTL is how long a first result is replayed.
const IdempotencyTTL = 24 * time.Hour

// maxIdempotencyKey is the longest key accepted, as REST.
const maxIdempotencyKey = 255

// Errors of IdempotencyStore.Begin.
var (
	ErrIdempotencyMismatch   = errors.New("idempotency key reused with a different request")
	ErrIdempotencyInProgress = errors.New("idempotency key in use by a running request")
)

// IdempotencyStore keeps first results per scope (the client) and key; the
// REST edge's store (PostgreSQL, so every node agrees) behind another face.
type IdempotencyStore interface {
	// Begin claims key for a request hashing to hash: (nil, nil) to run it;
	// the stored result to replay; ErrIdempotencyMismatch or
	// ErrIdempotencyInProgress otherwise.
	Begin(ctx context.Context, scope, key string, hash []byte, ttl time.Duration) ([]byte, error)
	Finish(ctx context.Context, scope, key string, result []byte) error
	Abandon(ctx context.Context, scope, key string) error
}

// idempotencyError refuses a reused or busy key: CONFLICT.
type idempotencyError struct{ msg string }

func (e *idempotencyError) Error() string        { return e.msg }
func (e *idempotencyError) Is(target error) bool { return target == domain.ErrDuplicate }

// idempotentResults names the mutations that take a key and the type their
// stored result is read back into.
var idempotentResults = map[string]func() any{
	"createPayment":     func() any { return new(model.CreatePaymentPayload) },
	"startPayment":      func() any { return new(model.StartPaymentPayload) },
	"refundPayment":     func() any { return new(model.RefundPaymentPayload) },
	"regenerateApiKeys": func() any { return new(model.RegenerateAPIKeysPayload) },
	"redeliverWebhook":  func() any { return new(model.RedeliverWebhookPayload) },
}

// headerKey carries the Idempotency-Key header of an HTTP request.
type headerKey struct{}

// withHeaderKey keeps r's Idempotency-Key for the mutations it carries.
func withHeaderKey(ctx context.Context, r *http.Request) context.Context {
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		return context.WithValue(ctx, headerKey{}, k)
	}
	return ctx
}

// idempotent is field middleware for the mutations of idempotentResults.
func (a *authenticator) idempotent(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if a.idem == nil || fc == nil || fc.Object != "Mutation" || fc.Field.Field == nil {
		return next(ctx)
	}
	field := fc.Field.Name
	newResult, ok := idempotentResults[field]
	if !ok {
		return next(ctx)
	}
	key, hash, err := idempotencyRequest(ctx, field, fc.Args)
	if err != nil || key == "" {
		if err != nil {
			return nil, err
		}
		return next(ctx)
	}
	pr, err := principal(ctx)
	if err != nil {
		return next(ctx) // the resolver refuses it
	}
	scope := pr.ClientID
	if pr.Admin {
		scope = "admin"
	}
	prefix := "graphql:" + field + ":" // per operation, apart from REST's keys
	if pr.TransactionID != "" {
		prefix += pr.TransactionID + ":" // a customer's browser, apart from its merchant
	}
	key = prefix + key
	stored, err := a.idem.Begin(ctx, scope, key, hash, IdempotencyTTL)
	switch {
	case errors.Is(err, ErrIdempotencyMismatch):
		return nil, &idempotencyError{"idempotency key was already used with a different request"}
	case errors.Is(err, ErrIdempotencyInProgress):
		return nil, &idempotencyError{"a request with this idempotency key is still being processed"}
	case err != nil:
		return nil, fmt.Errorf("idempotency: %w", err)
	case stored != nil:
		res := newResult()
		if err := json.Unmarshal(stored, res); err != nil {
			return nil, fmt.Errorf("idempotency: replay %s: %w", field, err)
		}
		graphql.RegisterExtension(ctx, "idempotentReplayed", true)
		return res, nil
	}
	res, err := next(ctx)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if aerr := a.idem.Abandon(bg, scope, key); aerr != nil {
			a.log.ErrorContext(ctx, "abandon idempotency key", "err", aerr)
		}
		return res, err
	}
	body, merr := json.Marshal(res)
	if merr == nil {
		merr = a.idem.Finish(bg, scope, key, body)
	}
	if merr != nil {
		a.log.ErrorContext(ctx, "store idempotent result", "field", field, "err", merr)
	}
	return res, nil
}

// idempotencyRequest returns the mutation's idempotency key (its
// idempotencyKey argument or input field, else the header; both given must
// agree) and the hash of its arguments without the key.
func idempotencyRequest(ctx context.Context, field string, args map[string]any) (string, []byte, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return "", nil, fmt.Errorf("idempotency: arguments: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", nil, fmt.Errorf("idempotency: arguments: %w", err)
	}
	var key string
	take := func(obj map[string]any) {
		if k, ok := obj["idempotencyKey"].(string); ok && key == "" {
			key = k
		}
		delete(obj, "idempotencyKey")
	}
	take(m)
	if in, ok := m["input"].(map[string]any); ok {
		take(in)
	}
	header, _ := ctx.Value(headerKey{}).(string)
	var v domain.ValidationError
	switch {
	case key != "" && header != "" && key != header:
		v.Add("idempotencyKey", "idempotencyKey and the Idempotency-Key header differ")
	case key == "":
		key = header
	}
	if len(key) > maxIdempotencyKey {
		v.Add("idempotencyKey", "idempotencyKey must be at most 255 characters")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	canonical, _ := json.Marshal(m) // maps marshal with sorted keys
	h := sha256.New()
	h.Write([]byte("graphql\n" + field + "\n"))
	h.Write(canonical)
	return key, h.Sum(nil), nil
}
