package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

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
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
)

// The sandbox demo client paycore seeds in sandbox mode.
const (
	demoKey    = "demo_key"
	demoSecret = "demo_secret"
)

// Wallets typed on the simulators' pages: a bKash sandbox wallet that pays;
// Nagad's and the redirect gateway's pages take any 01XXXXXXXXX.
const walletBkash = "01770618575"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir) // a temporary directory: nothing to do if it stays
	}
	os.Exit(code)
}

// paycoreBinary builds ./cmd/paycore once per test binary.
func paycoreBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		if buildDir, buildErr = os.MkdirTemp("", "paycore-faults-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "paycore")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/paycore")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only its port was wanted
	return addr
}

// proc is one process the suite started; its output goes to a file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startProc starts bin with args and env (nothing inherited but PATH and
// HOME), its output in dir/<name>.log.
func startProc(t testing.TB, dir, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // killed on purpose or at the end: the exit status says nothing new
		_ = f.Close()
		close(p.done)
	}()
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL) // it may have exited by itself
	<-p.done
}

// tail returns the last n lines of the process's output.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 50 ms until it holds or within passes; it
// reports whether it held.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rig is one scenario's world: a database, `paycore sandbox` and
// `paycore serve` (which the scenario kills and restarts).
type rig struct {
	t       testing.TB
	bin     string
	dir     string
	db      *pgxpool.Pool
	dsn     string
	sandbox string // http://127.0.0.1:port of paycore sandbox
	sb      *proc
	addr    string // paycore's listen address (kept across restarts)
	base    string
	env     []string
	paycore *proc
	starts  int
	hc      *http.Client // no redirects followed: each hop is looked at
}

// newRig starts a scenario's world. paycore's settings: reconciliation
// every second, a confirm older than 2×2 s taken as crashed (the node that
// made it was killed; gateway-fault scenarios, which kill nothing, set the
// default 40 s back), jobs left running rescued after 2m1s, and extra
// (KEY=VALUE, later wins) on top.
func newRig(t testing.TB, extra ...string) *rig {
	t.Helper()
	paycoreBinary(t) // before the database: a failed build needs none
	db, dsn := pgtest.New(t)
	return newRigOn(t, db.Pool, dsn, extra...)
}

