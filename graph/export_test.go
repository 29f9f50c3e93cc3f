package graph

import (
	"net/http"
	"time"
)

// NewHandlerWithTiming is NewHandler with the websocket init timeout and
// ping interval set, so tests need not wait 25 s for a ping; idle
// websockets are re-checked every ping interval too.
func NewHandlerWithTiming(cfg Config, initTimeout, pingInterval time.Duration) http.Handler {
	return newHandler(cfg, wsTiming{initTimeout: initTimeout, pingInterval: pingInterval, revalidate: pingInterval})
}
