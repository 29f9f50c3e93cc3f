package graph

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Error codes sent in a GraphQL error's extensions.code: app's one
// classification, shared with the REST edge.
const (
	CodeUnauthenticated    = app.CodeUnauthenticated
	CodeForbidden          = app.CodeForbidden
	CodeNotFound           = app.CodeNotFound
	CodeValidationFailed   = app.CodeValidationFailed
	CodeNotPayable         = app.CodeNotPayable
	CodeGatewayUnavailable = app.CodeGatewayUnavailable
	CodeGatewayDisabled    = app.CodeGatewayDisabled
	CodeGatewayError       = app.CodeGatewayError
	CodeConflict           = app.CodeConflict
	CodeInternal           = app.CodeInternal
)

// ErrorCode maps an error from the core to the code clients see (app.ErrorCode).
func ErrorCode(err error) string { return app.ErrorCode(err) }

// publicError is what a client may learn about err: a code, a message that
// never carries internal detail, and extensions beyond the code.
func publicError(err error) (code, message string, ext map[string]any) {
	var rl *app.ErrLoginRateLimited
	if errors.As(err, &rl) {
		return CodeRateLimited, rl.Error(), map[string]any{"retryAfter": int(rl.RetryAfter.Seconds()) + 1}
	}
	code = ErrorCode(err)
	switch code {
	case CodeUnauthenticated:
		message = "authentication required"
		var ae *app.AuthError
		if errors.As(err, &ae) {
			message = ae.Reason
		}
	case CodeForbidden:
		message = "forbidden"
	case CodeNotFound:
		message = "not found"
	case CodeValidationFailed:
		// Fields by their GraphQL names (graphFieldNames); REST keeps app's.
		var ve *domain.ValidationError
		errors.As(err, &ve)
		message = "validation failed"
		fields := make(map[string]any, len(ve.Fields))
		for f, msgs := range ve.Fields {
			named := make([]string, len(msgs))
			for i, m := range msgs {
				named[i] = appFieldPattern.ReplaceAllStringFunc(m, graphFieldName)
			}
			fields[graphFieldName(f)] = named
		}
		ext = map[string]any{"fields": fields}
	case CodeNotPayable:
		message = domain.ErrNotPayable.Error()
	case CodeGatewayUnavailable:
		message = domain.ErrGatewayUnavailable.Error()
	case CodeGatewayDisabled:
		message = app.ErrGatewayDisabled.Error()
	case CodeGatewayError:
		var ge *ports.GatewayError
		errors.As(err, &ge)
		message = "the gateway refused the payment"
		if ge.Message != "" {
			message = ge.Message
		}
		ext = map[string]any{"gateway": string(ge.Gateway), "gatewayCode": ge.Code, "gatewayMessage": ge.Message}
	case CodeConflict:
		message = "the request conflicts with the current state"
		var ie *idempotencyError
		if errors.As(err, &ie) {
			message, ext = ie.msg, map[string]any{"error": "idempotency_error"}
		}
	default:
		message = "internal error"
		if errors.Is(err, errRequestLogsUnavailable) {
			message = errRequestLogsUnavailable.Error()
		}
	}
	return code, message, ext
}

// graphFieldNames are GraphQL's names for the fields app's validation
// errors name the REST way (snake_case, as REST shows them): input fields
// and arguments of the schema. Names both share (amount, currency, status,
// reason, metadata, …) and GraphQL's own (first, after) are not listed.
var graphFieldNames = map[string]string{
	"order_id":        "orderId",
	"customer_name":   "customerName",
	"customer_email":  "customerEmail",
	"customer_phone":  "customerPhone",
	"return_url":      "returnURL",
	"cancel_url":      "cancelURL",
	"failure_url":     "failureURL",
	"webhook_url":     "webhookURL",
	"transaction_id":  "transactionId",
	"event_id":        "eventId",
	"client_id":       "clientId",
	"from_date":       "from",
	"to_date":         "to",
	"idempotency_key": "idempotencyKey",
}

// appFieldPattern finds graphFieldNames' keys as whole words in a message.
var appFieldPattern = func() *regexp.Regexp {
	names := make([]string, 0, len(graphFieldNames))
	for n := range graphFieldNames {
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Strings(names)
	return regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
}()

// graphFieldName is GraphQL's name for a field app names the REST way.
func graphFieldName(name string) string {
	if g, ok := graphFieldNames[name]; ok {
		return g
	}
	return name
}

// resolverError marks an error returned by a resolver (or a recovered
// panic), as opposed to one raised by the GraphQL machinery itself (syntax,
// validation, argument coercion, complexity), whose message is about the
// request and is shown as it is.
type resolverError struct{ err error }

func (e *resolverError) Error() string { return e.err.Error() }
func (e *resolverError) Unwrap() error { return e.err }

// markResolverErrors is field middleware: every error a resolver returns
// passes through it on its way to the presenter.
func markResolverErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if app.IsReplay(err) {
		replayed(ctx) // a lone createPayment's nonce, refused at its commit
	}
	if err != nil {
		var re *resolverError
		if !errors.As(err, &re) {
			err = &resolverError{err}
		}
	}
	return res, err
}

// errPanic stands for a recovered panic; the panic itself is logged where it
// is recovered.
var errPanic = errors.New("panic")

// errorPresenter returns gqlgen's error presenter: resolver errors get their
// code, a safe message and extensions from publicError; INTERNAL ones are
// logged with the real error.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var re *resolverError
		if !errors.As(err, &re) {
			return gqlErr
		}
		code, msg, ext := publicError(re.err)
		if code == CodeInternal && !errors.Is(re.err, errPanic) {
			level := slog.LevelError
			if errors.Is(re.err, context.Canceled) {
				level = slog.LevelDebug // the client went away
			}
			log.Log(ctx, level, "graphql resolver error", "path", gqlErr.Path.String(), "err", re.err)
		}
		out := *gqlErr
		out.Message = msg
		out.Extensions = map[string]any{"code": code}
		for k, v := range ext {
			out.Extensions[k] = v
		}
		return &out
	}
}

// recoverFunc logs a resolver's panic with its stack and gives the client
// INTERNAL, no detail.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql resolver panic", "panic", p, "stack", string(debug.Stack()))
		return &resolverError{errPanic}
	}
}
