package redirectgw_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// mount is where the tests mount the simulator, as paycore's sandbox does.
const mount = "/sandbox/redirectgw"

// callbackBase is paycore's public URL in the tests; the browser is never
// followed there, so it need not exist.
const callbackBase = "https://paycore.test"

// t0 is the fake clock's start.
var t0 = time.Date(2025, 11, 24, 15, 20, 0, 0, time.UTC)

// returnKey is the tests' 32-byte return key.
var returnKey = []byte("0123456789abcdef0123456789abcdef")

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is the adapter against the simulator, mounted as sandbox mode mounts
// it, with the checkout bodies the simulator received recorded.
type env struct {
	sim    *redirectgwsim.Simulator
	clock  *portstest.Clock
	public string
	cfg    redirectgw.Config
	client *redirectgw.Client
	logs   *syncBuffer

	mu     sync.Mutex
	bodies []string // raw checkout request bodies
	calls  []redirectgw.Call
}

// newEnv starts a simulator and a client with a verify endpoint;
// configure may change the client's Config before New.
func newEnv(t *testing.T, configure func(*redirectgw.Config)) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + mount
	e := &env{clock: portstest.NewClock(t0), public: public, logs: &syncBuffer{}}
	e.sim = redirectgwsim.New(redirectgwsim.Config{PublicURL: public, Clock: e.clock.Now})
	inner := http.StripPrefix(mount, e.sim.Handler())
	mux.Handle(mount+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, redirectgwsim.CheckoutPath) {
			b, _ := io.ReadAll(r.Body)
			e.mu.Lock()
			e.bodies = append(e.bodies, string(b))
			e.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		inner.ServeHTTP(w, r)
	}))
	srv.Start()
	t.Cleanup(func() { e.sim.Close(); srv.Close() })

	creds := e.sim.Credentials()
	e.cfg = redirectgw.Config{
		BaseURL:         public,
		APIKey:          creds.APIKey,
		ClientBaseURL:   creds.ClientBaseURL,
		CallbackBaseURL: callbackBase,
		ReturnKey:       returnKey,
		VerifyURL:       public + redirectgwsim.VerifyPath,
		Timeout:         5 * time.Second,
		Clock:           e.clock,
		Logger:          slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: func(c redirectgw.Call) {
			e.mu.Lock()
			e.calls = append(e.calls, c)
			e.mu.Unlock()
		},
	}
	if configure != nil {
		configure(&e.cfg)
	}
	c, err := redirectgw.New(e.cfg)
	require.NoError(t, err)
	e.client = c
	return e
}

// newClient returns another client on e's configuration, changed by
// configure (same return key: it verifies e.client's returns).
func (e *env) newClient(t *testing.T, configure func(*redirectgw.Config)) *redirectgw.Client {
	t.Helper()
	cfg := e.cfg
	configure(&cfg)
	c, err := redirectgw.New(cfg)
	require.NoError(t, err)
	return c
}

func bdt(minor int64) domain.Money { return domain.MustMoney(minor, "BDT") }

// browser follows no redirect: the tests read the 303 themselves.
var browser = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// submit posts the payment page form and returns the 303's Location.
func submit(t *testing.T, pageURL, action string) *url.URL {
	t.Helper()
	form := url.Values{"wallet": {"01712345678"}, "otp": {redirectgwsim.SandboxOTP},
		"pin": {redirectgwsim.SandboxPIN}, "action": {action}}
	resp, err := browser.PostForm(pageURL, form)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "payment page answer")
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc
}

// callback is a return URL's query as paycore's handler hands it to Confirm.
func callback(u *url.URL) map[string]string {
	out := map[string]string{}
	for k, v := range u.Query() {
		out[k] = v[0]
	}
	return out
}

// pay creates a checkout for the attempt and pays it on the page; it returns
// the create result and the query of the success return.
func (e *env) pay(t *testing.T, attemptID string, amount domain.Money) (ports.CreateResult, map[string]string) {
	t.Helper()
	res, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: attemptID, Amount: amount})
	require.NoError(t, err)
	loc := submit(t, res.RedirectURL, "pay")
	require.Equal(t, callbackBase+redirectgw.SuccessPath, loc.Scheme+"://"+loc.Host+loc.Path)
	return res, callback(loc)
}

// confirm calls Confirm for the attempt with the callback.
func confirm(t *testing.T, c *redirectgw.Client, attemptID, gatewayRef string, amount domain.Money, cb map[string]string) ports.ConfirmResult {
	t.Helper()
	res, err := c.Confirm(context.Background(), ports.ConfirmRequest{
		AttemptID: attemptID, GatewayRef: gatewayRef, Amount: amount, Callback: cb,
	})
	require.NoError(t, err)
	return res
}

// clone copies a callback map.
func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// newTextLogger logs everything as text into buf.
func newTextLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
