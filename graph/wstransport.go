package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// wsTransport serves GraphQL over websockets, graphql-transport-ws and
// legacy graphql-ws, as gqlgen's transport.Websocket does, but lean enough
// for thousands of idle subscribers (issue 13: ≤ 32 KB each): after the
// handshake one goroutine per socket reads it (the HTTP handler's goroutine
// and its deep stack are gone); pings, keep-alives and the principal's
// re-checks run from one goroutine per node (wheel); a subscription whose
// resolver signals its sends (wsStream: paymentUpdated) has no goroutine
// while idle; the socket's buffers are 512 B each instead of net/http's 4 KB.
type wsTransport struct {
	accept      websocket.AcceptOptions
	init        func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error)
	initTimeout time.Duration
	pings       *wheel[*wsConn] // pings (graphql-transport-ws) and ka (graphql-ws); a missing pong closes
	readLimit   int64
}

// Websocket protocol constants (as gqlgen's transport).
const (
	protoTransportWS = "graphql-transport-ws"
	protoGraphQLWS   = "graphql-ws"

	closeNormal        = 1000
	closeProtocolError = 1002

	wsReadBuffer  = 512     // read buffer of a socket (client messages are small)
	wsWriteBuffer = 512     // write buffer of a socket (larger messages go past it)
	wsReadLimit   = 1 << 20 // largest message read (gqlgen's default)
)

var _ graphql.Transport = (*wsTransport)(nil)

func newWSTransport(origins []string, init func(context.Context, transport.InitPayload) (context.Context, *transport.InitPayload, error), ws wsTiming) *wsTransport {
	t := &wsTransport{
		accept: websocket.AcceptOptions{OriginPatterns: origins,
			Subprotocols: []string{protoGraphQLWS, protoTransportWS}},
		init: init, initTimeout: ws.initTimeout, readLimit: wsReadLimit,
	}
	t.pings = newWheel(ws.pingInterval, (*wsConn).ping)
	return t
}

