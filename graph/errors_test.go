package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	validation := &domain.ValidationError{}
	validation.Add("order_id", "order_id is required")
	gatewayErr := &ports.GatewayError{Gateway: domain.GatewayBkash, Code: "2023", Message: "Insufficient Balance"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"unauthenticated", domain.ErrUnauthenticated, CodeUnauthenticated},
		{"auth error", &app.AuthError{Reason: "Invalid signature"}, CodeUnauthenticated},
		{"bad token", fmt.Errorf("%w: invalid or expired token", domain.ErrUnauthenticated), CodeUnauthenticated},
		{"forbidden", domain.ErrForbidden, CodeForbidden},
		{"not found", domain.ErrNotFound, CodeNotFound},
		{"wrapped not found", fmt.Errorf("get payment txn_1: %w", domain.ErrNotFound), CodeNotFound},
		{"validation", validation, CodeValidationFailed},
		{"wrapped validation", fmt.Errorf("create: %w", validation), CodeValidationFailed},
		{"not payable", fmt.Errorf("%w: txn_1 is success", domain.ErrNotPayable), CodeNotPayable},
		{"gateway unavailable", fmt.Errorf("%w: nagad", domain.ErrGatewayUnavailable), CodeGatewayUnavailable},
		{"gateway refused", fmt.Errorf("start bkash attempt for txn_1: %w", gatewayErr), CodeGatewayError},
		{"invalid transition", fmt.Errorf("%w: payment txn_1 success → pending", domain.ErrInvalidTransition), CodeConflict},
		{"duplicate", domain.ErrDuplicate, CodeConflict},
		{"anything else", errors.New("pq: connection refused"), CodeInternal},
		{"deadline", context.DeadlineExceeded, CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ErrorCode(tc.err); got != tc.want {
				t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorPresenter(t *testing.T) {
	t.Parallel()
	validation := &domain.ValidationError{}
	validation.Add("order_id", "order_id is required")
	validation.Add("amount", "amount must be greater than 0")
	for _, tc := range []struct {
		name    string
		err     error
		message string
		ext     map[string]any
		logged  bool
	}{
		{
			name: "validation", err: &resolverError{validation}, message: "validation failed",
			ext: map[string]any{"code": CodeValidationFailed, "fields": map[string]any{
				"orderId": []string{"orderId is required"}, "amount": []string{"amount must be greater than 0"}}},
		},
		{
			name: "gateway", err: &resolverError{fmt.Errorf("start: %w", &ports.GatewayError{Gateway: domain.GatewayBkash, Code: "2023", Message: "Insufficient Balance"})},
			message: "Insufficient Balance",
			ext:     map[string]any{"code": CodeGatewayError, "gateway": "bkash", "gatewayCode": "2023", "gatewayMessage": "Insufficient Balance"},
		},
		{
			name: "auth reason", err: &resolverError{&app.AuthError{Reason: "nonce already used"}},
			message: "nonce already used", ext: map[string]any{"code": CodeUnauthenticated},
		},
		{
			name: "not found hides detail", err: &resolverError{fmt.Errorf("select payments where id=txn_9: %w", domain.ErrNotFound)},
			message: "not found", ext: map[string]any{"code": CodeNotFound},
		},
		{
			name: "internal is logged, not shown", err: &resolverError{errors.New("dial tcp 10.0.0.5:5432: secret-host")},
			message: "internal error", ext: map[string]any{"code": CodeInternal}, logged: true,
		},
		{
			name: "panic already logged", err: &resolverError{errPanic},
			message: "internal error", ext: map[string]any{"code": CodeInternal},
		},
		{
			name: "machinery error passes through", err: gqlerror.Errorf("Cannot query field \"nope\" on type \"Query\"."),
			message: "Cannot query field \"nope\" on type \"Query\".",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			present := errorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))
			got := present(context.Background(), tc.err)
			if got.Message != tc.message {
				t.Errorf("message %q, want %q", got.Message, tc.message)
			}
			if fmt.Sprint(got.Extensions) != fmt.Sprint(tc.ext) {
				t.Errorf("extensions %v, want %v", got.Extensions, tc.ext)
			}
			if logged := logs.Len() > 0; logged != tc.logged {
				t.Errorf("logged %v (%q), want %v", logged, logs.String(), tc.logged)
			}
			if tc.logged && !strings.Contains(logs.String(), "secret-host") {
				t.Errorf("log lacks the real error: %q", logs.String())
			}
		})
	}
}

// Validation errors name GraphQL's own fields — keys and messages — from
// app's snake_case names (REST's, which REST keeps).
func TestGraphQLFieldNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ app, graph string }{
		{"order_id", "orderId"},
		{"customer_name", "customerName"},
		{"customer_email", "customerEmail"},
		{"customer_phone", "customerPhone"},
		{"return_url", "returnURL"},
		{"cancel_url", "cancelURL"},
		{"failure_url", "failureURL"},
		{"webhook_url", "webhookURL"},
		{"transaction_id", "transactionId"},
		{"event_id", "eventId"},
		{"client_id", "clientId"},
		{"from_date", "from"},
		{"to_date", "to"},
		{"idempotency_key", "idempotencyKey"},
		// The same in both.
		{"amount", "amount"},
		{"currency", "currency"},
		{"metadata", "metadata"},
		{"reason", "reason"},
		{"status", "status"},
		{"gateway", "gateway"},
		// GraphQL's own arguments pass as they are.
		{"first", "first"},
		{"after", "after"},
	} {
		if got := graphFieldName(tc.app); got != tc.graph {
			t.Errorf("graphFieldName(%q) = %q, want %q", tc.app, got, tc.graph)
		}
	}
	ve := &domain.ValidationError{}
	ve.Add("customer_phone", "customer_phone must be a Bangladeshi mobile number (01XXXXXXXXX)")
	ve.Add("return_url", "return_url is required")
	ve.Add("to_date", "to_date must not be before from_date")
	ve.Add("webhook_url", "webhook_url must use HTTPS")
	_, _, ext := publicError(ve)
	want := map[string]any{
		"customerPhone": []string{"customerPhone must be a Bangladeshi mobile number (01XXXXXXXXX)"},
		"returnURL":     []string{"returnURL is required"},
		"to":            []string{"to must not be before from"},
		"webhookURL":    []string{"webhookURL must use HTTPS"},
	}
	if fmt.Sprint(ext["fields"]) != fmt.Sprint(want) {
		t.Errorf("fields %v\nwant   %v", ext["fields"], want)
	}
}
