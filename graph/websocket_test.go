package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports/portstest"
)

// wsMsg is a graphql-transport-ws (or graphql-ws) message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a minimal protocol client over coder/websocket. A reader
// goroutine answers the server's pings with pongs (unless noPong) and hands
// every other message, then the read error, to next. (A read with a
// deadline would close the socket: coder/websocket closes on a cancelled
// read.)
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	pings  atomic.Int32
	noPong atomic.Bool
	msgs   chan wsMsg
	err    chan error
}

func (e *env) dial(t *testing.T, subprotocol string, hdr http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{subprotocol}, HTTPHeader: hdr})
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { _ = c.CloseNow() }) // the test may have closed it already
	w := &wsClient{t: t, c: c, msgs: make(chan wsMsg, 16), err: make(chan error, 1)}
	go w.read()
	return w, res, nil
}

func (w *wsClient) read() {
	for {
		var m wsMsg
		if err := wsjson.Read(context.Background(), w.c, &m); err != nil {
			w.err <- err
			return
		}
		if m.Type != "ping" {
			w.msgs <- m
			continue
		}
		w.pings.Add(1)
		if !w.noPong.Load() {
			_ = wsjson.Write(context.Background(), w.c, wsMsg{Type: "pong"})
		}
	}
}

func (e *env) mustDial(t *testing.T, subprotocol string, hdr http.Header) *wsClient {
	t.Helper()
	w, _, err := e.dial(t, subprotocol, hdr)
	if err != nil {
		t.Fatal(err)
	}
	if w.c.Subprotocol() != subprotocol {
		t.Fatalf("negotiated %q, want %q", w.c.Subprotocol(), subprotocol)
	}
	return w
}

func (w *wsClient) send(m wsMsg) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, w.c, m); err != nil {
		w.t.Fatal(err)
	}
}

// errQuiet is next's error when nothing arrived in time.
var errQuiet = errors.New("no message")

// next returns the next message other than ping, the read error once the
// connection ends, or errQuiet after timeout.
func (w *wsClient) next(timeout time.Duration) (wsMsg, error) {
	select {
	case m := <-w.msgs:
		return m, nil
	case err := <-w.err:
		w.err <- err
		return wsMsg{}, err
	case <-time.After(timeout):
		return wsMsg{}, errQuiet
	}
}

func (w *wsClient) expect(typ string) wsMsg {
	w.t.Helper()
	m, err := w.next(3 * time.Second)
	if err != nil {
		w.t.Fatalf("waiting for %s: %v", typ, err)
	}
	if m.Type != typ {
		w.t.Fatalf("got %s %s, want %s", m.Type, m.Payload, typ)
	}
	return m
}

func initPayload(auth string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"Authorization": auth})
	return b
}

func TestWebsocketTransportWSAckAndPing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")

	// Pings every 50 ms; a missing pong would close the socket after 100 ms.
	_, err := w.next(400 * time.Millisecond)
	if !errors.Is(err, errQuiet) {
		t.Fatalf("connection ended: %v", err)
	}
	if n := w.pings.Load(); n < 3 {
		t.Fatalf("%d pings in 400 ms", n)
	}

	// The socket is still usable.
	w.send(wsMsg{ID: "1", Type: "subscribe", Payload: json.RawMessage(`{"query":"{ gateways }"}`)})
	if m := w.expect("next"); string(m.Payload) != `{"data":{"gateways":["BKASH"]}}` {
		t.Errorf("next %s", m.Payload)
	}
	w.expect("complete")
}

func TestWebsocketMissingPongCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.noPong.Store(true)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
	if _, err := w.next(2 * time.Second); err == nil || errors.Is(err, errQuiet) {
		t.Fatalf("still open without pongs: %v", err)
	}
}

func TestWebsocketInitRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expired, _, _ := e.tokens.Issue(app.Principal{ClientID: clientA})
	for name, payload := range map[string]json.RawMessage{
		"no payload":   nil,
		"no token":     json.RawMessage(`{}`),
		"bad token":    initPayload("Bearer not-a-jwt"),
		"forged token": initPayload("Bearer " + expired[:len(expired)-4] + "AAAA"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := e.mustDial(t, "graphql-transport-ws", nil)
			w.send(wsMsg{Type: "connection_init", Payload: payload})
			_, err := w.next(3 * time.Second)
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != graph.CloseForbidden || ce.Reason != "Forbidden" {
				t.Fatalf("got %v, want close 4403 Forbidden", err)
			}
		})
	}
}

