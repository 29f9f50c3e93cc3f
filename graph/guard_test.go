package graph_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// Issue 10: the GraphQL edge is as guarded as REST.

func TestHTTPSRequiredOutsideSandbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withProduction())
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	code, res := e.post(t, `{ gateways }`, nil, hdr)
	if code != http.StatusForbidden || errorCode(t, res) != graph.CodeForbidden || res.Errors[0].Message != "HTTPS required" {
		t.Fatalf("plain HTTP: %d %+v", code, res)
	}
	hdr.Set("X-Forwarded-Proto", "https") // from loopback, a trusted proxy here
	if code, res := e.post(t, `{ gateways }`, nil, hdr); code != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("behind a trusted TLS proxy: %d %+v", code, res)
	}
	if _, res, err := e.dial(t, "graphql-transport-ws", nil); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("plain websocket: %v %v", res, err)
	}
}

// The limiter is REST's own instance: what REST spent, GraphQL cannot.
func TestRateLimitSharedWithREST(t *testing.T) {
	t.Parallel()
	lim := rest.NewRateLimiter(ports.SystemClock{})
	e := newEnv(t, withConfig(func(c *graph.Config) { c.RateLimiter = lim }))
	e.keys.SetRate(clientA, 3)
	lim.Allow(clientA, 3) // a REST request
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	for i := range 2 {
		if code, _ := e.post(t, `{ gateways }`, nil, hdr); code != http.StatusOK {
			t.Fatalf("request %d: HTTP %d", i, code)
		}
	}
	body, _ := json.Marshal(map[string]any{"query": `{ gateways }`})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header = hdr.Clone()
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResponse
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		res.Header.Get("X-RateLimit-Limit") != "3" || errorCode(t, out) != graph.CodeRateLimited {
		t.Fatalf("over the limit: %d %v %+v", res.StatusCode, res.Header, out)
	}

	// On a socket every operation takes a token.
	e2 := newEnv(t, withConfig(func(c *graph.Config) { c.RateLimiter = lim }))
	e2.keys.SetRate(clientB, 1)
	w := e2.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + e2.token(t, app.Principal{ClientID: clientB}))})
	w.expect("connection_ack")
	w.send(wsMsg{ID: "1", Type: "subscribe", Payload: opPayload(`{ gateways }`, nil)})
	w.expect("next")
	w.expect("complete")
	w.send(wsMsg{ID: "2", Type: "subscribe", Payload: opPayload(`{ gateways }`, nil)})
	if m := w.expect("next"); !strings.Contains(string(m.Payload), `"code":"RATE_LIMITED"`) {
		t.Fatalf("socket over the limit: %s", m.Payload)
	}
}

type memLogs struct {
	mu   sync.Mutex
	recs []graph.RequestRecord
}

func (l *memLogs) LogRequest(r graph.RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

func (l *memLogs) all() []graph.RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]graph.RequestRecord(nil), l.recs...)
}

func TestOperationsAreLoggedRedacted(t *testing.T) {
	t.Parallel()
	logs := &memLogs{}
	e := newEnv(t, withConfig(func(c *graph.Config) { c.Logs = logs }))
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	in := createInput("ord-log")
	in["in"].(map[string]any)["metadata"] = map[string]any{"password": "hunter2", "note": "kept"}
	e.post(t, `mutation Create($in: CreatePaymentInput!) { createPayment(input: $in) { clientToken paymentURL } }`, in, hdr)
	recs := logs.all()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.ClientID != clientA || r.Method != http.MethodPost || r.Endpoint != "/graphql" || r.StatusCode != http.StatusOK ||
		!strings.Contains(r.RequestBody, `"operationName":"Create"`) || !strings.Contains(r.RequestBody, `"createPayment"`) ||
		!strings.Contains(r.RequestBody, `"kept"`) || strings.Contains(r.RequestBody, "hunter2") ||
		!strings.Contains(r.ResponseBody, `"clientToken":"[REDACTED]"`) || r.IP != "127.0.0.1" {
		t.Fatalf("record %+v", r)
	}
}

func TestRootFieldAndAliasCaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *graph.Config) { c.MaxRootFields = 3; c.MaxAliases = 2 }))
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	for q, ok := range map[string]bool{
		`{ a: gateways b: gateways }`:             true,
		`{ a: gateways b: gateways c: gateways }`: false, // three aliases
		`{ gateways dashboard { totalTransactions } gatewayList { code } clientProfile { id } }`:                              false, // four root fields
		`{ ...F } fragment F on Query { gateways gatewayList { code } dashboard { totalTransactions } clientProfile { id } }`: false,
	} {
		_, res := e.post(t, q, nil, hdr)
		if ok != (len(res.Errors) == 0) || !ok && res.Errors[0].Extensions["code"] != graph.CodeLimitExceeded {
			t.Errorf("%s: %+v", q, res.Errors)
		}
	}
}

func TestSubscriptionAndSocketCaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *graph.Config) { c.MaxSubscriptionsPerSocket = 2; c.MaxSocketsPerPrincipal = 2 }))
	tok := e.token(t, app.Principal{ClientID: clientA})
	for _, id := range []string{"txn_c1", "txn_c2", "txn_c3"} {
		e.seedPayment(t, id, clientA)
	}
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	w.expect("connection_ack")
	w.send(wsMsg{ID: "1", Type: "subscribe", Payload: subscribePayload("txn_c1")})
	w.expect("next")
	w.send(wsMsg{ID: "2", Type: "subscribe", Payload: subscribePayload("txn_c2")})
	w.expect("next")
	w.send(wsMsg{ID: "3", Type: "subscribe", Payload: subscribePayload("txn_c3")})
	if m := w.expect("next"); m.ID != "3" || !strings.Contains(string(m.Payload), `"code":"LIMIT_EXCEEDED"`) {
		t.Fatalf("third subscription: %s %s", m.ID, m.Payload)
	}
	w.expect("complete")
	w.send(wsMsg{ID: "1", Type: "complete"}) // one stops: room again
	portstest.WaitFor(t, "the condition", func() bool { return e.bus.subscribers("txn_c1") == 0 })
	if m := w.expect("complete"); m.ID != "1" {
		t.Fatalf("complete for %q", m.ID)
	}
	w.send(wsMsg{ID: "4", Type: "subscribe", Payload: subscribePayload("txn_c3")})
	if m := w.expect("next"); m.ID != "4" || strings.Contains(string(m.Payload), "errors") {
		t.Fatalf("after a stop: %s %s", m.ID, m.Payload)
	}

	w2 := e.mustDial(t, "graphql-transport-ws", nil)
	w2.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	w2.expect("connection_ack")
	w3 := e.mustDial(t, "graphql-transport-ws", nil)
	w3.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	for {
		_, err := w3.next(15 * time.Second) // a bound for a loaded machine, not a wait
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != graph.CloseTooManySockets {
			t.Fatalf("third socket: %v", err)
		}
		break
	}
	// A closed socket gives its place back (once the server has seen the
	// close: try again until it has, within a bound).
	_ = w2.c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(15 * time.Second)
	for {
		w4 := e.mustDial(t, "graphql-transport-ws", nil)
		w4.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
		m, err := w4.next(15 * time.Second)
		if err == nil && m.Type == "connection_ack" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed socket's place was not given back: %v %v", m.Type, err)
		}
	}
}
