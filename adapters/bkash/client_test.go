package bkash_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// recorder keeps the header maps exactly as the client built them, before
// the server canonicalizes their keys.
type recorder struct {
	mu      sync.Mutex
	headers map[string][]http.Header // by path suffix
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	path := strings.TrimPrefix(req.URL.Path, basePath)
	r.headers[path] = append(r.headers[path], req.Header.Clone())
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	good := f.config(portstest.NewClock(t0))
	if _, err := bkash.New(good, bkash.NewMemoryTokenStore()); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	bad := good
	bad.BaseURL, bad.CallbackURL, bad.Password, bad.AppSecret = "tokenized.sandbox/x", "/callbacks/bkash", "", ""
	_, err := bkash.New(bad, bkash.NewMemoryTokenStore())
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"BaseURL", "CallbackURL", "Password", "AppSecret"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if f.total() != 0 {
		t.Errorf("New made %d calls", f.total())
	}
}

func TestHeadersAndCreateBody(t *testing.T) {
	t.Parallel()
	rec := &recorder{headers: map[string][]http.Header{}}
	e := newEnv(t, func(c *bkash.Config) { c.HTTPClient = &http.Client{Transport: rec} })
	c := e.client

	res, err := c.Create(context.Background(), ports.CreateRequest{AttemptID: "att_7Hq2", Amount: bdt(25000)})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	eq(t, "GatewayRef", res.GatewayRef, fxPaymentID)
	eq(t, "RedirectURL", res.RedirectURL, "https://sandbox.payment.bkash.com/?paymentId=TR0011kq7Zs2P1764000000123&hash=Xk2!pQ9(zL.8vT_1764000000124&mode=0011&apiVersion=v1.2.0-beta/")
	eq(t, "Signature", res.Signature, "Hq3mV0pZ7c")

	// Token call: literal lower-case username/password, JSON, no Authorization.
	gh := rec.headers["/token/grant"]
	if len(gh) != 1 {
		t.Fatalf("grant calls = %d, want 1", len(gh))
	}
	eq(t, `raw header "username"`, sentHeader(gh[0], "username"), testUser)
	eq(t, `raw header "password"`, sentHeader(gh[0], "password"), testPassword)
	eq(t, "grant Content-Type", gh[0].Get("Content-Type"), "application/json")
	eq(t, "grant Accept", gh[0].Get("Accept"), "application/json")
	eq(t, "grant Authorization", gh[0].Get("Authorization"), "")
	g := e.f.requests("grant")[0]
	eq(t, "app_key", g.str(t, "app_key"), testAppKey)
	eq(t, "app_secret", g.str(t, "app_secret"), testAppSecret)

	// API call: raw id_token (no "Bearer"), X-APP-Key, no username/password.
	ch := rec.headers["/create"][0]
	tok := e.storedToken(t)
	eq(t, "Authorization", ch.Get("Authorization"), tok.IDToken)
	eq(t, "Authorization has no Bearer", strings.HasPrefix(ch.Get("Authorization"), "Bearer"), false)
	eq(t, "X-APP-Key", sentHeader(ch, "X-APP-Key"), testAppKey)
	eq(t, "create Content-Type", ch.Get("Content-Type"), "application/json")
	eq(t, "create has no password", ch.Get("password"), "")

	body := e.f.requests("create")[0]
	eq(t, "amount raw JSON", string(body.body["amount"]), `"250.00"`)
	eq(t, "mode", body.str(t, "mode"), "0011")
	eq(t, "merchantInvoiceNumber", body.str(t, "merchantInvoiceNumber"), "att_7Hq2")
	eq(t, "payerReference", body.str(t, "payerReference"), " ")
	eq(t, "callbackURL", body.str(t, "callbackURL"), callbackURL)
	eq(t, "currency", body.str(t, "currency"), "BDT")
	eq(t, "intent", body.str(t, "intent"), "sale")
	eq(t, "create fields", len(body.body), 7)
}

func TestCreatePayerReferenceAndAmounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("create", 200, strings.Replace(fxCreate, `"250.00"`, `"1500.5"`, 1))
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_1", Amount: bdt(150050), PayerReference: "01770618575"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	body := e.f.requests("create")[0]
	eq(t, "payerReference", body.str(t, "payerReference"), "01770618575")
	eq(t, "amount", body.str(t, "amount"), "1500.50")
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("not BDT: no call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: domain.MustMoney(100, "USD")})
		if !errors.Is(err, bkash.ErrInvalidRequest) {
			t.Fatalf("err = %v, want ErrInvalidRequest", err)
		}
		eq(t, "calls", e.f.total(), 0)
	})
	t.Run("2029 is a GatewayError", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.f.answer("create", 200, `{"statusCode":"2029","statusMessage":"Duplicate for all transactions"}`)
		_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: bdt(25000)})
		var ge *ports.GatewayError
		if !errors.As(err, &ge) {
			t.Fatalf("err = %v, want *ports.GatewayError", err)
		}
		eq(t, "Code", ge.Code, "2029")
		eq(t, "Message", ge.Message, "Duplicate for all transactions")
		eq(t, "Gateway", ge.Gateway, domain.GatewayBkash)
	})
	t.Run("timeout: no answer, sent once", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *bkash.Config) { c.Timeout = 100 * time.Millisecond })
		e.f.hang("create", time.Second)
		_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: bdt(25000)})
		if !errors.Is(err, bkash.ErrNoAnswer) {
			t.Fatalf("err = %v, want ErrNoAnswer", err)
		}
		eq(t, "create calls", e.f.count("create"), 1)
	})
	t.Run("echoed amount differs", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: bdt(30000)})
		if err == nil || !strings.Contains(err.Error(), "echoed amount") {
			t.Fatalf("err = %v, want an amount echo error", err)
		}
	})
}

func TestObserveAndGateway(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls []bkash.Call
	e := newEnv(t, func(c *bkash.Config) {
		c.Observe = func(call bkash.Call) { mu.Lock(); calls = append(calls, call); mu.Unlock() }
	})
	eq(t, "Gateway", e.client.Gateway(), domain.GatewayBkash)
	e.f.answer("search", 200, `{"statusCode":"2033","statusMessage":"Transaction not found"}`)
	_, _ = e.client.Query(context.Background(), fxPaymentID)
	_, _ = e.client.Search(context.Background(), "NOPE000000")
	mu.Lock()
	defer mu.Unlock()
	want := []bkash.Call{{Op: "grant", HTTPStatus: 200, Outcome: "ok"}, {Op: "query", HTTPStatus: 200, Outcome: "ok"},
		{Op: "search", HTTPStatus: 200, Outcome: "refused"}}
	if len(calls) != len(want) {
		t.Fatalf("calls = %+v", calls)
	}
	for i, w := range want {
		got := calls[i]
		if got.Op != w.Op || got.HTTPStatus != w.HTTPStatus || got.Outcome != w.Outcome || got.Duration <= 0 {
			t.Errorf("call %d = %+v, want %+v with a duration", i, got, w)
		}
	}
}

// sentHeader is the values under key exactly as the client set it. bKash
// wants "username", "password" and "X-APP-Key" spelt so on the wire, so the
// key is not canonicalised as Header.Get would do.
func sentHeader(h http.Header, key string) string { return strings.Join(h[key], ",") }