func TestWebsocketAuthenticatedHandshake(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, hdr := range map[string]http.Header{
		"hmac":   signed(http.MethodGet, "/graphql", nil, "ws-nonce-1"),
		"bearer": bearer(e.token(t, app.Principal{ClientID: clientA})),
	} {
		t.Run(name, func(t *testing.T) {
			w := e.mustDial(t, "graphql-transport-ws", hdr)
			w.send(wsMsg{Type: "connection_init"})
			w.expect("connection_ack")
		})
	}

	// Bad credentials on the handshake are refused before the upgrade.
	_, res, err := e.dial(t, "graphql-transport-ws", bearer("not-a-jwt"))
	if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad bearer handshake: %v %v", res, err)
	}
}

func TestWebsocketLegacyGraphQLWS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.mustDial(t, "graphql-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
	w.expect("ka")
}

// Legacy graphql-ws speaks start/data/stop: a paymentUpdated subscription
// gets its payment as "data" and, on "stop", "complete"; a socket that
// never sends connection_init closes with 1002 after the init timeout.
func TestWebsocketLegacySubscriptionAndInitTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPayment(t, "txn_legacy", clientA)
	w := e.mustDial(t, "graphql-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
	w.expect("ka")
	// Keep-alives ("ka") come every ping interval between the rest.
	expect := func(typ string) wsMsg {
		t.Helper()
		for {
			m, err := w.next(3 * time.Second)
			if err != nil {
				t.Fatalf("waiting for %s: %v", typ, err)
			}
			if m.Type == "ka" {
				continue
			}
			if m.Type != typ {
				t.Fatalf("got %s %s, want %s", m.Type, m.Payload, typ)
			}
			return m
		}
	}
	w.send(wsMsg{ID: "l1", Type: "start", Payload: subscribePayload(p.ID)})
	if m := expect("data"); m.ID != "l1" || !strings.Contains(string(m.Payload), `"status":"PENDING"`) {
		t.Fatalf("data %s %s", m.ID, m.Payload)
	}
	w.send(wsMsg{ID: "l1", Type: "stop"})
	if m := expect("complete"); m.ID != "l1" {
		t.Fatalf("complete for %q", m.ID)
	}
	portstest.WaitFor(t, "the condition", func() bool { return e.bus.subscribers(p.ID) == 0 })

	// No connection_init: closed when the init timeout (2 s here) passes.
	quiet := e.mustDial(t, "graphql-transport-ws", nil)
	_, err := quiet.next(5 * time.Second)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusProtocolError {
		t.Fatalf("without connection_init: %v, want close 1002", err)
	}
}

func TestWebsocketOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOrigins("app.example"))
	if _, res, err := e.dial(t, "graphql-transport-ws", http.Header{"Origin": {"https://evil.example"}}); err == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", res, err)
	}
	w := e.mustDial(t, "graphql-transport-ws", http.Header{"Origin": {"https://app.example"}})
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")
}

func TestWebsocketClosesWhenTokenExpires(t *testing.T) {
	t.Parallel()
	// 2 s: a token's expiry is in whole seconds, so a 1 s token may have
	// almost nothing left by the time a loaded machine acknowledges it.
	e := newEnvTTL(t, 2*time.Second)
	tok := e.token(t, app.Principal{ClientID: clientA})
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	w.expect("connection_ack")
	_, err := w.next(4 * time.Second)
	if err == nil || errors.Is(err, errQuiet) {
		t.Fatalf("still open after the token expired: %v", err)
	}
}

const paymentUpdated = `subscription($id: ID!) {
  paymentUpdated(transactionId: $id) { status trxId attempts { status failureMessage } }
}`

func subscribePayload(id string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"query": paymentUpdated, "variables": map[string]any{"id": id}})
	return b
}

