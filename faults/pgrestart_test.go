//go:build faults

package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// cluster is a private, throwaway PostgreSQL cluster (initdb into a
// temporary directory): the suite restarts it, never the machine's server.
type cluster struct {
	t      testing.TB
	bin    string // PostgreSQL's bin directory
	dir    string
	port   string
	asUser []string // runuser -u postgres -- when running as root
}

func pgBinDir(t testing.TB) string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); fileExists(filepath.Join(d, "initdb")) {
			return d
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) {
			return d
		}
	}
	t.Skip("no PostgreSQL server binaries (initdb) installed")
	return ""
}

func versionOf(dir string) int {
	var v int
	_, _ = fmt.Sscanf(filepath.Base(filepath.Dir(dir)), "%d", &v)
	return v
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// newCluster initdbs and starts a cluster on a free loopback port; it is
// stopped (immediate) and removed when the test ends.
func newCluster(t testing.TB) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: pgBinDir(t)}
	dir, err := os.MkdirTemp("", "paycore-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // a temporary directory
	if os.Getuid() == 0 {
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	_, c.port, _ = strings.Cut(freeAddr(t), ":")
	c.run("initdb", "-N", "-D", filepath.Join(dir, "pg"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	c.pgctl("start")
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

func (c *cluster) run(tool string, args ...string) {
	c.t.Helper()
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, tool)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

// pgctl runs pg_ctl action (start, restart, stop) and waits for it.
func (c *cluster) pgctl(action string, args ...string) {
	c.t.Helper()
	all := append([]string{action, "-D", filepath.Join(c.dir, "pg"), "-l", filepath.Join(c.dir, "pg.log"), "-w",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%s -c unix_socket_directories=%s", c.port, c.dir)}, args...)
	c.run("pg_ctl", all...)
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/%s?sslmode=disable", c.port, db)
}

// createResult is one POST /api/v1/pay under load.
type createResult struct {
	code    int // 0: no answer within the client's bound
	txn     string
	latency time.Duration
	at      time.Time
}

// TestPostgresRestart restarts PostgreSQL (pg_ctl restart -m fast) under a
// loop of creates: paycore answers 201 or a clean 503, never a 500 nor
// later than the bound; nothing is half written (every 201 payment is
// stored with its event and SMS, and no payment lacks its event); creates
// succeed again after the restart with the same paycore process.
func TestPostgresRestart(t *testing.T) {
	const bound = 10 * time.Second
	c := newCluster(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE paycore"); err != nil {
		t.Fatal(err)
	}
	_ = admin.Close(ctx) // the restart would break it anyway
	pool, err := pgxpool.New(ctx, c.url("paycore"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	r := newRigOn(t, pool, c.url("paycore"))
	pid := r.paycore.cmd.Process.Pid

	hc := &http.Client{Timeout: bound}
	var (
		mu      sync.Mutex
		results []createResult
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				cr, err := createAt(ctx, hc, r.base, r.sandbox+"/sandbox/merchant/webhook", "10.00")
				res := createResult{code: cr.status, txn: cr.txn, latency: time.Since(start), at: start}
				if err != nil {
					res.code = 0
				}
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
				if res.code != http.StatusCreated {
					time.Sleep(20 * time.Millisecond) // a client backing off a little, not a wait for a state
				}
			}
		}()
	}
	count := func(code int, after time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, x := range results {
			if x.code == code && !x.at.Before(after) {
				n++
			}
		}
		return n
	}
	t0 := time.Now()
	if !waitFor(20*time.Second, func() bool { return count(http.StatusCreated, t0) >= 20 }) {
		t.Fatalf("no load before the restart: %d created", count(http.StatusCreated, t0))
	}
	restartBegan := time.Now()
	c.pgctl("restart", "-m", "fast")
	restarted := time.Now()
	recovered := waitFor(30*time.Second, func() bool { return count(http.StatusCreated, restarted) >= 20 })
	close(stop)
	wg.Wait()
	if !recovered {
		t.Errorf("creates did not recover within 30 s of the restart (201 since: %d)", count(http.StatusCreated, restarted))
	}
	if r.paycore.cmd.Process.Pid != pid || r.starts != 1 {
		t.Errorf("paycore was restarted")
	}
	select {
	case <-r.paycore.done:
		t.Errorf("paycore exited:\n%s", r.paycore.tail(30))
	default:
	}

	codes := map[int]int{}
	var worst time.Duration
	var created []string
	for _, x := range results {
		codes[x.code]++
		worst = max(worst, x.latency)
		if x.code == http.StatusCreated {
			created = append(created, x.txn)
		}
		if x.code != http.StatusCreated && x.code != http.StatusServiceUnavailable {
			t.Errorf("create answered %d after %s (0: no answer within %s)", x.code, x.latency, bound)
		}
	}
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Logf("no 503 seen: the restart fell between requests")
	}
	// Nothing half written.
	var missing, noEvent, noSMS, orphans int
	err = pool.QueryRow(ctx, `SELECT
	  (SELECT count(*) FROM unnest($1::text[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = c.id)),
	  (SELECT count(*) FROM unnest($1::text[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.payment_id = c.id AND e.type = 'payment.pending')),
	  (SELECT count(*) FROM unnest($1::text[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.payment_id = c.id)),
	  (SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.payment_id = p.id))`,
		created).Scan(&missing, &noEvent, &noSMS, &orphans)
	if err != nil {
		t.Fatal(err)
	}
	if missing+noEvent+noSMS+orphans != 0 {
		t.Errorf("half-written: %d created payments missing, %d without event, %d without SMS; %d payments without event",
			missing, noEvent, noSMS, orphans)
	}
	var stored int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM payments`).Scan(&stored)
	out := table([]row{{
		scenario: "PostgreSQL restarted under load",
		where:    fmt.Sprintf("`pg_ctl restart -m fast` (%s) under 3 create loops; paycore not restarted", restarted.Sub(restartBegan).Round(10*time.Millisecond)),
		ended: fmt.Sprintf("%d creates: %d × 201, %d × 503, %d other; slowest %s (bound %s); 201 again %s after the restart",
			len(results), codes[201], codes[503], len(results)-codes[201]-codes[503], worst.Round(time.Millisecond), bound, firstAfter(results, restarted)),
		calls:    "—",
		webhooks: fmt.Sprintf("%d payments stored (%d answered 201); %d without their event", stored, len(created), orphans),
		sms:      fmt.Sprintf("%d of the 201s without their SMS", noSMS),
	}})
	t.Logf("\n%s", out)
	fmt.Println(out)
	if p := os.Getenv("FAULTS_TABLE"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			_, _ = f.WriteString(out)
			_ = f.Close()
		}
	}
}

// firstAfter is how long after t the first 201 was sent.
func firstAfter(rs []createResult, t time.Time) string {
	var first time.Time
	for _, x := range rs {
		if x.code == http.StatusCreated && !x.at.Before(t) && (first.IsZero() || x.at.Before(first)) {
			first = x.at
		}
	}
	if first.IsZero() {
		return "never"
	}
	return first.Sub(t).Round(time.Millisecond).String()
}
