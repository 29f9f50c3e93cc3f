package graph_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports/portstest"
)

// Issue 10, "authentication that ends": a websocket re-checks its principal
// on every operation (cached sessionTTL on env.clock) and closes with 4403
// once the key is revoked or the client suspended, before the operation
// runs.

func opPayload(query string, vars map[string]any) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// wantClosed waits for the socket to close with 4403 Forbidden.
func (w *wsClient) wantClosed(t *testing.T) {
	t.Helper()
	for {
		m, err := w.next(3 * time.Second)
		if err == nil {
			if m.Type == "next" && !strings.Contains(string(m.Payload), `"errors"`) {
				t.Fatalf("operation ran: %s", m.Payload)
			}
			continue // an error or complete for the refused operation may come first
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != graph.CloseForbidden || ce.Reason != "Forbidden" {
			t.Fatalf("got %v, want close 4403 Forbidden", err)
		}
		return
	}
}

func TestWebsocketEndsWhenKeyRevokedAndClientSuspended(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_paid", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	w := e.mustDial(t, "graphql-transport-ws", signed(http.MethodGet, "/graphql", nil, "ws-end-1"))
	w.send(wsMsg{Type: "connection_init"})
	w.expect("connection_ack")
	w.send(wsMsg{ID: "1", Type: "subscribe", Payload: opPayload(`{ clientProfile { id } }`, nil)})
	if m := w.expect("next"); !strings.Contains(string(m.Payload), `"id":"cli_a"`) {
		t.Fatalf("profile %s", m.Payload)
	}
	w.expect("complete")

	// The key is regenerated (the old one revoked) and the client suspended;
	// the cached answer has lapsed.
	e.keys.Revoke(demoKey, e.clock.Now())
	e.keys.Suspend(clientA)
	e.clock.Advance(sessionTTL + time.Second)

	w.send(wsMsg{ID: "2", Type: "subscribe", Payload: opPayload(refundMutation,
		map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "500"}})})
	w.wantClosed(t)
	if jobs := e.store.refundJobs(); len(jobs) != 0 {
		t.Fatalf("refund ran on a dead session: %v", jobs)
	}
}

func TestWebsocketCheckIsCachedThenRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
	// Within the cache TTL a suspension is not seen yet...
	e.keys.Suspend(clientA)
	w.send(wsMsg{ID: "1", Type: "subscribe", Payload: opPayload(`{ gateways }`, nil)})
	w.expect("next")
	w.expect("complete")
	// ...after it, regenerateApiKeys is refused and the socket closed.
	e.clock.Advance(sessionTTL)
	w.send(wsMsg{ID: "2", Type: "subscribe", Payload: opPayload(`mutation { regenerateApiKeys { apiKey secretKey } }`, nil)})
	w.wantClosed(t)
	if len(e.keys.Rotations()) != 0 {
		t.Fatalf("keys regenerated on a dead session")
	}
}

// An idle socket following a payment is closed too, without any new
// operation.
func TestWebsocketIdleClosedWhenClientSuspended(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPayment(t, "txn_idle", clientA)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA, TransactionID: p.ID}))})
	w.expect("connection_ack")
	w.send(wsMsg{ID: "s", Type: "subscribe", Payload: subscribePayload(p.ID)})
	w.expect("next")
	e.keys.Suspend(clientA)
	e.clock.Advance(sessionTTL)
	w.wantClosed(t)
	portstest.WaitFor(t, "the condition", func() bool { return e.bus.subscribers(p.ID) == 0 })
}

func TestWebsocketTokenExpiryClosesWith4403(t *testing.T) {
	t.Parallel()
	e := newEnvTTL(t, time.Second)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
	w.wantClosed(t)
}

// A suspended client's bearer token is refused over HTTP and at
// connection_init.
func TestSuspendedClientTokenRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(t, app.Principal{ClientID: clientA})
	if code, _ := e.post(t, `{ gateways }`, nil, bearer(tok)); code != http.StatusOK {
		t.Fatalf("active client: HTTP %d", code)
	}
	e.keys.Suspend(clientA)
	e.clock.Advance(sessionTTL)
	code, res := e.post(t, `{ gateways }`, nil, bearer(tok))
	if code != http.StatusUnauthorized || errorCode(t, res) != graph.CodeUnauthenticated || res.Errors[0].Message != "client suspended" {
		t.Fatalf("suspended client over HTTP: %d %+v", code, res)
	}
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	w.wantClosed(t)
}
