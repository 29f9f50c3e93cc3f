package graph

//go:generate go tool gqlgen generate

import (
	"context"
	"log/slog"
	"time"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports"
)

// Resolver is the root of the GraphQL resolvers. It only holds what they
// depend on; NewHandler builds it from Config.
type Resolver struct {
	app         *app.App
	tokens      *httpauth.Tokens
	events      ports.EventSubscriber
	feed        ports.EventFeed // paymentEvents; nil: not available
	feeds       *feedHub        // paymentUpdated: one bus subscription and one read per payment per event
	paymentURL  func(transactionID string) string
	requestLogs func(ctx context.Context, clientID string, since time.Time, limit int) ([]RequestLogView, error)
	log         *slog.Logger
}