func TestPaymentUpdated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPayment(t, "txn_s1", clientA)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA, TransactionID: p.ID}))})
	w.expect("connection_ack")

	w.send(wsMsg{ID: "s1", Type: "subscribe", Payload: subscribePayload(p.ID)})
	if m := w.expect("next"); string(m.Payload) != `{"data":{"paymentUpdated":{"status":"PENDING","trxId":null,"attempts":[]}}}` {
		t.Fatalf("initial %s", m.Payload)
	}
	if n := e.bus.subscribers(p.ID); n != 1 {
		t.Fatalf("%d bus subscribers", n)
	}

	// An event that changes nothing the client sees sends nothing; a
	// cancelled attempt does, although the payment's version stays.
	e.bus.publish(domain.PaymentChanged{TransactionID: p.ID, Status: domain.StatusPending, Version: 1})
	now := time.Now().UTC()
	a := domain.NewAttempt(p, domain.GatewayBkash, now)
	_ = a.Redirect("ref", "https://wallet.example", "", now)
	_ = a.Cancel(now)
	e.store.putAttempt(t, a)
	e.bus.publish(domain.PaymentChanged{TransactionID: p.ID, Status: domain.StatusPending, Version: 1})
	if m := w.expect("next"); string(m.Payload) != `{"data":{"paymentUpdated":{"status":"PENDING","trxId":null,"attempts":[{"status":"CANCELLED","failureMessage":null}]}}}` {
		t.Fatalf("after cancel %s", m.Payload)
	}

	// Success is final: sent, then the subscription completes.
	paid := *p
	paid.Version, paid.TrxID, paid.Gateway = 3, "TRX1", domain.GatewayBkash
	e.store.put(t, domain.PaymentFromDB(paid, domain.StatusSuccess))
	e.bus.publish(domain.PaymentChanged{TransactionID: p.ID, Status: domain.StatusSuccess, Version: 3})
	if m := w.expect("next"); !strings.Contains(string(m.Payload), `"status":"SUCCESS","trxId":"TRX1"`) {
		t.Fatalf("after success %s", m.Payload)
	}
	if m := w.expect("complete"); m.ID != "s1" {
		t.Fatalf("complete for %q", m.ID)
	}
	portstest.WaitFor(t, "the condition", func() bool { return e.bus.subscribers(p.ID) == 0 })
}

func TestPaymentUpdatedStopAndRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := e.seedPayment(t, "txn_s2", clientA)
	theirs := e.seedPayment(t, "txn_s3", clientB)
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e.token(t, app.Principal{ClientID: clientA}))})
	w.expect("connection_ack")

	// Another client's payment: an error, and no subscription left behind.
	w.send(wsMsg{ID: "x", Type: "subscribe", Payload: subscribePayload(theirs.ID)})
	m := w.expect("next")
	if !strings.Contains(string(m.Payload), `"code":"NOT_FOUND"`) {
		t.Fatalf("got %s", m.Payload)
	}
	w.expect("complete")
	if n := e.bus.subscribers(theirs.ID); n != 0 {
		t.Fatalf("%d subscribers left on a refused subscription", n)
	}

	// The client stops: the bus subscription ends.
	w.send(wsMsg{ID: "y", Type: "subscribe", Payload: subscribePayload(mine.ID)})
	w.expect("next")
	w.send(wsMsg{ID: "y", Type: "complete"})
	portstest.WaitFor(t, "the condition", func() bool { return e.bus.subscribers(mine.ID) == 0 })
}

func TestPaymentUpdatedAlreadyFinal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPayment(t, "txn_s4", clientA)
	expired := *p
	expired.Version = 2
	e.store.put(t, domain.PaymentFromDB(expired, domain.StatusExpired))
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload(e.token(t, app.Principal{ClientID: clientA}))}) // bare token
	w.expect("connection_ack")
	w.send(wsMsg{ID: "z", Type: "subscribe", Payload: subscribePayload(p.ID)})
	if m := w.expect("next"); !strings.Contains(string(m.Payload), `"status":"EXPIRED"`) {
		t.Fatalf("got %s", m.Payload)
	}
	w.expect("complete")
	if n := e.bus.subscribers(p.ID); n != 0 {
		t.Fatalf("%d subscribers left", n)
	}
}
