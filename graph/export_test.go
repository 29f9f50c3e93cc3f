package graph

import (
	"net/http"
	"time"
)

// NewHandlerWithTiming is NewHandler with the websocket init timeout and
// ping interval set, so tests need not wait 25 s for a ping.
func NewHandlerWithTiming(cfg Config, initTimeout, pingInterval time.Duration) http.Handler {
	return newHandler(cfg, wsTiming{initTimeout: initTimeout, pingInterval: pingInterval})
}