// Supports reports whether r asks for a websocket.
func (t *wsTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// wsMessage is one message of either protocol.
type wsMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// wsConn is one websocket connection.
type wsConn struct {
	t       *wsTransport
	ws      *websocket.Conn
	raw     net.Conn      // under ws
	br      *bufio.Reader // ws's read buffer (wait)
	legacy  bool          // graphql-ws; otherwise graphql-transport-ws
	exec    graphql.GraphExecutor
	ctx     context.Context // the connection's, after connection_init
	session *wsSession

	mu         sync.Mutex
	ops        map[string]context.CancelFunc
	closed     bool
	unanswered int  // pings sent since the client last sent anything
	peeking    bool // the reader waits in wait
	// A close arriving while the reader waits is done by the reader (so
	// coder/websocket's close handshake never reads beside it).
	closeByReader bool
	closeCode     int
	closeReason   string
	pinging       bool // a ping is being written
}

// Do accepts the websocket, runs connection_init on the request's
// goroutine, then hands the socket to a reader goroutine of its own and
// returns (the HTTP handler's goroutine ends).
func (t *wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	sb := &smallBuffers{ResponseWriter: w}
	ws, err := websocket.Accept(sb, r, &t.accept)
	if err != nil {
		return // Accept answered (403 for a foreign origin, 400 …)
	}
	ws.SetReadLimit(t.readLimit)
	c := &wsConn{t: t, ws: ws, raw: sb.conn, br: sb.br, exec: exec, ctx: r.Context(), ops: map[string]context.CancelFunc{},
		legacy: ws.Subprotocol() != protoTransportWS, session: sessionOf(r.Context())}
	if c.session != nil {
		c.session.mu.Lock()
		c.session.conn = c
		c.session.mu.Unlock()
	}
	if !c.initialise() {
		return
	}
	if c.session != nil {
		c.session.detach()
	}
	t.pings.add(c)
	go c.readLoop()
}

// initialise waits for connection_init and runs the transport's init;
// false when the socket was refused (and is closing).
func (c *wsConn) initialise() bool {
	timer := time.AfterFunc(c.t.initTimeout, func() { c.close(closeProtocolError, "connection initialisation timeout") })
	m, err := c.next()
	timer.Stop()
	switch {
	case c.isClosed():
		return false
	case errors.Is(err, errBadMessage):
		c.connectionError("invalid json")
		c.close(closeProtocolError, "decoding error")
		return false
	case err != nil:
		c.close(closeProtocolError, "decoding error")
		return false
	case m.Type == "connection_terminate" && c.legacy:
		c.close(closeNormal, "terminated")
		return false
	case m.Type != "connection_init":
		c.connectionError("unexpected message " + m.Type)
		c.close(closeProtocolError, "unexpected message")
		return false
	}
	var payload transport.InitPayload
	if len(m.Payload) > 0 && json.Unmarshal(m.Payload, &payload) != nil {
		c.close(closeProtocolError, "decoding error")
		return false
	}
	ctx, ack, err := c.t.init(c.ctx, payload)
	if err != nil {
		c.connectionError(err.Error())
		code, reason := closeOf(ctx)
		c.close(code, reason)
		return false
	}
	c.ctx = ctx
	var ackPayload json.RawMessage
	if ack != nil {
		ackPayload, _ = json.Marshal(*ack)
	}
	c.write(wsMessage{Type: "connection_ack", Payload: ackPayload})
	if c.legacy {
		c.write(wsMessage{Type: "ka"})
	}
	return true
}

// errBadMessage is a message that is not JSON of the protocol's shape.
var errBadMessage = errors.New("invalid message")

// next reads one message.
func (c *wsConn) next() (wsMessage, error) {
	_, data, err := c.ws.Read(context.Background())
	if err != nil {
		return wsMessage{}, err
	}
	c.mu.Lock()
	c.unanswered = 0
	c.mu.Unlock()
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Type == "" {
		return wsMessage{}, errBadMessage
	}
	return m, nil
}

// readLoop reads the socket until it closes, then ends everything it
// started.
func (c *wsConn) readLoop() {
	defer c.finish()
	for {
		if !c.wait() {
			return
		}
		m, err := c.next()
		if err != nil {
			if errors.Is(err, errBadMessage) {
				c.close(closeNormal, "terminated")
			}
			return
		}
		switch {
		case m.Type == "subscribe" && !c.legacy, m.Type == "start" && c.legacy:
			c.start(m.ID, m.Payload)
		case m.Type == "complete" && !c.legacy, m.Type == "stop" && c.legacy:
			c.mu.Lock()
			stop := c.ops[m.ID]
			c.mu.Unlock()
			if stop != nil {
				stop()
			}
		case m.Type == "ping" && !c.legacy:
			c.write(wsMessage{Type: "pong", Payload: m.Payload})
		case m.Type == "pong" && !c.legacy:
		case m.Type == "connection_terminate" && c.legacy:
			c.close(closeNormal, "terminated")
			return
		default:
			c.connectionError("unexpected message " + m.Type)
			c.close(closeProtocolError, "unexpected message")
			return
		}
	}
}

// finish ends the connection's operations and its session.
func (c *wsConn) finish() {
	c.t.pings.remove(c)
	c.close(closeNormal, "terminated")
	if c.session != nil {
		c.session.end()
	}
}

// ping is the wheel's round: graphql-transport-ws gets a ping and must
// answer (anything read counts) within two rounds, as gqlgen allowed twice
// the interval; graphql-ws gets a keep-alive. The write runs on a goroutine
// of its own, so a socket whose client stopped reading cannot hold up the
// wheel; one that cannot take the ping within an interval is closed.
func (c *wsConn) ping() {
	c.mu.Lock()
	missed := !c.legacy && c.unanswered >= 2
	if !c.legacy {
		c.unanswered++
	}
	busy := c.pinging
	c.pinging = true
	c.mu.Unlock()
	if missed {
		_ = c.ws.CloseNow() // as gqlgen: a missing pong drops the connection
		return
	}
	if busy {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.t.pings.every)
		defer cancel()
		m := wsMessage{Type: "ping"}
		if c.legacy {
			m.Type = "ka"
		}
		if b, err := json.Marshal(m); err == nil {
			_ = c.ws.Write(ctx, websocket.MessageText, b)
		}
		c.mu.Lock()
		c.pinging = false
		c.mu.Unlock()
	}()
}

// start runs one operation (gqlgen's transport.Websocket subscribe) on a
// goroutine of its own: parsing and validating it there keeps the reader's
// stack, which lives as long as the socket, small.
func (c *wsConn) start(id string, payload json.RawMessage) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return
	}
	c.ops[id] = cancel
	c.mu.Unlock()
	go c.run(ctx, cancel, id, payload)
}

