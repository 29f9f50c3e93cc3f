package main

// `paycore bench` (make bench): the benchmark kit of issue 13. It creates a
// fresh database, starts fresh paycore nodes on it (this binary, `serve`,
// sandbox mode), measures the pgbench reference for the same writes on the
// quiet database first, then drives the load and prints a Markdown table
// (and writes JSON) with each figure beside its reference and the ratio.

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jackc/pgx/v5"
)

type benchOptions struct {
	adminURL    string
	dur         time.Duration
	nodes       int
	clients     []int
	shoppers    int
	subscribers int
	subPayments int
	jsonPath    string
	workDir     string
	keep        bool
	phases      map[string]bool
}

// benchRow is one line of the table.
type benchRow struct {
	Name      string  `json:"name"`
	Clients   int     `json:"clients"`
	Unit      string  `json:"unit"`
	Rate      float64 `json:"rate"`
	P50ms     float64 `json:"p50_ms,omitempty"`
	P99ms     float64 `json:"p99_ms,omitempty"`
	RefName   string  `json:"reference,omitempty"`
	RefRate   float64 `json:"reference_rate,omitempty"`
	RefP50ms  float64 `json:"reference_p50_ms,omitempty"`
	RefP99ms  float64 `json:"reference_p99_ms,omitempty"`
	Ratio     float64 `json:"ratio,omitempty"`
	P99Ratio  float64 `json:"p99_ratio,omitempty"`
	Errors    int64   `json:"errors"`
	Note      string  `json:"note,omitempty"`
	Goal      string  `json:"goal,omitempty"`
	GoalMet   *bool   `json:"goal_met,omitempty"`
	Count     int64   `json:"count"`
	MaxBacklg int64   `json:"max_backlog,omitempty"`
	DrainSec  float64 `json:"drain_s,omitempty"`
}

type benchReport struct {
	Started  time.Time  `json:"started"`
	Machine  string     `json:"machine"`
	Command  string     `json:"command"`
	Nodes    int        `json:"nodes"`
	Duration string     `json:"phase_duration"`
	Rows     []benchRow `json:"rows"`
}

func cmdBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := benchOptions{}
	fs.StringVar(&o.adminURL, "db", getenv("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL of a database from which a fresh one is created (and dropped after)")
	fs.DurationVar(&o.dur, "duration", 6*time.Second, "length of each load phase")
	fs.IntVar(&o.nodes, "nodes", 1, "paycore nodes to start on the one database")
	clients := fs.String("clients", "1,8,32", "REST create client counts")
	fs.IntVar(&o.shoppers, "shoppers", 8, "concurrent bKash shoppers")
	fs.IntVar(&o.subscribers, "subscribers", 1000, "paymentUpdated subscribers")
	fs.IntVar(&o.subPayments, "sub-payments", 100, "payments the subscribers follow")
	fs.StringVar(&o.jsonPath, "json", ".data/bench.json", "where to write the JSON results")
	fs.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	phases := fs.String("phases", "create,bkash,fanout", "phases to run: create (REST creates, webhooks), bkash, fanout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.phases = map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		o.phases[strings.TrimSpace(p)] = true
	}
	for _, c := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -clients %q", *clients)
		}
		o.clients = append(o.clients, n)
	}
	wd, err := filepath.Abs(filepath.Join(filepath.Dir(o.jsonPath), "bench"))
	if err != nil {
		return err
	}
	o.workDir = wd
	if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return err
	}
	b := &bench{o: o, out: os.Stdout}
	defer b.cleanup()
	rep, err := b.run(ctx)
	if err != nil {
		return err
	}
	rep.Command = "paycore bench " + strings.Join(args, " ")
	table := benchTable(rep)
	progress(b.out, "\n%s", table)
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(o.jsonPath, append(js, '\n'), 0o644); err != nil {
		return err
	}
	progress(b.out, "\nJSON: %s\n", o.jsonPath)
	return nil
}

type benchNode struct {
	base string
	cmd  *exec.Cmd
}

type bench struct {
	o      benchOptions
	out    io.Writer
	dbName string
	dbURL  string
	nodes  []*benchNode
	admin  *pgx.Conn // on the fresh database

	hooks    atomic.Int64 // webhooks received
	hookMu   sync.Mutex
	lastHook time.Time
	hookURL  string
	hookSrv  *http.Server

	phaseHooks phaseHooks // the last create phase, for webhookRow
}

func (b *bench) logf(format string, a ...any) { progress(b.out, format+"\n", a...) }

