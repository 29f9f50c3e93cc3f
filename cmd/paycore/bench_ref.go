package main

// The kit's pgbench references (see bench.go): the payment + job
// transaction and a create's own seven inserts, each run by pgbench on the
// bench's database before the load.

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type pgbenchResult struct{ tps, p50, p99 float64 }

// pgbenchScript is a reference transaction for pgbench: its text and the
// query mode pgbench sends it in.
type pgbenchScript struct {
	name, mode, sql string
}

// refPaymentJob is the reference (issue 13): one payment row and one
// River job row in one commit, by pgbench's default simple protocol.
var refPaymentJob = pgbenchScript{name: "reference", mode: "simple", sql: `BEGIN;
INSERT INTO payments (id, client_id, order_id, amount, currency, status, customer_phone, return_url, webhook_url, version, expires_at, created_at, updated_at)
  VALUES ('pgb_' || txid_current(), 'cli_demo', 'PGB-' || txid_current(), 25000, 'BDT', 'pending', '8801770618575', 'https://shop.example.com/r', '', 1, now() + interval '1 day', now(), now());
INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, tags)
  VALUES ('{"delivery_id":"dlv_reference"}', 'bench_reference', 4, 1, 'bench_reference', 'available', now(), '{}');
COMMIT;
`}

// refCreateWrites is what PostgreSQL alone does with a REST create's own
// writes, as adapters/postgres sends them (docs/scaling.md §1): the seven
// inserts of one create (nonce, payment, SMS notification and its job,
// event, webhook delivery and its job) with a create's values, prepared,
// pipelined and committed together. No node, no job runs: the ceiling of
// the create's SQL on this machine.
var refCreateWrites = pgbenchScript{name: "create-writes", mode: "prepared", sql: `\startpipeline
BEGIN;
INSERT INTO api_nonces (client_id, nonce, used_at) VALUES ('cli_demo', 'pgbc-' || txid_current(), now());
INSERT INTO payments (id, client_id, order_id, amount, currency, status, customer_name, customer_email, customer_phone, return_url, cancel_url, failure_url, webhook_url, metadata, gateway, gateway_ref, trx_id, refunded, version, expires_at, created_at, updated_at)
  VALUES ('pgbc_' || txid_current(), 'cli_demo', 'PGBC-' || txid_current(), 25000, 'BDT', 'pending', '', '', '8801770618575', 'https://shop.example.com/r', '', '', 'http://127.0.0.1:1/hook', NULL, '', '', '', 0, 1, now() + interval '1 day', now(), now());
INSERT INTO notifications (id, payment_id, client_id, recipient, template, language, body, status, provider, provider_ref, error, encoding, segments, attempts, created_at, sent_at)
  VALUES ('pgbc_' || txid_current(), 'pgbc_' || txid_current(), 'cli_demo', '8801770618575', 'order_placed', 'en', 'Demo Shop: order B-cb5e61d5ef12098e9194 placed. Amount due 250.00 BDT. Pay with bKash, Nagad or card.', 'queued', '', '', '', 'GSM-7', 1, 0, now(), NULL);
INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, metadata, tags)
  VALUES ('{"notification_id":"ntf_reference"}', 'bench_reference', 4, 1, 'bench_reference', 'available', now(), '{}', '{}');
INSERT INTO events (id, type, client_id, payment_id, payload, created_at)
  VALUES ('pgbc_' || txid_current(), 'payment.pending', 'cli_demo', 'pgbc_' || txid_current(), '{"id":"evt_j0bugeiyc6zzyzvffyqf","event":"payment.pending","transaction_id":"txn_lgd7umkvzr0w92zq9686","order_id":"B-34f6b7ec8d4affb9ed69","amount":250.00,"currency":"BDT","status":"pending","gateway_ref":"","refunded_amount":0.00,"timestamp":"2026-12-06T09:04:57Z"}', now());
INSERT INTO webhook_deliveries (id, event_id, client_id, url, status, attempts, last_status, created_at, updated_at, delivered_at)
  VALUES ('pgbc_' || txid_current(), 'pgbc_' || txid_current(), 'cli_demo', 'http://127.0.0.1:1/hook', 'pending', 0, 0, now(), now(), NULL);
INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, metadata, tags)
  VALUES ('{"delivery_id":"whd_reference","endpoint":"127.0.0.1:1"}', 'bench_reference', 4, 1, 'bench_reference', 'available', now(), '{}', '{}');
COMMIT;
\endpipeline
`}

// pgbench runs sc for the phase's duration at clients connections and
// returns its transactions/s and latency percentiles (ms).
func (b *bench) pgbench(ctx context.Context, clients int, sc pgbenchScript) (pgbenchResult, error) {
	script := filepath.Join(b.o.workDir, sc.name+".sql")
	if err := os.WriteFile(script, []byte(sc.sql), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	u, _ := url.Parse(b.dbURL)
	prefix := filepath.Join(b.o.workDir, fmt.Sprintf("%s%d_%d", sc.name, clients, time.Now().UnixNano()))
	secs := max(1, int(b.o.dur.Seconds()))
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-M", sc.mode, "-f", script, "-c", strconv.Itoa(clients),
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
