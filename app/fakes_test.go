package app_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ==== payment gateway

type createAnswer struct {
	res ports.CreateResult
	err error
}

type confirmAnswer struct {
	res ports.ConfirmResult
	err error
}

type refundAnswer struct {
	res ports.RefundResult
	err error
}

// fakeGateway is a scripted ports.PaymentGateway that is also a
// ports.Resolver, ports.Refunder, ports.CallbackVerifier (when verifies) and
// ports.ReturnVerifier (a plain-text query: see returnQuery). Each call
// takes the next scripted answer of its kind; with none left it gives the
// default: a fresh redirect, a success with a fresh trxID, an unknown
// resolve, a succeeded refund.
type fakeGateway struct {
	code     domain.Gateway
	verifies bool

	mu       sync.Mutex
	creates  []createAnswer
	confirms []confirmAnswer
	resolves []confirmAnswer
	submits  []refundAnswer
	checks   []refundAnswer
	calls    map[string]int
	// duringConfirm, if set, runs inside Confirm before it answers (to act
	// while an attempt is claimed).
	duringConfirm func()
	confirmReqs   []ports.ConfirmRequest
	resolveReqs   []ports.ConfirmRequest
	createReqs    []ports.CreateRequest
	refundReqs    []ports.RefundRequest
	seq           int
}

func newFakeGateway(code domain.Gateway) *fakeGateway {
	return &fakeGateway{code: code, calls: map[string]int{}}
}

func (g *fakeGateway) count(op string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[op]
}

func (g *fakeGateway) scriptCreate(a ...createAnswer) {
	g.mu.Lock()
	g.creates = append(g.creates, a...)
	g.mu.Unlock()
}

func (g *fakeGateway) scriptConfirm(a ...confirmAnswer) {
	g.mu.Lock()
	g.confirms = append(g.confirms, a...)
	g.mu.Unlock()
}

func (g *fakeGateway) scriptResolve(a ...confirmAnswer) {
	g.mu.Lock()
	g.resolves = append(g.resolves, a...)
	g.mu.Unlock()
}

func (g *fakeGateway) scriptSubmit(a ...refundAnswer) {
	g.mu.Lock()
	g.submits = append(g.submits, a...)
	g.mu.Unlock()
}

func (g *fakeGateway) scriptCheck(a ...refundAnswer) {
	g.mu.Lock()
	g.checks = append(g.checks, a...)
	g.mu.Unlock()
}

func pop[T any](q *[]T) (T, bool) {
	var zero T
	if len(*q) == 0 {
		return zero, false
	}
	x := (*q)[0]
	*q = (*q)[1:]
	return x, true
}

func (g *fakeGateway) Gateway() domain.Gateway { return g.code }

func (g *fakeGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls["create"]++
	g.createReqs = append(g.createReqs, req)
	if a, ok := pop(&g.creates); ok {
		return a.res, a.err
	}
	return ports.CreateResult{GatewayRef: "ref-" + req.AttemptID, RedirectURL: "https://gw.test/pay/" + req.AttemptID,
		Signature: "sig-" + req.AttemptID}, nil
}

func (g *fakeGateway) Confirm(_ context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	g.mu.Lock()
	g.calls["confirm"]++
	g.confirmReqs = append(g.confirmReqs, req)
	during := g.duringConfirm
	a, ok := pop(&g.confirms)
	if !ok {
		g.seq++
		a = confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: fmt.Sprintf("TRX%d", g.seq)}}
	}
	g.mu.Unlock()
	if during != nil {
		during()
	}
	return a.res, a.err
}

func (g *fakeGateway) Resolve(_ context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls["resolve"]++
	g.resolveReqs = append(g.resolveReqs, req)
	if a, ok := pop(&g.resolves); ok {
		return a.res, a.err
	}
	return ports.ConfirmResult{Outcome: ports.OutcomeUnknown}, nil
}

func (g *fakeGateway) ConfirmsEveryCallback() bool { return g.verifies }

func (g *fakeGateway) SubmitRefund(_ context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls["submit"]++
	g.refundReqs = append(g.refundReqs, req)
	if a, ok := pop(&g.submits); ok {
		return a.res, a.err
	}
	return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: "RF-" + req.RefundID}, nil
}

func (g *fakeGateway) CheckRefund(_ context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls["check"]++
	g.refundReqs = append(g.refundReqs, req)
	if a, ok := pop(&g.checks); ok {
		return a.res, a.err
	}
	return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: "RF-" + req.RefundID}, nil
}