func (b *bench) run(ctx context.Context) (*benchReport, error) {
	rep := &benchReport{Started: time.Now().UTC(), Nodes: b.o.nodes, Duration: b.o.dur.String(), Machine: machine()}
	if err := b.freshDB(ctx); err != nil {
		return nil, err
	}
	if err := b.startReceiver(); err != nil {
		return nil, err
	}
	for i := range b.o.nodes {
		if err := b.startNode(ctx, i); err != nil {
			return nil, err
		}
	}
	var err error
	if b.admin, err = pgx.Connect(ctx, b.dbURL); err != nil {
		return nil, err
	}
	// The references first, on the quiet database.
	refs := map[int]pgbenchResult{}
	var refClients []int
	if b.o.phases["create"] {
		refClients = append(refClients, b.o.clients...)
	}
	if b.o.phases["bkash"] {
		refClients = append(refClients, b.o.shoppers)
	}
	for _, c := range uniqueInts(refClients) {
		r, err := b.pgbench(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("pgbench %d clients: %w", c, err)
		}
		b.logf("reference (pgbench, payment + job per commit) %2d clients: %.0f tps p50 %.2f ms p99 %.2f ms", c, r.tps, r.p50, r.p99)
		refs[c] = r
	}
	refName := "pgbench INSERT payment + INSERT river_job, one commit"
	for _, c := range b.o.clients {
		if !b.o.phases["create"] {
			break
		}
		row, err := b.createLoad(ctx, c)
		if err != nil {
			return nil, err
		}
		ref := refs[c]
		row.RefName, row.RefRate, row.RefP50ms, row.RefP99ms = refName, ref.tps, ref.p50, ref.p99
		row.Ratio, row.P99Ratio = row.Rate/ref.tps, row.P99ms/ref.p99
		row.Goal = "≥ 0.5× reference, p99 ≤ 3× reference p99"
		row.GoalMet = ptr(row.Ratio >= 0.5 && row.P99Ratio <= 3)
		rep.Rows = append(rep.Rows, row)
		if c == 8 || (c == b.o.clients[len(b.o.clients)-1] && !slices.Contains(b.o.clients, 8)) {
			wh := b.webhookRow(row)
			wh.RefName, wh.RefRate = refName, refs[c].tps
			wh.Ratio = wh.Rate / wh.RefRate
			rep.Rows = append(rep.Rows, wh)
		}
	}
	if b.o.phases["bkash"] {
		row, err := b.bkashLoad(ctx, b.o.shoppers)
		if err != nil {
			return nil, err
		}
		ref := refs[b.o.shoppers]
		row.RefName, row.RefRate, row.RefP50ms, row.RefP99ms = refName, ref.tps, ref.p50, ref.p99
		row.Ratio = row.Rate / ref.tps
		row.Goal = "≥ 0.25× reference"
		row.GoalMet = ptr(row.Ratio >= 0.25)
		rep.Rows = append(rep.Rows, row)
	}
	if b.o.phases["fanout"] {
		fan, err := b.fanout(ctx)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, fan...)
	}
	return rep, nil
}

func ptr[T any](v T) *T { return &v }

func uniqueInts(xs []int) []int {
	slices.Sort(xs)
	return slices.Compact(xs)
}

func machine() string {
	cpu := ""
	if f, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(f), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	load := ""
	if f, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(f))[:3], " ")
	}
	return fmt.Sprintf("%d vCPU %s, %s, %s/%s, load average at start %s", runtime.NumCPU(), cpu, runtime.Version(),
		runtime.GOOS, runtime.GOARCH, load)
}

// ==== database and nodes

func (b *bench) freshDB(ctx context.Context) error {
	u, err := url.Parse(b.o.adminURL)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, b.o.adminURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", u.Redacted(), err)
	}
	defer func() { _ = conn.Close(ctx) }()
	b.dbName = fmt.Sprintf("paycore_bench_%d_%d", os.Getpid(), time.Now().Unix())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+b.dbName); err != nil {
		return err
	}
	u.Path = "/" + b.dbName
	b.dbURL = u.String()
	b.logf("fresh database %s", b.dbName)
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

func (b *bench) startNode(ctx context.Context, i int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	addr, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(b.o.workDir, fmt.Sprintf("node%d.log", i)))
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+b.dbURL, "PAYCORE_ADDR="+addr, "PAYCORE_SANDBOX=1",
		"PAYCORE_BASE_URL=http://"+addr, "PAYCORE_RATE_LIMIT=100000000", "PAYCORE_LOG_LEVEL=warn",
		"PAYCORE_SANDBOX_URL=")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	n := &benchNode{base: "http://" + addr, cmd: cmd}
	b.nodes = append(b.nodes, n)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(n.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				b.logf("node %d serving on %s (pid %d)", i, n.base, cmd.Process.Pid)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("node %d not ready in 90 s: see %s", i, logf.Name())
}

