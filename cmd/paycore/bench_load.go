package main

// The kit's loads (see bench.go; its pgbench references: bench_ref.go):
// REST creates, webhook deliveries and their backlog, the full bKash flow.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paycore/paycore/adapters/jobs"
)

// ==== webhook receiver and backlog

func (b *bench) startReceiver() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.hookURL = "http://" + l.Addr().String() + "/hook"
	b.hookSrv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		b.hooks.Add(1)
		b.hookMu.Lock()
		b.lastHook = time.Now()
		b.hookMu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = b.hookSrv.Serve(l) }()
	return nil
}

// backlog counts jobs still to work (available, running, retryable) in the
// queues a payment feeds. It filters by queue, not kind, so PostgreSQL reads
// River's fetch index (state, queue, …) instead of every job row: sampled
// four times a second, the probe must not take the CPU it measures.
func (b *bench) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := b.admin.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available','running','retryable')
		AND queue IN ($1, $2, $3)`, jobs.QueueSMS, jobs.QueueWebhooks, jobs.QueueGateway).Scan(&n)
	return n, err
}

// watchBacklog samples the backlog until stop, returning the largest seen.
func (b *bench) watchBacklog(ctx context.Context, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var mx int64
		for {
			if n, err := b.backlog(ctx); err == nil && n > mx {
				mx = n
			}
			select {
			case <-stop:
				out <- mx
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return out
}

// drain waits (up to 60 s) until no job is left to work; how long it took.
func (b *bench) drain(ctx context.Context) float64 {
	start := time.Now()
	for time.Since(start) < 60*time.Second {
		if n, err := b.backlog(ctx); err == nil && n == 0 {
			return time.Since(start).Seconds()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1
}

// ==== REST create load

func (b *bench) merchant(i int, conns int) merchant {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}
	return merchant{base: b.nodes[i%len(b.nodes)].base, key: demoAPIKey, secret: demoAPISecret,
		http: &http.Client{Timeout: 60 * time.Second, Transport: tr}}
}

// createBody is a typical create: a customer phone (order-placed SMS) and a
// webhook_url (payment.pending webhook) to the bench's receiver.
func (b *bench) createBody() []byte {
	body, _ := json.Marshal(map[string]any{"order_id": "B-" + nonce()[:20], "amount": json.Number("250.00"),
		"currency": "BDT", "customer_name": "Bench Shopper", "customer_phone": "01770618575",
		"return_url": "https://shop.example.com/r", "webhook_url": b.hookURL})
	return body
}

func (b *bench) createOne(ctx context.Context, m merchant) (string, error) {
	req, err := m.signedRequest(ctx, http.MethodPost, "/api/v1/pay", b.createBody())
	if err != nil {
		return "", err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			TransactionID string `json:"transaction_id"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create: HTTP %d %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", err
	}
	return out.Data.TransactionID, nil
}

// createOneGraphQL is createOne through GraphQL's createPayment, signed
// the same way (docs/merchant-api.md).
func (b *bench) createOneGraphQL(ctx context.Context, m merchant) (string, error) {
	var cp createdPayment
	err := m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "G-" + nonce()[:20], "amount": "250.00", "currency": "BDT", "customerName": "Bench Shopper",
		"customerPhone": "01770618575", "returnURL": "https://shop.example.com/r", "webhookURL": b.hookURL}}, &cp)
	return cp.CreatePayment.Payment.TransactionID, err
}

