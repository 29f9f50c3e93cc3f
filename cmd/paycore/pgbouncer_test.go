package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/ports/portstest"
)

// The request path through PgBouncer in transaction mode
// (DATABASE_POOLER_URL, docs/scaling.md §3): the whole REST lifecycle —
// create, pay with bKash, refunds by River jobs, lists, dashboard — with
// River and LISTEN on DATABASE_URL. PgBouncer keeps two server connections
// for the node's sixteen, so transactions of different requests and jobs
// take turns on the same PostgreSQL sessions: a statement prepared by name
// on one session would be missing on the next (pgx's default mode fails
// here; OpenPooled describes and sends statements unnamed).
func TestRESTLifecycleThroughPgBouncer(t *testing.T) {
	t.Parallel()
	db, dsn := pgtest.New(t)
	pooler := startPgBouncer(t, dsn)
	admin, err := pgx.Connect(context.Background(), pooler.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close(context.Background()) })
	before := pgbouncerTransactions(t, admin, pooler.dbName)
	ts, _ := startServerOn(t, db, dsn, func(c *config) { c.DatabasePoolerURL = pooler.url })
	restLifecycle(t, ts)
	// The requests' and job steps' transactions went through PgBouncer (its
	// totals are refreshed every stats_period, 1 s).
	portstest.WaitFor(t, "PgBouncer to count 50 transactions of the lifecycle", func() bool {
		return pgbouncerTransactions(t, admin, pooler.dbName)-before >= 50
	})
	// River and the LISTEN connection did not: PostgreSQL sees the node's
	// LISTEN from a direct session, and PgBouncer never more than two.
	var listening, viaPooler int
	ts.queryRow(t, `SELECT count(*) FILTER (WHERE query ILIKE 'LISTEN%'),
		count(*) FILTER (WHERE application_name = 'paycore-pgbouncer-test')
		FROM pg_stat_activity WHERE datname = current_database()`, nil, &listening, &viaPooler)
	if listening == 0 || viaPooler > 2 {
		t.Fatalf("direct LISTEN sessions %d, pooled server sessions %d (at most 2)", listening, viaPooler)
	}
}

// pgbouncer is a PgBouncer in transaction mode in front of the test's
// PostgreSQL.
type pgbouncer struct {
	url      string // what the node connects to: the test's database through PgBouncer
	adminURL string // PgBouncer's admin console
	dbName   string
}

// startPgBouncer runs Debian's pgbouncer (apt-get install pgbouncer;
// .ci/run installs it) in transaction mode with two server connections per
// database, in front of dsn's server, until the test ends. Without the
// binary the test is skipped, or fails under CI=true. PgBouncer refuses to
// run as root, so as root it runs as nobody.
func startPgBouncer(t *testing.T, dsn string) pgbouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/pgbouncer"); e == nil {
			bin = "/usr/sbin/pgbouncer"
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("pgbouncer not installed (apt-get install -y pgbouncer)")
		}
		t.Skip("pgbouncer not installed (apt-get install -y pgbouncer): test skipped")
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "paycore-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // readable by nobody
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // PgBouncer takes the port next
	users := filepath.Join(dir, "users.txt")
	conf := fmt.Sprintf(`[databases]
* = host=%s port=%d application_name=paycore-pgbouncer-test
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
admin_users = %s
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
stats_period = 1
`, pc.Host, pc.Port, port, users, pc.User)
	for name, body := range map[string]string{users: fmt.Sprintf("%q \"\"\n", pc.User), filepath.Join(dir, "pgbouncer.ini"): conf} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{bin, filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 {
		args = append([]string{"runuser", "-u", "nobody", "--"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // runuser's child too is stopped at the end
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("pgbouncer:\n%s", out.String())
		}
	})
	pb := pgbouncer{
		url: fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", pc.User, port, pc.Database),
		adminURL: fmt.Sprintf("postgres://%s@127.0.0.1:%d/pgbouncer?sslmode=disable&default_query_exec_mode=simple_protocol",
			pc.User, port),
		dbName: pc.Database,
	}
	// Wait until it answers, or has exited.
	portstest.WaitFor(t, "pgbouncer to answer", func() bool {
		select {
		case <-exited:
			t.Fatalf("pgbouncer exited: %s", out.String())
		default:
		}
		conn, err := pgx.Connect(context.Background(), pb.url)
		if err == nil {
			_ = conn.Close(context.Background())
		}
		return err == nil
	})
	return pb
}

// pgbouncerTransactions is PgBouncer's count of transactions it carried to
// database dbName (SHOW STATS, total_xact_count), read on its admin console.
func pgbouncerTransactions(t *testing.T, conn *pgx.Conn, dbName string) int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SHOW STATS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		// The simple protocol sends text; PgBouncer types its counters
		// numeric, so they are read as text.
		raw := rows.RawValues()
		var db string
		var xacts int64
		for i, fd := range rows.FieldDescriptions() {
			switch fd.Name {
			case "database":
				db = string(raw[i])
			case "total_xact_count":
				xacts, _ = strconv.ParseInt(string(raw[i]), 10, 64)
			}
		}
		if db == dbName {
			n += xacts
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