func (b *bench) cleanup() {
	for _, n := range b.nodes {
		if n.cmd.Process != nil {
			_ = n.cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = n.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = n.cmd.Process.Kill()
			}
		}
	}
	if b.hookSrv != nil {
		_ = b.hookSrv.Close()
	}
	ctx := context.Background()
	if b.admin != nil {
		_ = b.admin.Close(ctx)
	}
	if b.dbName != "" && !b.o.keep {
		if conn, err := pgx.Connect(ctx, b.o.adminURL); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+b.dbName+" WITH (FORCE)")
			_ = conn.Close(ctx)
		}
	}
}

// ==== pgbench reference

type pgbenchResult struct{ tps, p50, p99 float64 }

const pgbenchScript = `BEGIN;
INSERT INTO payments (id, client_id, order_id, amount, currency, status, customer_phone, return_url, webhook_url, version, expires_at, created_at, updated_at)
  VALUES ('pgb_' || txid_current(), 'cli_demo', 'PGB-' || txid_current(), 25000, 'BDT', 'pending', '8801770618575', 'https://shop.example.com/r', '', 1, now() + interval '1 day', now(), now());
INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, tags)
  VALUES ('{"delivery_id":"dlv_reference"}', 'bench_reference', 4, 1, 'bench_reference', 'available', now(), '{}');
COMMIT;
`

func (b *bench) pgbench(ctx context.Context, clients int) (pgbenchResult, error) {
	script := filepath.Join(b.o.workDir, "reference.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	u, _ := url.Parse(b.dbURL)
	prefix := filepath.Join(b.o.workDir, fmt.Sprintf("ref%d_%d", clients, time.Now().UnixNano()))
	secs := max(1, int(b.o.dur.Seconds()))
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-f", script, "-c", strconv.Itoa(clients),
		"-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(secs), "-l", "--log-prefix="+prefix,
		"-h", u.Hostname(), "-p", cmp(u.Port(), "5432"), "-U", cmp(u.User.Username(), "postgres"), b.dbName)
	cmd.Dir = b.o.workDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("%w: %s", err, out)
	}
	var r pgbenchResult
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "tps = ") {
			r.tps, _ = strconv.ParseFloat(strings.Fields(l)[2], 64)
		}
	}
	files, _ := filepath.Glob(prefix + ".*")
	var lat []float64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) >= 3 {
				if us, err := strconv.ParseFloat(fl[2], 64); err == nil {
					lat = append(lat, us/1000)
				}
			}
		}
		_ = fh.Close() // read only
		_ = os.Remove(f)
	}
	r.p50, r.p99 = pct(lat, 50), pct(lat, 99)
	// Keep River from looking at the reference jobs: nobody works their
	// queue, but leave the table as a create would find it.
	_, _ = b.admin.Exec(ctx, `DELETE FROM river_job WHERE queue = 'bench_reference'`)
	return r, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	i := int(float64(len(xs)-1) * p / 100)
	return xs[i]
}

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