// loop runs n workers calling fn until the phase ends; it returns the
// latencies of successful calls, the error count and the elapsed time.
func loop(ctx context.Context, n int, d time.Duration, fn func(ctx context.Context, worker int) error) ([]float64, int64, time.Duration, error) {
	var (
		mu      sync.Mutex
		lat     []float64
		errs    atomic.Int64
		firstEr atomic.Value
		wg      sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(d)
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(end) && ctx.Err() == nil {
				t := time.Now()
				if err := fn(ctx, w); err != nil {
					if errs.Add(1) == 1 {
						firstEr.Store(err)
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				mine = append(mine, float64(time.Since(t).Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	var err error
	if e, ok := firstEr.Load().(error); ok {
		err = e
	}
	return lat, errs.Load(), el, err
}

// createLoad drives creates from clients merchants' servers for the
// phase: REST's POST /api/v1/pay, or GraphQL's createPayment when graphql.
func (b *bench) createLoad(ctx context.Context, clients int, graphql bool) (benchRow, error) {
	name, profile, create := "REST POST /api/v1/pay", fmt.Sprintf("create%d", clients), b.createOne
	if graphql {
		name, profile, create = "GraphQL createPayment", fmt.Sprintf("graphql%d", clients), b.createOneGraphQL
	}
	ms := make([]merchant, clients)
	for i := range ms {
		ms[i] = b.merchant(i, 2)
	}
	hooksBefore := b.hooks.Load()
	phaseStart := time.Now()
	stop := make(chan struct{})
	cpuFrom := b.cpuSnapshot(ctx) // before the watcher: both use b.admin
	maxBacklog := b.watchBacklog(ctx, stop)
	profiled := b.profile(ctx, profile)
	lat, errs, el, firstErr := loop(ctx, clients, b.o.dur, func(ctx context.Context, w int) error {
		_, err := create(ctx, ms[w])
		return err
	})
	close(stop)
	if f := <-profiled; f != "" {
		b.logf("CPU profile of node 0: %s (go tool pprof -top %s)", f, f)
	}
	row := benchRow{Name: name, Clients: clients, Unit: "creates/s",
		Count: int64(len(lat)), Rate: float64(len(lat)) / el.Seconds(), P50ms: pct(lat, 50), P99ms: pct(lat, 99), Errors: errs,
		MaxBacklg: <-maxBacklog}
	row.Note = cpuPer(cpuFrom, b.cpuSnapshot(ctx), row.Count, "create")
	row.DrainSec = b.drain(ctx)
	b.phaseHooks = phaseHooks{created: int64(len(lat)), before: hooksBefore, start: phaseStart, drained: row.DrainSec}
	if firstErr != nil {
		row.Note = strings.TrimPrefix(row.Note+"; first error: "+trunc(firstErr.Error(), 120), "; ")
	}
	b.logf("%s %2d clients: %.0f/s p50 %.2f ms p99 %.2f ms errors %d; job backlog max %d, drained %.1f s after",
		name, clients, row.Rate, row.P50ms, row.P99ms, errs, row.MaxBacklg, row.DrainSec)
	return row, nil
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

type phaseHooks struct {
	created, before int64
	start           time.Time
	drained         float64
}

// webhookRow reports the deliveries of the last create phase: each create
// queued one payment.pending webhook to the receiver.
func (b *bench) webhookRow(create benchRow) benchRow {
	ph := b.phaseHooks
	// Wait a little for the last deliveries to land.
	deadline := time.Now().Add(20 * time.Second)
	for b.hooks.Load()-ph.before < ph.created && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := b.hooks.Load() - ph.before
	b.hookMu.Lock()
	last := b.lastHook
	b.hookMu.Unlock()
	el := last.Sub(ph.start).Seconds()
	row := benchRow{Name: "webhook deliveries to a local receiver", Clients: create.Clients, Unit: "deliveries/s",
		Count: got, Rate: float64(got) / el,
		Note: fmt.Sprintf("during and after the %d-client create phase: %d of %d delivered, last %.1f s after the phase began",
			create.Clients, got, ph.created, el)}
	b.logf("webhooks: %d of %d delivered in %.1f s: %.0f/s", got, ph.created, el, row.Rate)
	return row
}

// ==== bKash flow

// flowSteps names the steps of one bKash payment, in order.
var flowSteps = []string{"create", "hosted page", "start", "wallet page", "wallet pay", "callback", "result"}

// stepTimes collects each step's latency (ms) across shoppers.
type stepTimes struct {
	mu  sync.Mutex
	lat [][]float64 // by step, as flowSteps
}

func (st *stepTimes) add(step int, since time.Time) time.Time {
	now := time.Now()
	st.mu.Lock()
	if st.lat == nil {
		st.lat = make([][]float64, len(flowSteps))
	}
	st.lat[step] = append(st.lat[step], float64(now.Sub(since).Microseconds())/1000)
	st.mu.Unlock()
	return now
}

// String is each step's p50 / p99 in ms.
func (st *stepTimes) String() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var parts []string
	for i, l := range st.lat {
		parts = append(parts, fmt.Sprintf("%s %.1f/%.1f", flowSteps[i], pct(l, 50), pct(l, 99)))
	}
	return strings.Join(parts, ", ")
}

// bkashFlow pays transactionID with bKash through the hosted page and the
// simulator, as a customer's browser would, on node base; st gets each
// step's latency from t (the create's start) on.
func bkashFlow(ctx context.Context, br browser, base, transactionID string, st *stepTimes, t time.Time) error {
	t = st.add(0, t)
	code, _, _, err := br.do(ctx, http.MethodGet, base+"/pay/"+transactionID, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("hosted page: %d %v", code, err)
	}
	t = st.add(1, t)
	code, walletURL, body, err := br.do(ctx, http.MethodPost, base+"/pay/"+transactionID+"/bkash", url.Values{})
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("start bkash: %d %v %s", code, err, trunc(body, 200))
	}
	t = st.add(2, t)
	code, _, _, err = br.do(ctx, http.MethodGet, walletURL, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("bkash page: %d %v", code, err)
	}
	t = st.add(3, t)
	code, callback, body, err := br.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("bkash pay: %d %v %s", code, err, trunc(body, 200))
	}
	t = st.add(4, t)
	code, resultURL, body, err := br.do(ctx, http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("callback: %d %v %s", code, err, trunc(body, 200))
	}
	t = st.add(5, t)
	code, _, body, err = br.do(ctx, http.MethodGet, resultURL, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("result page: %d %v", code, err)
	}
	st.add(6, t)
	if m := headline.FindStringSubmatch(body); m == nil || !strings.Contains(strings.ToLower(m[1]), "success") {
		h := ""
		if m != nil {
			h = m[1]
		}
		return fmt.Errorf("result page says %q", h)
	}
	return nil
}

func (b *bench) bkashLoad(ctx context.Context, shoppers int) (benchRow, error) {
	ms := make([]merchant, shoppers)
	brs := make([]browser, shoppers)
	for i := range ms {
		ms[i] = b.merchant(i, 2)
		brs[i] = newBrowser()
	}
	cpuFrom := b.cpuSnapshot(ctx)
	stop := make(chan struct{})
	maxBacklog := b.watchBacklog(ctx, stop)
	profiled := b.profile(ctx, fmt.Sprintf("bkash%d", shoppers))
	var steps stepTimes
	lat, errs, el, firstErr := loop(ctx, shoppers, b.o.dur, func(ctx context.Context, w int) error {
		t := time.Now()
		id, err := b.createOne(ctx, ms[w])
		if err != nil {
			return err
		}
		return bkashFlow(ctx, brs[w], ms[w].base, id, &steps, t)
	})
	close(stop)
	if f := <-profiled; f != "" {
		b.logf("CPU profile of node 0: %s (go tool pprof -top %s)", f, f)
	}
	row := benchRow{Name: "full bKash flow (create, hosted page, simulator, callback, result)", Clients: shoppers,
		Unit: "payments/s", Count: int64(len(lat)), Rate: float64(len(lat)) / el.Seconds(), P50ms: pct(lat, 50), P99ms: pct(lat, 99),
		Errors: errs, MaxBacklg: <-maxBacklog}
	cpu := cpuPer(cpuFrom, b.cpuSnapshot(ctx), row.Count, "payment")
	row.DrainSec = b.drain(ctx)
	row.Note = cpu
	if firstErr != nil {
		row.Note = strings.TrimPrefix(row.Note+"; first error: "+trunc(firstErr.Error(), 160), "; ")
	}
	b.logf("bKash flow %d shoppers: %.1f payments/s p50 %.0f ms p99 %.0f ms errors %d; %s", shoppers, row.Rate, row.P50ms, row.P99ms, errs, cpu)
	b.logf("bKash flow steps p50/p99 ms: %s", &steps)
	return row, nil
}

// profile fetches node 0's CPU profile for the phase's duration (with
// -pprof) into the work directory; the channel gives the file ("" without
// -pprof or on error, which is logged).
func (b *bench) profile(ctx context.Context, name string) <-chan string {
	out := make(chan string, 1)
	if !b.o.pprof || len(b.nodes) == 0 {
		out <- ""
		return out
	}
	go func() {
		file := filepath.Join(b.o.workDir, name+".cpu.pprof")
		u := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.nodes[0].pprof, max(1, int(b.o.dur.Seconds())))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.logf("pprof: %v", err)
			out <- ""
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(file)
		if err == nil {
			_, err = io.Copy(f, resp.Body)
			err = errors.Join(err, f.Close())
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			b.logf("pprof: %d %v", resp.StatusCode, err)
			out <- ""
			return
		}
		out <- file
	}()
	return out
}