// VerifyReturn accepts a query made by returnQuery: sig=good, kind,
// attempt, amount (minor BDT), exp (unix), transaction_id.
func (g *fakeGateway) VerifyReturn(q map[string][]string, now time.Time) (ports.SignedReturn, error) {
	g.mu.Lock()
	g.calls["verify_return"]++
	g.mu.Unlock()
	first := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if first("sig") != "good" {
		return ports.SignedReturn{}, fmt.Errorf("%w: bad signature", ports.ErrBadReturn)
	}
	exp, err := strconv.ParseInt(first("exp"), 10, 64)
	if err != nil {
		return ports.SignedReturn{}, fmt.Errorf("%w: exp", ports.ErrBadReturn)
	}
	minor, err := strconv.ParseInt(first("amount"), 10, 64)
	if err != nil {
		return ports.SignedReturn{}, fmt.Errorf("%w: amount", ports.ErrBadReturn)
	}
	sr := ports.SignedReturn{Kind: ports.ReturnKind(first("kind")), AttemptID: first("attempt"),
		Amount: domain.MustMoney(minor, "BDT"), ExpiresAt: time.Unix(exp, 0), TransactionID: first("transaction_id")}
	if !now.Before(sr.ExpiresAt) {
		return ports.SignedReturn{}, ports.ErrReturnExpired
	}
	if sr.Kind == ports.ReturnSuccess && sr.TransactionID == "" {
		return ports.SignedReturn{}, fmt.Errorf("%w: no transaction_id", ports.ErrBadReturn)
	}
	return sr, nil
}

var (
	_ ports.PaymentGateway   = (*fakeGateway)(nil)
	_ ports.Resolver         = (*fakeGateway)(nil)
	_ ports.Refunder         = (*fakeGateway)(nil)
	_ ports.CallbackVerifier = (*fakeGateway)(nil)
	_ ports.ReturnVerifier   = (*fakeGateway)(nil)
)

// bareGateway hides every optional capability of its gateway.
type bareGateway struct{ ports.PaymentGateway }

// ==== SMS

type fakeSMS struct {
	mu   sync.Mutex
	errs []error // popped per Send; nil entries succeed
	sent []ports.SMS
	n    int
}

func (s *fakeSMS) Provider() string { return "fake" }

func (s *fakeSMS) Send(_ context.Context, msg ports.SMS) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if err, ok := pop(&s.errs); ok && err != nil {
		return "", err
	}
	s.sent = append(s.sent, msg)
	return fmt.Sprintf("msg-%d", s.n), nil
}

func (s *fakeSMS) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// ==== merchant webhooks

type webhookAnswer struct {
	resp ports.WebhookResponse
	err  error
}

type fakeWebhookSender struct {
	mu      sync.Mutex
	answers []webhookAnswer // popped; none left: 200
	reqs    []ports.WebhookRequest
}

func (s *fakeWebhookSender) Send(_ context.Context, req ports.WebhookRequest) (ports.WebhookResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	if a, ok := pop(&s.answers); ok {
		return a.resp, a.err
	}
	return ports.WebhookResponse{StatusCode: 200, Body: "ok", Latency: 5 * time.Millisecond}, nil
}

func (s *fakeWebhookSender) sent() []ports.WebhookRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ports.WebhookRequest(nil), s.reqs...)
}

type fakeSecrets map[string][]byte

func (f fakeSecrets) WebhookSecret(_ context.Context, clientID string) ([]byte, error) {
	s, ok := f[clientID]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return s, nil
}

// ==== API keys

type rotation struct {
	clientID, key string
	secret        []byte
	revokeAt      time.Time
}

type fakeKeys struct {
	mu        sync.Mutex
	current   map[string]string
	rotations []rotation
}

func (k *fakeKeys) RotateKey(_ context.Context, clientID, newKey string, newSecret []byte, revokeAt time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rotations = append(k.rotations, rotation{clientID, newKey, newSecret, revokeAt})
	k.current[clientID] = newKey
	return nil
}

func (k *fakeKeys) CurrentKey(_ context.Context, clientID string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.current[clientID]
	if !ok {
		return "", domain.ErrNotFound
	}
	return key, nil
}

// ==== gateway health

type fakeCalls struct {
	mu    sync.Mutex
	stats map[domain.Gateway]ports.GatewayCallStats
	since []time.Time
}

func (c *fakeCalls) RecordCall(ports.GatewayCall) {}

func (c *fakeCalls) CallStats(_ context.Context, g domain.Gateway, since time.Time) (ports.GatewayCallStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = append(c.since, since)
	return c.stats[g], nil
}

// ==== authenticator stores

type fakeKeyStore map[string]ports.APIKey

func (f fakeKeyStore) LookupKey(_ context.Context, key string) (ports.APIKey, error) {
	k, ok := f[key]
	if !ok {
		return ports.APIKey{}, domain.ErrNotFound
	}
	return k, nil
}

type fakeNonces struct {
	mu   sync.Mutex
	used map[string]bool
	err  error
}

func (n *fakeNonces) UseNonce(_ context.Context, clientID, nonce string, _ time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err != nil {
		return n.err
	}
	k := clientID + "\x00" + nonce
	if n.used[k] {
		return domain.ErrDuplicate
	}
	n.used[k] = true
	return nil
}

var errBoom = errors.New("boom")