// backlog counts jobs still to work (available, running, retryable).
func (b *bench) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := b.admin.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available','running','retryable')
		AND kind IN ('sms_send','webhook_deliver','refund_process')`).Scan(&n)
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

func (b *bench) createLoad(ctx context.Context, clients int) (benchRow, error) {
	ms := make([]merchant, clients)
	for i := range ms {
		ms[i] = b.merchant(i, 2)
	}
	hooksBefore := b.hooks.Load()
	phaseStart := time.Now()
	stop := make(chan struct{})
	maxBacklog := b.watchBacklog(ctx, stop)
	lat, errs, el, firstErr := loop(ctx, clients, b.o.dur, func(ctx context.Context, w int) error {
		_, err := b.createOne(ctx, ms[w])
		return err
	})
	close(stop)
	row := benchRow{Name: "REST POST /api/v1/pay", Clients: clients, Unit: "creates/s",
		Count: int64(len(lat)), Rate: float64(len(lat)) / el.Seconds(), P50ms: pct(lat, 50), P99ms: pct(lat, 99), Errors: errs,
		MaxBacklg: <-maxBacklog}
	row.DrainSec = b.drain(ctx)
	b.phaseHooks = phaseHooks{created: int64(len(lat)), before: hooksBefore, start: phaseStart, drained: row.DrainSec}
	if firstErr != nil {
		row.Note = "first error: " + trunc(firstErr.Error(), 120)
	}
	b.logf("REST create %2d clients: %.0f/s p50 %.2f ms p99 %.2f ms errors %d; job backlog max %d, drained %.1f s after",
		clients, row.Rate, row.P50ms, row.P99ms, errs, row.MaxBacklg, row.DrainSec)
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

// bkashFlow pays transactionID with bKash through the hosted page and the
// simulator, as a customer's browser would, on node base.
func bkashFlow(ctx context.Context, br browser, base, transactionID string) error {
	code, _, _, err := br.do(ctx, http.MethodGet, base+"/pay/"+transactionID, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("hosted page: %d %v", code, err)
	}
	code, walletURL, body, err := br.do(ctx, http.MethodPost, base+"/pay/"+transactionID+"/bkash", url.Values{})
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("start bkash: %d %v %s", code, err, trunc(body, 200))
	}
	code, _, _, err = br.do(ctx, http.MethodGet, walletURL, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("bkash page: %d %v", code, err)
	}
	code, callback, body, err := br.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("bkash pay: %d %v %s", code, err, trunc(body, 200))
	}
	code, resultURL, body, err := br.do(ctx, http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("callback: %d %v %s", code, err, trunc(body, 200))
	}
	code, _, body, err = br.do(ctx, http.MethodGet, resultURL, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("result page: %d %v", code, err)
	}
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
	stop := make(chan struct{})
	maxBacklog := b.watchBacklog(ctx, stop)
	lat, errs, el, firstErr := loop(ctx, shoppers, b.o.dur, func(ctx context.Context, w int) error {
		id, err := b.createOne(ctx, ms[w])
		if err != nil {
			return err
		}
		return bkashFlow(ctx, brs[w], ms[w].base, id)
	})
	close(stop)
	row := benchRow{Name: "full bKash flow (create, hosted page, simulator, callback, result)", Clients: shoppers,
		Unit: "payments/s", Count: int64(len(lat)), Rate: float64(len(lat)) / el.Seconds(), P50ms: pct(lat, 50), P99ms: pct(lat, 99),
		Errors: errs, MaxBacklg: <-maxBacklog}
	row.DrainSec = b.drain(ctx)
	if firstErr != nil {
		row.Note = "first error: " + trunc(firstErr.Error(), 160)
	}
	b.logf("bKash flow %d shoppers: %.1f payments/s p50 %.0f ms p99 %.0f ms errors %d", shoppers, row.Rate, row.P50ms, row.P99ms, errs)
	return row, nil
}

// ==== subscription fan-out

// nodeMemory is the Go heap and stacks in use on a node (its /metrics).
func nodeMemory(ctx context.Context, base string) (float64, error) {
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
		Note: "server Go heap + stacks in use (/metrics) after − before the subscribers, ÷ subscribers"}
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
				if err := bkashFlow(ctx, brs[w], pays[i].base, pays[i].id); err != nil {
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

// ==== table

func benchTable(rep *benchReport) string {
	var s strings.Builder
	fmt.Fprintf(&s, "paycore bench — %s; %d node(s); %s per phase; %s\n\n", rep.Started.Format(time.RFC3339), rep.Nodes, rep.Duration, rep.Machine)
	s.WriteString("| measure | clients | paycore | p50 / p99 ms | reference (pgbench, same run) | ref p50 / p99 ms | ratio | p99 ÷ ref | goal | note |\n")
	s.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range rep.Rows {
		lat, ref, refLat, ratio, p99r := "", "", "", "", ""
		if r.P50ms > 0 || r.P99ms > 0 {
			lat = fmt.Sprintf("%.2f / %.2f", r.P50ms, r.P99ms)
		}
		if r.RefRate > 0 {
			ref = fmt.Sprintf("%.0f tx/s", r.RefRate)
			if r.RefP99ms > 0 {
				refLat = fmt.Sprintf("%.2f / %.2f", r.RefP50ms, r.RefP99ms)
			}
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.P99Ratio > 0 {
			p99r = fmt.Sprintf("%.2f", r.P99Ratio)
		}
		goal := r.Goal
		if r.GoalMet != nil {
			if *r.GoalMet {
				goal += " ✅"
			} else {
				goal += " ❌"
			}
		}
		note := r.Note
		if r.MaxBacklg > 0 || r.DrainSec != 0 {
			note = strings.TrimPrefix(note+fmt.Sprintf("; job backlog max %d, drained %.1f s after", r.MaxBacklg, r.DrainSec), "; ")
		}
		if r.Errors > 0 {
			note = fmt.Sprintf("%d errors; %s", r.Errors, note)
		}
		val := fmt.Sprintf("%.1f %s", r.Rate, r.Unit)
		if r.Unit == "messages" {
			val = fmt.Sprintf("%d messages", r.Count)
		}
		fmt.Fprintf(&s, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, r.Clients, val, lat, ref, refLat, ratio, p99r, goal, note)
	}
	return s.String()
}
