package graph_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports/portstest"
)

// What one idle paymentUpdated subscriber costs the server (issue 13: ≤ 32
// KB), measured in-process as the bench kit's fan-out phase measures a
// node: Go heap and stacks in use after − before n sockets, each with one
// subscription, ÷ n. The clients are bare TCP connections speaking just
// enough graphql-transport-ws to subscribe, with no goroutine and no
// buffer of their own, so what is measured is the server's (a few hundred
// bytes of client net.Conn per socket are counted too).

// idlePayments is how many payments the subscribers follow (the kit: 100
// payments, 10 subscribers each).
const idlePayments = 10

// idleEnv is a handler with the production websocket timing, so no ping
// or re-check runs while the sockets are measured, and room for n sockets
// per principal.
func idleEnv(tb testing.TB, n int) (*env, []string, []string) {
	tb.Helper()
	e := newEnvTiming(tb, tokenTTL, 10*time.Second, 25*time.Second,
		withConfig(func(c *graph.Config) { c.MaxSocketsPerPrincipal = n }))
	ids := make([]string, idlePayments)
	toks := make([]string, idlePayments)
	for i := range ids {
		p := e.seedPayment(tb, fmt.Sprintf("txn_idle_%d", i), clientA)
		ids[i] = p.ID
		toks[i] = e.token(tb, app.Principal{ClientID: clientA, TransactionID: p.ID})
	}
	return e, ids, toks
}

// rawSubscribe opens a graphql-transport-ws socket on addr authenticated by
// token, subscribes to paymentUpdated of id and returns once the first
// payment arrived. The connection is left idle: nothing reads it.
func rawSubscribe(addr, token, id string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET /graphql HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n", addr); err != nil {
		_ = c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		_ = c.Close()
		return nil, fmt.Errorf("handshake: %s", res.Status)
	}
	initMsg, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}})
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($id: ID!) { paymentUpdated(transactionId: $id) { status updatedAt } }`, "variables": map[string]string{"id": id}}})
	if err := writeClientFrame(c, initMsg); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := writeClientFrame(c, sub); err != nil {
		_ = c.Close()
		return nil, err
	}
	// Server frames are small and unmasked: scan the stream for the first
	// "next" message.
	var seen []byte
	buf := make([]byte, 512)
	for !bytes.Contains(seen, []byte(`"type":"next"`)) {
		n, err := br.Read(buf)
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("waiting for next: %w (got %q)", err, seen)
		}
		seen = append(seen, buf[:n]...)
		if bytes.Contains(seen, []byte(`"type":"error"`)) || bytes.Contains(seen, []byte(`"type":"complete"`)) {
			_ = c.Close()
			return nil, fmt.Errorf("subscription refused: %q", seen)
		}
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// writeClientFrame writes one masked text frame (RFC 6455 §5.2).
func writeClientFrame(w io.Writer, payload []byte) error {
	hdr := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ mask[i%4]
	}
	_, err := w.Write(append(hdr, masked...))
	return err
}

// inUse is the Go heap and stacks in use after a full collection.
func inUse() (heap, stack uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}

// idleFigures is what one idle subscriber adds to the process.
type idleFigures struct {
	heap, stack, goroutines float64
}

func (f idleFigures) bytes() float64 { return f.heap + f.stack }

// idleCost opens n idle subscribers and returns the bytes and goroutines
// each adds to the process; the sockets are closed before it returns.
func idleCost(tb testing.TB, e *env, ids, toks []string, n int) idleFigures {
	tb.Helper()
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	// Warm up: the first operation fills caches (query cache, parser).
	warm, err := rawSubscribe(addr, toks[0], ids[0])
	if err != nil {
		tb.Fatal(err)
	}
	_ = warm.Close()
	// The server's teardown has no hook: wait on its goroutines ending
	// (best effort; the figures then include any left).
	waitGoroutines := func(max int) {
		portstest.Await(5*time.Second, func() bool { return runtime.NumGoroutine() <= max })
	}
	g0 := runtime.NumGoroutine()
	h0, s0 := inUse()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range n {
		c, err := rawSubscribe(addr, toks[i%len(toks)], ids[i%len(ids)])
		if err != nil {
			tb.Fatalf("subscriber %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	h1, s1 := inUse()
	g1 := runtime.NumGoroutine()
	for _, c := range conns {
		_ = c.Close()
	}
	conns = nil
	waitGoroutines(g0)
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) }
	return idleFigures{heap: per(h0, h1), stack: per(s0, s1), goroutines: float64(g1-g0) / float64(n)}
}

// BenchmarkIdleSubscriber reports what one idle paymentUpdated subscriber
// costs the server: bytes/sub (Go heap + stacks in use) and goroutines/sub.
func BenchmarkIdleSubscriber(b *testing.B) {
	const n = 500
	e, ids, toks := idleEnv(b, n)
	var sum idleFigures
	runs := 0
	for b.Loop() {
		f := idleCost(b, e, ids, toks, n)
		sum.heap += f.heap
		sum.stack += f.stack
		sum.goroutines += f.goroutines
		runs++
	}
	r := float64(runs)
	b.ReportMetric((sum.heap+sum.stack)/r, "bytes/sub")
	b.ReportMetric(sum.heap/r, "heap-bytes/sub")
	b.ReportMetric(sum.stack/r, "stack-bytes/sub")
	b.ReportMetric(sum.goroutines/r, "goroutines/sub")
}

// TestIdleSubscriberMemory holds the cost of an idle subscriber under the
// issue's 32 KB with a margin for the measurement's noise.
func TestIdleSubscriberMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("opens 300 sockets; the race detector inflates memory")
	}
	const n = 300
	e, ids, toks := idleEnv(t, n)
	f := idleCost(t, e, ids, toks, n)
	t.Logf("idle subscriber: %.0f bytes (heap %.0f, stacks %.0f), %.2f goroutines", f.bytes(), f.heap, f.stack, f.goroutines)
	if f.bytes() > 32<<10 {
		t.Errorf("idle subscriber costs %.1f KB, want ≤ 32 KB", f.bytes()/1024)
	}
	// One goroutine per socket (its reader); a subscription has none while
	// idle (the payments' feed goroutines add 1 per payment).
	if f.goroutines > 1.5 {
		t.Errorf("%.2f goroutines per idle subscriber, want 1", f.goroutines)
	}
}
