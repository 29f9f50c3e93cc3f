package main

// `paycore bench` (make bench): the benchmark kit of issue 13. It creates a
// fresh database, starts fresh paycore nodes on it (this binary, `serve`,
// sandbox mode), measures the pgbench reference for the same writes on the
// quiet database first, then drives the load and prints a Markdown table
// (and writes JSON) with each figure beside its reference and the ratio.

import (
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
	pprof       bool // profile node 0 during each bKash phase
	phases      map[string]bool
	readRows    int
	pooler      string // host:port of a transaction-mode pooler for the nodes' request path; "" none
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
	fs.BoolVar(&o.pprof, "pprof", false, "serve pprof on each node (PAYCORE_PPROF_ADDR) and write node 0's CPU profile of each create and bKash phase next to the JSON")
	phases := fs.String("phases", "create,bkash,fanout,reads", "phases to run: create (REST creates, webhooks, GraphQL createPayment), bkash, fanout, reads (lists and dashboard of one long history)")
	fs.IntVar(&o.readRows, "read-rows", 1_000_000, "payments of the one merchant the reads phase loads")
	fs.StringVar(&o.pooler, "pooler", "", "host:port of a transaction-mode pooler (PgBouncer) in front of the same server: the nodes' request path goes through it (DATABASE_POOLER_URL), River and LISTEN direct")
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
	base  string
	pprof string // http://host:port of its pprof listener, with -pprof
	cmd   *exec.Cmd
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
		r, err := b.pgbench(ctx, c, refPaymentJob)
		if err != nil {
			return nil, fmt.Errorf("pgbench %d clients: %w", c, err)
		}
		b.logf("reference (pgbench, payment + job per commit) %2d clients: %.0f tps p50 %.2f ms p99 %.2f ms", c, r.tps, r.p50, r.p99)
		refs[c] = r
	}
	refName := "pgbench INSERT payment + INSERT river_job, one commit"
	// The webhook row and GraphQL's creates are measured at 8 clients (or
	// the last count asked for without 8).
	mainClients := 8
	if !slices.Contains(b.o.clients, 8) && len(b.o.clients) > 0 {
		mainClients = b.o.clients[len(b.o.clients)-1]
	}
	var writesRow *benchRow // PostgreSQL alone with a create's own writes
	if b.o.phases["create"] {
		r, err := b.pgbench(ctx, mainClients, refCreateWrites)
		if err != nil {
			return nil, fmt.Errorf("pgbench a create's writes, %d clients: %w", mainClients, err)
		}
		b.logf("PostgreSQL alone, a create's 7 inserts pipelined %2d clients: %.0f tps p50 %.2f ms p99 %.2f ms", mainClients, r.tps, r.p50, r.p99)
		ref := refs[mainClients]
		writesRow = &benchRow{Name: "PostgreSQL alone: a create's 7 inserts (pgbench, prepared, pipelined, one commit)",
			Clients: mainClients, Unit: "creates/s", Rate: r.tps, P50ms: r.p50, P99ms: r.p99,
			RefName: refName, RefRate: ref.tps, RefP50ms: ref.p50, RefP99ms: ref.p99,
			Ratio: r.tps / ref.tps, P99Ratio: r.p99 / ref.p99}
	}
	for _, c := range b.o.clients {
		if !b.o.phases["create"] {
			break
		}
		row, err := b.createLoad(ctx, c, false)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, createRow(row, refName, refs[c]))
		if c == mainClients {
			writesRow.Note = fmt.Sprintf("the ceiling of a create's SQL here, no node and no jobs on the cores: paycore's REST create above reaches %.2f× of it", row.Rate/writesRow.Rate)
			rep.Rows = append(rep.Rows, *writesRow)
			wh := b.webhookRow(row)
			wh.RefName, wh.RefRate = refName, refs[c].tps
			wh.Ratio = wh.Rate / wh.RefRate
			rep.Rows = append(rep.Rows, wh)
		}
	}
	if b.o.phases["create"] {
		row, err := b.createLoad(ctx, mainClients, true)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, createRow(row, refName, refs[mainClients]))
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
	if b.o.phases["reads"] {
		rows, err := b.reads(ctx)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, rows...)
	}
	return rep, nil
}

// createRow sets a create phase's row beside its reference and goal.
func createRow(row benchRow, refName string, ref pgbenchResult) benchRow {
	row.RefName, row.RefRate, row.RefP50ms, row.RefP99ms = refName, ref.tps, ref.p50, ref.p99
	row.Ratio, row.P99Ratio = row.Rate/ref.tps, row.P99ms/ref.p99
	row.Goal = "≥ 0.5× reference, p99 ≤ 3× reference p99"
	row.GoalMet = ptr(row.Ratio >= 0.5 && row.P99Ratio <= 3)
	return row
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
	if b.o.pooler != "" {
		u, err := url.Parse(b.dbURL)
		if err != nil {
			return err
		}
		u.Host = b.o.pooler
		cmd.Env = append(cmd.Env, "DATABASE_POOLER_URL="+u.String())
	}
	n := &benchNode{base: "http://" + addr, cmd: cmd}
	if b.o.pprof {
		paddr, err := freePort()
		if err != nil {
			return err
		}
		cmd.Env = append(cmd.Env, "PAYCORE_PPROF_ADDR="+paddr)
		n.pprof = "http://" + paddr
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
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
