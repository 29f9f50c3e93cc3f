package main

// The kit's subscription fan-out (see bench.go): many paymentUpdated
// subscribers, delivery latency and memory per idle subscriber.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// ==== subscription fan-out

// nodeMemory is the Go heap and stacks in use on a node (its /metrics)
// right after a garbage collection there (the sandbox node's
// /debug/pprof/heap?gc=1 runs one): what the node holds, not the garbage
// its last requests left.
func nodeMemory(ctx context.Context, base string) (float64, error) {
	gc, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/heap?gc=1", nil)
	gcResp, err := http.DefaultClient.Do(gc)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, gcResp.Body)
	_ = gcResp.Body.Close()
	if gcResp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s/debug/pprof/heap: HTTP %d", base, gcResp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "go_memstats_heap_inuse_bytes ") || strings.HasPrefix(l, "go_memstats_stack_inuse_bytes ") {
			v, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			sum += v
		}
	}
	return sum, sc.Err()
}

type fanMsg struct {
	status string
	lat    float64
}

// benchFollow subscribes to paymentUpdated with a payment-scoped token and
// reports each message's delay after the payment's updatedAt.
func benchFollow(ctx context.Context, base, token, id string, ready chan<- error, msgs chan<- fanMsg) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		ready <- err
		return
	}
	defer func() { _ = c.Close(websocket.StatusNormalClosure, "") }()
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}}); err != nil {
		ready <- err
		return
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack.Type != "connection_ack" {
		ready <- fmt.Errorf("no ack: %v %s", err, ack.Type)
		return
	}
	if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($id: ID!) { paymentUpdated(transactionId: $id) { status updatedAt } }`,
		"variables": map[string]string{"id": id}}}); err != nil {
		ready <- err
		return
	}
	first := true
	for {
		var msg struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			if first {
				ready <- err
			}
			return
		}
		now := time.Now()
		switch msg.Type {
		case "ping":
			_ = wsjson.Write(ctx, c, map[string]string{"type": "pong"})
		case "next":
			var p struct {
				Data struct {
					PaymentUpdated struct {
						Status    string    `json:"status"`
						UpdatedAt time.Time `json:"updatedAt"`
					} `json:"paymentUpdated"`
				} `json:"data"`
			}
			_ = json.Unmarshal(msg.Payload, &p)
			if first {
				first = false
				ready <- nil
				continue
			}
			msgs <- fanMsg{status: p.Data.PaymentUpdated.Status, lat: float64(now.Sub(p.Data.PaymentUpdated.UpdatedAt).Microseconds()) / 1000}
		case "complete", "error":
			if first {
				ready <- fmt.Errorf("subscription ended: %s %s", msg.Type, msg.Payload)
			}
			return
		}
	}
}

func (b *bench) fanout(ctx context.Context) ([]benchRow, error) {
	np := b.o.subPayments
	per := max(1, b.o.subscribers/np)
	m := b.merchant(0, 4)
	type created struct{ id, token, base string }
	pays := make([]created, np)
	for i := range pays {
		mi := b.merchant(i, 1)
		mi.http = m.http
		var cp createdPayment
		err := mi.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
			"orderId": "F-" + nonce()[:20], "amount": "250.00", "currency": "BDT",
			"returnURL": "https://shop.example.com/r"}}, &cp)
		if err != nil {
			return nil, fmt.Errorf("fan-out create: %w", err)
		}
		pays[i] = created{id: cp.CreatePayment.Payment.TransactionID, token: cp.CreatePayment.ClientToken, base: mi.base}
	}
	runtime.GC()
	time.Sleep(time.Second)
	var before float64
	for _, n := range b.nodes {
		v, err := nodeMemory(ctx, n.base)
		if err != nil {
			return nil, err
		}
		before += v
	}
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	total := per * np
	ready := make(chan error, total)
	msgs := make(chan fanMsg, total*4)
	for i := range total {
		p := pays[i%np]
		go benchFollow(subCtx, p.base, p.token, p.id, ready, msgs)
		if i%50 == 49 {
			time.Sleep(20 * time.Millisecond) // do not trip the accept backlog
		}
	}
	for range total {
		if err := <-ready; err != nil {
			return nil, fmt.Errorf("subscriber: %w", err)
		}
	}
	time.Sleep(2 * time.Second)
	var after float64
	for _, n := range b.nodes {
		v, err := nodeMemory(ctx, n.base)
		if err != nil {
			return nil, err
		}
		after += v
	}
	perSub := (after - before) / float64(total) / 1024
	b.logf("fan-out: %d idle subscribers on %d payments: %.1f KB each (Go heap + stacks in use)", total, np, perSub)
	memRow := benchRow{Name: "memory per idle paymentUpdated subscriber", Clients: total, Unit: "KB", Rate: perSub,
		Count: int64(total), Goal: "≤ 32 KB", GoalMet: ptr(perSub <= 32),
		Note: "server Go heap + stacks in use (/metrics, after a GC on the node) after − before the subscribers, ÷ subscribers"}
	// Pay the followed payments: each change reaches its subscribers.
	brs := make([]browser, b.o.shoppers)
	for i := range brs {
		brs[i] = newBrowser()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var flowErr atomic.Value
	start := time.Now()
	for w := range b.o.shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= np {
					return
				}
				if err := bkashFlow(ctx, brs[w], pays[i].base, pays[i].id, &stepTimes{}, time.Now()); err != nil {
					flowErr.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	payEl := time.Since(start)
	var lat []float64
	finals := 0
	deadline := time.After(15 * time.Second)
collect:
	for finals < total {
		select {
		case mm := <-msgs:
			lat = append(lat, mm.lat)
			if mm.status == "SUCCESS" {
				finals++
			}
		case <-deadline:
			break collect
		}
	}
	row := benchRow{Name: "paymentUpdated fan-out delivery (updatedAt → client)", Clients: total, Unit: "messages",
		Count: int64(len(lat)), Rate: float64(len(lat)), P50ms: pct(lat, 50), P99ms: pct(lat, 99),
		Goal: "p99 ≤ 50 ms", GoalMet: ptr(pct(lat, 99) <= 50 && finals == total),
		Note: fmt.Sprintf("%d subscribers × %d payments paid by %d bKash shoppers in %.1f s; %d of %d saw SUCCESS",
			per, np, b.o.shoppers, payEl.Seconds(), finals, total)}
	if e, ok := flowErr.Load().(error); ok {
		row.Note += "; flow error: " + trunc(e.Error(), 100)
	}
	b.logf("fan-out: %d messages p50 %.1f ms p99 %.1f ms, %d/%d final", len(lat), row.P50ms, row.P99ms, finals, total)
	return []benchRow{memRow, row}, nil
}
