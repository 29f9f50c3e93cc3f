package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/adapters/sslcommerzsim"
)

// Where each simulator is served, by paycore in sandbox mode and by
// `paycore sandbox` alike (docs/platform.md §4).
const (
	prefixBkash      = "/sandbox/bkash"
	prefixNagad      = "/sandbox/nagad"
	prefixRedirectGW = "/sandbox/redirectgw"
	prefixSMS        = "/sandbox/sms"
	prefixSSLCommerz = "/sandbox/sslcommerz"
	prefixMerchant   = "/sandbox/merchant"
)

// simulators are sandbox mode's outside world: a simulator per gateway and
// for SMS, and the sandbox merchant that receives the demo client's
// webhooks. All state is in memory: it lives as long as the process that
// serves them (paycore itself, or `paycore sandbox`).
type simulators struct {
	bkash    *bkashsim.Simulator
	nagad    *nagadsim.Simulator
	rgw      *redirectgwsim.Simulator
	sms      *smssim.Simulator
	merchant *merchantsim.Receiver
	ssl      *sslcommerzsim.Simulator
}

// newSimulators creates the simulators as served under root (no trailing
// slash), e.g. http://127.0.0.1:9090; the redirect gateway expects
// clientBaseURL as its client_base_url.
func newSimulators(root, clientBaseURL string, now func() time.Time) (*simulators, error) {
	nagad, err := nagadsim.New(nagadsim.Config{PublicURL: root + prefixNagad, Clock: now})
	if err != nil {
		return nil, fmt.Errorf("nagad simulator: %w", err)
	}
	return &simulators{
		bkash: bkashsim.New(bkashsim.Config{PublicURL: root + prefixBkash, Clock: now}),
		nagad: nagad,
		rgw: redirectgwsim.New(redirectgwsim.Config{PublicURL: root + prefixRedirectGW,
			ClientBaseURL: clientBaseURL, Clock: now}),
		sms:      smssim.New(smssim.Config{Clock: now}),
		merchant: merchantsim.New([]byte(demoWebhookSecret), now),
		ssl:      sslcommerzsim.New(sslcommerzsim.Config{PublicURL: root + prefixSSLCommerz, Clock: now}),
	}, nil
}

// handlers are the simulators by prefix; each strips its prefix.
func (s *simulators) handlers() map[string]http.Handler {
	return map[string]http.Handler{
		prefixBkash:      http.StripPrefix(prefixBkash, s.bkash.Handler()),
		prefixNagad:      http.StripPrefix(prefixNagad, s.nagad.Handler()),
		prefixRedirectGW: http.StripPrefix(prefixRedirectGW, s.rgw.Handler()),
		prefixSMS:        http.StripPrefix(prefixSMS, s.sms.Handler()),
		prefixMerchant:   http.StripPrefix(prefixMerchant, s.merchant.Handler()),
		prefixSSLCommerz: http.StripPrefix(prefixSSLCommerz, s.ssl.Handler()),
	}
}

// close lets go of requests held by "no answer" faults.
func (s *simulators) close() {
	s.bkash.Close()
	s.nagad.Close()
	s.rgw.Close()
	s.sms.Close()
	s.ssl.Close()
}

// credentials are what the simulators accept, as their GET …/credentials
// serve them.
func (s *simulators) credentials() sandboxCredentials {
	return sandboxCredentials{Bkash: s.bkash.Credentials(), Nagad: s.nagad.Credentials(),
		RedirectGW: s.rgw.Credentials(), SMS: s.sms.Credentials(), SSLCommerz: s.ssl.Credentials()}
}

// sandboxCredentials are every simulator's credentials.
type sandboxCredentials struct {
	Bkash      bkashsim.Credentials
	Nagad      nagadsim.Credentials
	RedirectGW redirectgwsim.Credentials
	SMS        smssim.Credentials
	SSLCommerz sslcommerzsim.Credentials
}

// fetchSandboxCredentials reads GET <root>/sandbox/<simulator>/credentials
// of each simulator served under root (PAYCORE_SANDBOX_URL).
func fetchSandboxCredentials(ctx context.Context, root string) (sandboxCredentials, error) {
	var c sandboxCredentials
	hc := &http.Client{Timeout: 10 * time.Second}
	for prefix, into := range map[string]any{prefixBkash: &c.Bkash, prefixNagad: &c.Nagad,
		prefixRedirectGW: &c.RedirectGW, prefixSMS: &c.SMS, prefixSSLCommerz: &c.SSLCommerz} {
		if err := getJSON(ctx, hc, root+prefix+"/credentials", into); err != nil {
			return c, err
		}
	}
	return c, nil
}