// run parses and dispatches an operation and sends its responses: all of
// them, for a query, a mutation or a subscription that does not signal; for
// one that does (wsStream), those ready now, the rest from a goroutine
// started when the resolver signals.
func (c *wsConn) run(ctx context.Context, cancel context.CancelFunc, id string, payload json.RawMessage) {
	done := func() {
		c.complete(id)
		c.mu.Lock()
		delete(c.ops, id)
		c.mu.Unlock()
		cancel()
	}
	start := graphql.Now()
	ctx = graphql.StartOperationTrace(ctx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		c.sendError(id, &gqlerror.Error{Message: "invalid json"})
		done()
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	// params.Headers stays nil: nothing reads a websocket operation's
	// handshake headers, and keeping them costs every socket its header map.
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.sendError(id, resp.Errors...)
		} else {
			c.send(id, &graphql.Response{Errors: errs})
		}
		done()
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	st := &wsStream{}
	ctx = context.WithValue(ctx, wsStreamKey{}, st)
	defer func() {
		if r := recover(); r != nil {
			err := rc.Recover(ctx, r)
			var gqlerr *gqlerror.Error
			if !errors.As(err, &gqlerr) {
				gqlerr = &gqlerror.Error{}
				if err != nil {
					gqlerr.Message = err.Error()
				}
			}
			c.sendError(id, gqlerr)
			done()
		}
	}()
	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	if st.begin(func() bool { return c.drainOne(ctx, id, responses, done) }) {
		return // the stream drains itself when signalled
	}
	for {
		r := responses(ctx)
		if r == nil {
			break
		}
		c.send(id, r)
	}
	done()
}

// drainOne sends the stream's next response; false once it ended (and was
// completed).
func (c *wsConn) drainOne(ctx context.Context, id string, responses graphql.ResponseHandler, done func()) bool {
	r := responses(ctx)
	if r == nil {
		done()
		return false
	}
	c.send(id, r)
	return true
}

func (c *wsConn) send(id string, r *graphql.Response) {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	t := "next"
	if c.legacy {
		t = "data"
	}
	c.write(wsMessage{Type: t, ID: id, Payload: b})
}

func (c *wsConn) sendError(id string, errs ...*gqlerror.Error) {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	b, err := json.Marshal(list)
	if err != nil {
		panic(err)
	}
	c.write(wsMessage{Type: "error", ID: id, Payload: b})
}

func (c *wsConn) complete(id string) { c.write(wsMessage{Type: "complete", ID: id}) }

// connectionError tells a graphql-ws client why the connection ends
// (graphql-transport-ws has no such message: the close reason says it).
func (c *wsConn) connectionError(message string) {
	if c.legacy {
		b, _ := json.Marshal(&gqlerror.Error{Message: message})
		c.write(wsMessage{Type: "connection_error", Payload: b})
	}
}

// write sends one message (coder/websocket writes are safe concurrently).
func (c *wsConn) write(m wsMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	_ = c.ws.Write(context.Background(), websocket.MessageText, b)
}

func (c *wsConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// close sends code and reason and closes the socket, ending every
// operation; only the first call counts. The close handshake (up to 5 s
// for the peer's answer) runs on its own goroutine, or on the reader's when
// the reader is idle in wait (woken by a read deadline).
func (c *wsConn) close(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	ops := c.ops
	c.ops = nil
	byReader := c.peeking
	if byReader {
		c.closeByReader, c.closeCode, c.closeReason = true, code, reason
	}
	c.mu.Unlock()
	for _, stop := range ops {
		stop()
	}
	if byReader {
		_ = c.raw.SetReadDeadline(time.Now())
		return
	}
	go func() { _ = c.ws.Close(websocket.StatusCode(code), reason) }()
}

// wait blocks until the client sent something: the socket's goroutine
// spends its idle life here, in a shallow call (a peek at the read buffer)
// rather than deep in coder/websocket's reader, so the goroutine's stack
// stays small. false: stop reading (closed, or closing on this goroutine).
func (c *wsConn) wait() bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.peeking = true
	c.mu.Unlock()
	_, err := c.br.Peek(1)
	c.mu.Lock()
	c.peeking = false
	byReader, code, reason := c.closeByReader, c.closeCode, c.closeReason
	c.mu.Unlock()
	if byReader {
		_ = c.raw.SetReadDeadline(time.Time{})
		_ = c.ws.Close(websocket.StatusCode(code), reason)
		return false
	}
	return err == nil
}

// closeWith implements wsCloser for the session.
func (c *wsConn) closeWith(code int, reason string) { c.close(code, reason) }