// newRigOn is newRig on a database of the caller's.
func newRigOn(t testing.TB, pool *pgxpool.Pool, dsn string, extra ...string) *rig {
	t.Helper()
	bin := paycoreBinary(t)
	r := &rig{t: t, bin: bin, dir: t.TempDir(), db: pool, dsn: dsn,
		hc: &http.Client{Timeout: 90 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	sbAddr := freeAddr(t)
	r.sandbox = "http://" + sbAddr
	r.sb = startProc(t, r.dir, "sandbox", bin, nil, "sandbox", "--addr", sbAddr)
	t.Cleanup(r.sb.kill)
	if !waitFor(15*time.Second, func() bool { return r.get(r.sandbox+"/healthz") == http.StatusOK }) {
		t.Fatalf("paycore sandbox did not answer within 15 s:\n%s", r.sb.tail(30))
	}
	r.addr = freeAddr(t)
	r.base = "http://" + r.addr
	r.env = append([]string{
		"DATABASE_URL=" + dsn, "PAYCORE_ADDR=" + r.addr, "PAYCORE_SANDBOX=1", "PAYCORE_SANDBOX_URL=" + r.sandbox,
		"SMS_PROVIDER=bulksmsbd", "PAYCORE_RECONCILE_EVERY=1s", "PAYCORE_CONFIRM_WAIT=2s",
		"PAYCORE_RATE_LIMIT=100000", "PAYCORE_LOG_LEVEL=info",
		// The shortest rescue allowed (past the 2 min job timeouts): a job a
		// kill left running is retried by the next node after it.
		"PAYCORE_JOB_RESCUE_AFTER=2m1s",
	}, extra...)
	r.start()
	t.Cleanup(func() {
		if r.paycore != nil {
			r.paycore.kill()
		}
		if t.Failed() {
			t.Logf("paycore log (last lines):\n%s", r.paycore.tail(40))
		}
	})
	return r
}

// start runs paycore serve and waits until it is ready (30 s at most).
func (r *rig) start() {
	r.t.Helper()
	r.starts++
	r.paycore = startProc(r.t, r.dir, "paycore", r.bin, r.env, "serve")
	if !waitFor(30*time.Second, func() bool { return r.get(r.base+"/readyz") == http.StatusOK }) {
		r.t.Fatalf("paycore serve not ready within 30 s:\n%s", r.paycore.tail(30))
	}
}

// kill SIGKILLs paycore.
func (r *rig) kill() { r.paycore.kill() }

// restart kills paycore (if still running) and starts it again: same
// database, same sandbox, same address.
func (r *rig) restart() {
	r.t.Helper()
	r.kill()
	r.start()
}

func (r *rig) get(u string) int {
	resp, err := r.hc.Get(u)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// getJSON reads u into v.
func (r *rig) getJSON(u string, v any) {
	r.t.Helper()
	resp, err := r.hc.Get(u)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		r.t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		r.t.Fatalf("GET %s: %v", u, err)
	}
}

func randDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	out := make([]byte, n)
	for i := range b {
		out[i] = '0' + b[i]%10
	}
	return string(out)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// created is what POST /api/v1/pay answered.
type created struct {
	status int
	txn    string
	phone  string
	body   string
}

// create is the merchant's POST /api/v1/pay (HMAC-signed), with a
// customer phone of its own so the SMS simulator's messages tell payments
// apart, and the sandbox merchant as webhook_url.
func (r *rig) create(ctx context.Context, amount string) (created, error) {
	return createAt(ctx, r.hc, r.base, r.sandbox+"/sandbox/merchant/webhook", amount)
}

func createAt(ctx context.Context, hc *http.Client, base, webhookURL, amount string) (created, error) {
	phone := "017" + randDigits(8)
	body, _ := json.Marshal(map[string]any{
		"order_id": "F-" + randHex(8), "amount": json.Number(amount), "currency": "BDT",
		"customer_name": "Fault Suite", "customer_phone": phone,
		"return_url": "https://shop.example.com/thanks", "webhook_url": webhookURL,
	})
	const path = "/api/v1/pay"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	n := randHex(16)
	sig := app.Sign([]byte(demoSecret), app.SignedRequest{Method: http.MethodPost, Path: path, Timestamp: ts, Nonce: n, Body: body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return created{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-KEY", demoKey)
	req.Header.Set("X-API-SIGNATURE", sig)
	req.Header.Set("X-API-TIMESTAMP", ts)
	req.Header.Set("X-API-NONCE", n)
	resp, err := hc.Do(req)
	if err != nil {
		return created{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	c := created{status: resp.StatusCode, phone: phone, body: string(b)}
	var env struct {
		Data struct {
			TransactionID string `json:"transaction_id"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &env) == nil {
		c.txn = env.Data.TransactionID
	}
	return c, nil
}

// mustCreate creates a 100.00 BDT payment and fails the test unless 201.
func (r *rig) mustCreate() created {
	r.t.Helper()
	c, err := r.create(context.Background(), "100.00")
	if err != nil || c.status != http.StatusCreated || c.txn == "" {
		r.t.Fatalf("create: %d %v %s", c.status, err, c.body)
	}
	return c
}

// browse sends one browser request and returns status and Location.
func (r *rig) browse(method, target string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	loc := resp.Header.Get("Location")
	if loc != "" {
		if u, err := resp.Request.URL.Parse(loc); err == nil {
			loc = u.String()
		}
	}
	return resp.StatusCode, loc, nil
}

// startAttempt presses the gateway's button on the hosted page; it returns
// the gateway page the customer is sent to.
func (r *rig) startAttempt(txn, gw string) string {
	r.t.Helper()
	code, loc, err := r.browse(http.MethodPost, r.base+"/pay/"+txn+"/"+gw, url.Values{})
	if err != nil || code != http.StatusSeeOther {
		r.t.Fatalf("start %s: %d %v", gw, code, err)
	}
	return loc
}

// approve opens the gateway's page and pays on it; it returns the callback
// the gateway sends the browser to (not yet followed).
func (r *rig) approve(page, gw string) string {
	r.t.Helper()
	wallet := walletBkash
	if gw != "bkash" {
		wallet = "01" + "7" + randDigits(8)
	}
	if code, _, err := r.browse(http.MethodGet, page, nil); err != nil || code != http.StatusOK {
		r.t.Fatalf("%s page: %d %v", gw, code, err)
	}
	code, cb, err := r.browse(http.MethodPost, page, url.Values{"wallet": {wallet}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		r.t.Fatalf("%s page pay: %d %v", gw, code, err)
	}
	return cb
}

// callback follows the gateway's return to paycore; the answer's status
// (0 when the connection broke).
func (r *rig) callback(cb string) int {
	code, _, _ := r.browse(http.MethodGet, cb, nil)
	return code
}

// pay runs the whole customer journey for txn on gw and expects a 303 from
// the callback.
func (r *rig) pay(txn, gw string) {
	r.t.Helper()
	cb := r.approve(r.startAttempt(txn, gw), gw)
	if code := r.callback(cb); code != http.StatusSeeOther {
		r.t.Fatalf("callback: %d", code)
	}
}

// fault sets one simulator fault (POST /sandbox/<gw>/faults).
func (r *rig) fault(gw, endpoint, mode string, after bool, delay time.Duration, times int) {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{"endpoint": endpoint, "mode": mode, "after": after,
		"delay_ms": delay.Milliseconds(), "times": times})
	resp, err := r.hc.Post(r.sandbox+"/sandbox/"+gw+"/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		r.t.Fatalf("fault %s %s: %d %s", gw, endpoint, resp.StatusCode, b)
	}
}

// clearFaults removes every fault of gw and lets go of held requests.
func (r *rig) clearFaults(gw string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, r.sandbox+"/sandbox/"+gw+"/faults", nil)
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// merchantAnswer makes the sandbox merchant answer status to webhooks (0:
// normal).
func (r *rig) merchantAnswer(status int) {
	r.t.Helper()
	resp, err := r.hc.Post(r.sandbox+"/sandbox/merchant/answer", "application/json",
		strings.NewReader(fmt.Sprintf(`{"status":%d}`, status)))
	if err != nil {
		r.t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// stats reads a simulator's call counts.
func (r *rig) stats(gw string) map[string]int {
	r.t.Helper()
	var st map[string]int
	r.getJSON(r.sandbox+"/sandbox/"+gw+"/stats", &st)
	return st
}

// confirmEndpoint is the call that decides a gateway's outcome.
func confirmEndpoint(gw string) string {
	if gw == "bkash" {
		return "execute"
	}
	return "verify"
}

// waitCalls waits until gw's endpoint was called at least n times: the call
// is in flight (stats count a call when it arrives).
func (r *rig) waitCalls(gw, endpoint string, n int) {
	r.t.Helper()
	if !waitFor(20*time.Second, func() bool { return r.stats(gw)[endpoint] >= n }) {
		r.t.Fatalf("%s %s: not called %d times within 20 s (%v)", gw, endpoint, n, r.stats(gw))
	}
}

// landed is one webhook the sandbox merchant received.
type landed struct {
	ID       string          `json:"id"`
	Event    string          `json:"event"`
	Verified bool            `json:"verified"`
	Answered int             `json:"answered"`
	Body     json.RawMessage `json:"body"`
}

func (r *rig) webhooks(txn string) []landed {
	r.t.Helper()
	var all []landed
	r.getJSON(r.sandbox+"/sandbox/merchant/webhooks", &all)
	var out []landed
	for _, w := range all {
		var b struct {
			TransactionID string `json:"transaction_id"`
		}
		if json.Unmarshal(w.Body, &b) == nil && b.TransactionID == txn {
			out = append(out, w)
		}
	}
	return out
}

type smsMessage struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

func (r *rig) smsTo(phone string) []smsMessage {
	r.t.Helper()
	var out []smsMessage
	r.getJSON(r.sandbox+"/sandbox/sms/messages?to="+url.QueryEscape(phone), &out)
	return out
}

// status reads a payment's status from the database.
func (r *rig) status(txn string) string {
	var s string
	if err := r.db.QueryRow(context.Background(), `SELECT status FROM payments WHERE id = $1`, txn).Scan(&s); err != nil {
		return "error: " + err.Error()
	}
	return s
}

// attempts lists a payment's attempts' statuses, oldest first.
func (r *rig) attempts(txn string) []string {
	rows, err := r.db.Query(context.Background(), `SELECT status FROM attempts WHERE payment_id = $1 ORDER BY created_at`, txn)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

type event struct{ id, typ string }

func (r *rig) events(txn string) []event {
	rows, err := r.db.Query(context.Background(), `SELECT id, type FROM events WHERE payment_id = $1 ORDER BY created_at`, txn)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out []event
	for rows.Next() {
		var e event
		_ = rows.Scan(&e.id, &e.typ)
		out = append(out, e)
	}
	return out
}

type notification struct{ template, body, status string }

func (r *rig) notifications(txn string) []notification {
	rows, err := r.db.Query(context.Background(), `SELECT template, body, status FROM notifications WHERE payment_id = $1 ORDER BY created_at`, txn)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out []notification
	for rows.Next() {
		var n notification
		_ = rows.Scan(&n.template, &n.body, &n.status)
		out = append(out, n)
	}
	return out
}

// outcome is what a scenario's payment ended with, as the table shows it.
type outcome struct {
	status   string
	attempts []string
	confirm  int // execute (bKash) or verify calls at the simulator
	query    int // bKash query calls
	webhooks string
	sms      string
}

// settle waits (within) for txn to reach want, then for every event to
// reach the sandbox merchant and every SMS to reach the simulator, and
// checks: each event arrived (at least once, always with its own id), no
// webhook arrived that the database has no event for, no event type twice
// (a second payment.success would be money counted twice), each sent SMS
// arrived, none lost, and at most one bKash execute.
func (r *rig) settle(c created, gw, want string, within time.Duration) outcome {
	r.t.Helper()
	if !waitFor(within, func() bool { return r.status(c.txn) == want }) {
		r.t.Fatalf("payment %s is %s (attempts %v), want %s within %s", c.txn, r.status(c.txn), r.attempts(c.txn), want, within)
	}
	var (
		evs   []event
		hooks []landed
		notes []notification
		msgs  []smsMessage
	)
	delivered := func() bool {
		evs, hooks, notes, msgs = r.events(c.txn), r.webhooks(c.txn), r.notifications(c.txn), r.smsTo(c.phone)
		for _, e := range evs {
			if !slices.ContainsFunc(hooks, func(h landed) bool { return h.ID == e.id && h.Answered/100 == 2 }) {
				return false
			}
		}
		for _, n := range notes {
			if n.status != "sent" || !slices.ContainsFunc(msgs, func(m smsMessage) bool { return m.Text == n.body }) {
				return false
			}
		}
		return true
	}
	if !waitFor(within, delivered) {
		r.t.Errorf("payment %s: not everything delivered within %s\n events %v\n webhooks %v\n notifications %v\n sms %v",
			c.txn, within, evs, ids(hooks), notes, msgs)
	}
	types := map[string]int{}
	for _, e := range evs {
		if types[e.typ]++; types[e.typ] > 1 && e.typ != "payment.pending" {
			r.t.Errorf("payment %s: event %s twice: %v", c.txn, e.typ, evs)
		}
	}
	for _, h := range hooks {
		if !slices.ContainsFunc(evs, func(e event) bool { return e.id == h.ID }) || !h.Verified {
			r.t.Errorf("payment %s: webhook %s (%s) has no event of its own or a bad signature", c.txn, h.ID, h.Event)
		}
	}
	tmpl := map[string]int{}
	for _, n := range notes {
		if tmpl[n.template]++; tmpl[n.template] > 1 {
			r.t.Errorf("payment %s: SMS %s queued twice", c.txn, n.template)
		}
	}
	st := r.stats(gw)
	out := outcome{status: want, attempts: r.attempts(c.txn), confirm: st[confirmEndpoint(gw)], query: st["query"]}
	if gw == "bkash" && out.confirm > 1 {
		r.t.Errorf("payment %s: bKash execute called %d times", c.txn, out.confirm)
	}
	out.webhooks = summarize(len(evs), len(hooks), "event")
	out.sms = summarize(len(notes), len(msgs), "SMS")
	return out
}

func ids(hs []landed) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Event + "/" + h.ID + "/" + strconv.Itoa(h.Answered)
	}
	return out
}

// summarize says "2 events, 2 arrivals" or "2 events, 3 arrivals (1 again, same id)".
func summarize(want, got int, what string) string {
	s := fmt.Sprintf("%d %s, %d arrived", want, what, got)
	if got > want {
		s += fmt.Sprintf(" (%d again)", got-want)
	}
	return s
}

// row is one line of the suite's table.
type row struct {
	scenario, where, ended, calls, webhooks, sms string
}

func (o outcome) row(scenario, where, gw string) row {
	calls := fmt.Sprintf("%s %d", confirmEndpoint(gw), o.confirm)
	if gw == "bkash" {
		calls += fmt.Sprintf(", query %d", o.query)
	}
	return row{scenario: scenario, where: where, ended: o.status + " (attempts " + strings.Join(o.attempts, ",") + ")",
		calls: calls, webhooks: o.webhooks, sms: o.sms}
}

// table writes rows as a Markdown table.
func table(rows []row) string {
	var b strings.Builder // a strings.Builder's writes never fail
	b.WriteString("| scenario | killed / broken where | payment ended | execute/verify calls | webhooks | SMS |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join([]string{r.scenario, r.where, r.ended, r.calls, r.webhooks, r.sms}, " | ") + " |\n")
	}
	return b.String()
}