func getJSON(ctx context.Context, hc *http.Client, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read fully below; a close error changes nothing
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// useSandbox points every gateway and the SMS provider (BulkSMSBD,
// GreenWeb) that the environment does not configure at the simulators
// served under root, with creds.
func (c *config) useSandbox(root string, creds sandboxCredentials) {
	if b := &c.Bkash; b.BaseURL == "" {
		b.BaseURL, b.Username, b.Password = root+prefixBkash+bkashsim.APIPrefix, creds.Bkash.Username, creds.Bkash.Password
		b.AppKey, b.AppSecret = creds.Bkash.AppKey, creds.Bkash.AppSecret
		b.V2BaseURL = "" // the simulator's, derived from BaseURL
	}
	if n := &c.Nagad; n.BaseURL == "" {
		n.BaseURL = root + prefixNagad + nagadsim.APIPrefix
		n.MerchantID, n.MerchantNumber = creds.Nagad.MerchantID, creds.Nagad.MerchantNumber
		n.MerchantPrivateKey, n.PGPublicKey = creds.Nagad.MerchantPrivateKey, creds.Nagad.PGPublicKey
	}
	if r := &c.RedirectGW; r.BaseURL == "" {
		r.BaseURL = root + prefixRedirectGW
		r.APIKey, r.ClientBaseURL = creds.RedirectGW.APIKey, creds.RedirectGW.ClientBaseURL
		if r.VerifyURL == "" {
			r.VerifyURL = r.BaseURL + redirectgwsim.VerifyPath
		}
		if len(r.ReturnKey) == 0 {
			r.ReturnKey = []byte(sandboxReturnKey)
		}
	}
	if sc := &c.SSLCommerz; sc.BaseURL == "" {
		sc.BaseURL = root + prefixSSLCommerz
		sc.StoreID, sc.StorePasswd = creds.SSLCommerz.StoreID, creds.SSLCommerz.StorePasswd
	}
	c.SMS = sandboxSMS(c.SMS, root, creds.SMS)
}

// sandboxSMS points BulkSMSBD and GreenWeb without SMS_BASE_URL at the SMS
// simulator under root; with no SMS_PROVIDER at all, the messages go there
// too (BulkSMSBD's wire format), so the sandbox's SMS inbox shows them.
func sandboxSMS(c smsConfig, root string, creds smssim.Credentials) smsConfig {
	if c.BaseURL != "" {
		return c
	}
	if c.Provider == "" {
		c.Provider = sms.ProviderBulkSMSBD
	}
	switch c.Provider {
	case sms.ProviderBulkSMSBD:
		c.BaseURL, c.APIKey, c.SenderID = root+prefixSMS, creds.APIKey, creds.SenderID
	case sms.ProviderGreenWeb:
		c.BaseURL, c.APIKey = root+prefixSMS, creds.GreenWebToken
	}
	return c
}

// sandboxServer is `paycore sandbox`: every simulator under its /sandbox/…
// prefix in a process of its own, so that paycore can be killed and
// restarted while the gateways keep their state.
type sandboxServer struct {
	root    string
	sims    *simulators
	handler http.Handler
}

// newSandboxServer builds the simulators as served at root (public URL, no
// trailing slash).
func newSandboxServer(root, clientBaseURL string) (*sandboxServer, error) {
	sims, err := newSimulators(root, clientBaseURL, nil)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	hs := sims.handlers()
	index := map[string]string{}
	for prefix, h := range hs {
		mux.Handle(prefix+"/", h)
		index[strings.TrimPrefix(prefix, "/sandbox/")] = root + prefix
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONBody(w, map[string]string{"status": "ok"})
	})
	// The index names each simulator's base; …/stats, …/credentials and
	// …/faults are under each (sandbox merchant: …/webhooks; SMS: …/messages).
	mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, _ *http.Request) {
		names := make([]string, 0, len(index))
		for n := range index {
			names = append(names, n)
		}
		sort.Strings(names)
		writeJSONBody(w, map[string]any{"simulators": index, "names": names})
	})
	mux.Handle("GET /{$}", http.RedirectHandler("/sandbox", http.StatusFound))
	return &sandboxServer{root: root, sims: sims, handler: mux}, nil
}

func writeJSONBody(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}

// serve answers on ln until ctx ends.
func (s *sandboxServer) serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.sims.close()
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// cmdSandbox is `paycore sandbox --addr HOST:PORT`.
func cmdSandbox(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	addr := fs.String("addr", getenv("PAYCORE_SANDBOX_ADDR", "127.0.0.1:9090"), "listen address")
	public := fs.String("public-url", "", "URL browsers and paycore reach the sandbox at (default http://<addr>)")
	clientBase := fs.String("client-base-url", redirectgwsim.DefaultClientBaseURL,
		"the redirect gateway's expected client_base_url (served in its credentials)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	root := strings.TrimRight(*public, "/")
	if root == "" {
		root = "http://" + ln.Addr().String()
	}
	sb, err := newSandboxServer(root, *clientBase)
	if err != nil {
		_ = ln.Close() // never served on; err is what went wrong
		return err
	}
	log := newLogger(slog.LevelInfo)
	log.Info("paycore sandbox serving", "addr", ln.Addr().String(), "url", root,
		"point paycore at it", "PAYCORE_SANDBOX=1 PAYCORE_SANDBOX_URL="+root)
	return sb.serve(ctx, ln, log)
}
