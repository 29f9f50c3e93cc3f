package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/console"
	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/adapters/pgnotify"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/adapters/sslcommerzsim"
	"github.com/paycore/paycore/adapters/webhooksend"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
)

// Sandbox demo client (docs/platform.md §3: sandbox mode only).
const (
	demoClientID      = "cli_demo"
	demoAPIKey        = "demo_key"
	demoAPISecret     = "demo_secret"
	demoWebhookSecret = "demo_webhook_secret"
	// Sandbox dashboard users (issue 12), printed at start.
	demoAdminEmail       = "admin@example.com"
	demoAdminPassword    = "sandbox-admin-password"
	demoMerchantEmail    = "merchant@example.com"
	demoMerchantPassword = "sandbox-merchant-password"
)

// server is one wired paycore node.
type server struct {
	cfg      config
	log      *slog.Logger
	db       *postgres.DB
	runner   *jobs.Runner
	listener *pgnotify.Listener
	app      *app.App
	recorder *postgres.Recorder
	// announcer tells every node's feed of new payments, after their
	// commit, in notify transactions of its own (docs/scaling.md).
	announcer *postgres.Announcer
	metrics   *prometheus.Registry
	// sims are this node's own simulators: nil outside sandbox mode and
	// with PAYCORE_SANDBOX_URL. The fields below are its members.
	sims     *simulators
	sim      *bkashsim.Simulator
	nagadSim *nagadsim.Simulator
	rgwSim   *redirectgwsim.Simulator
	sslSim   *sslcommerzsim.Simulator
	merchant *merchantsim.Receiver
	smsSim   *smssim.Simulator
	sms      ports.SMSSender
	bkash    *bkash.Client // for readiness: its shared token's health
	handler  http.Handler
	clock    ports.Clock
	// heartbeat records this node in the nodes table and tells limiter how
	// many nodes share each client's rate limit.
	heartbeat *postgres.Heartbeat
	hbDone    chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// buildOptions lets tests swap the clock and River's polling.
type buildOptions struct {
	Clock        ports.Clock
	PollInterval time.Duration
	// NoPeriodicTasks leaves reconciliation and maintenance to the test,
	// which calls them when it wants them.
	NoPeriodicTasks bool
	// Lookup resolves webhook_url hosts (nil: the system resolver).
	Lookup webhooksend.LookupFunc
}

// cleanups is a stack of closers: a failed build runs them, newest first.
type cleanups []func()

func (c *cleanups) push(f func()) { *c = append(*c, f) }

func (c cleanups) run() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// build connects, migrates and wires a node; it starts nothing. When it
// fails it closes again whatever it had opened. Outside sandbox mode it
// first refuses an unsafe configuration or database (checkProduction,
// checkNoDemoClient).
func build(ctx context.Context, cfg config, log *slog.Logger, opt buildOptions) (_ *server, err error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set (make run finds or starts PostgreSQL for you)")
	}
	if err := checkProduction(cfg); err != nil {
		return nil, err
	}
	if opt.Clock == nil {
		opt.Clock = ports.SystemClock{}
	}
	var undo cleanups
	defer func() {
		if err != nil {
			undo.run()
		}
	}()

	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	undo.push(db.Close)
	if !cfg.Sandbox {
		if err := checkNoDemoClient(ctx, db); err != nil {
			return nil, err
		}
	}
	s := &server{cfg: cfg, log: log, db: db, clock: opt.Clock}
	if s.runner, err = jobs.New(db.Direct, jobs.Config{Logger: log, PollInterval: opt.PollInterval,
		Workers: cfg.SMSWorkers, WebhookWorkers: cfg.WebhookWorkers,
		Tasks: s.periodicTasks(opt), RescueAfter: cfg.JobRescueAfter}); err != nil {
		if errors.Is(err, jobs.ErrRescueTooSoon) {
			return nil, fmt.Errorf("PAYCORE_JOB_RESCUE_AFTER: %w", err)
		}
		return nil, err
	}
	txp := postgres.NewTxProvider(db, s.runner.Queue)
	if cfg.Sandbox {
		if err := s.useSandbox(ctx, &undo); err != nil {
			return nil, err
		}
		if err := seedDemoClient(ctx, db); err != nil {
			return nil, err
		}
	}
	s.recorder = postgres.NewRecorder(db, log)
	undo.push(s.recorder.Close)
	s.announcer = postgres.NewAnnouncer(db, log)
	undo.push(s.announcer.Close)
	if s.sms, err = newSMSSender(s.cfg, log); err != nil {
		return nil, err
	}
	gateways, err := s.wireGateways()
	if err != nil {
		return nil, err
	}
	s.wireApp(s.cfg, txp, opt, log, gateways, db)
	s.runner.Bind(s.app)
	if cfg.Sandbox {
		if err := seedDemoUsers(ctx, s.app.Users); err != nil {
			return nil, err
		}
	}
	s.listener = pgnotify.New(db.Direct, postgres.PaymentsChannel, log)
	if s.handler, err = s.wireHTTP(); err != nil {
		return nil, err
	}
	return s, nil
}

// periodicTasks are the node's River periodic jobs; none when the caller
// (a test) runs them itself.
func (s *server) periodicTasks(opt buildOptions) []jobs.Task {
	if opt.NoPeriodicTasks {
		return nil
	}
	every := s.cfg.ReconcileEvery
	if every <= 0 { // a config not read from the environment
		every = time.Minute
	}
	return []jobs.Task{
		{Name: "maintenance", Every: 10 * time.Minute, Timeout: 2 * time.Minute, Run: s.maintenance},
		// A pass is cut off at its interval; what it left is next pass's.
		{Name: "reconcile", Every: every, Run: s.reconcile},
	}
}

// useSandbox points the gateways and the SMS provider that the
// environment leaves unset at the simulators: those of the sandbox at
// PAYCORE_SANDBOX_URL (paycore sandbox, in a process of its own), with the
// credentials it serves, or else this node's own, created here, mounted by
// wireHTTP and closed by close (and by undo if the build fails).
func (s *server) useSandbox(ctx context.Context, undo *cleanups) error {
	if root := s.cfg.SandboxURL; root != "" {
		creds, err := fetchSandboxCredentials(ctx, root)
		if err != nil {
			return fmt.Errorf("PAYCORE_SANDBOX_URL: the sandbox's credentials: %w", err)
		}
		s.cfg.useSandbox(root, creds)
		return nil
	}
	sims, err := newSimulators(s.cfg.BaseURL, s.cfg.BaseURL+"/api", s.clock.Now)
	if err != nil {
		return err
	}
	undo.push(sims.close)
	s.sims = sims
	s.sim, s.nagadSim, s.rgwSim, s.smsSim, s.merchant = sims.bkash, sims.nagad, sims.rgw, sims.sms, sims.merchant
	s.sslSim = sims.ssl
	s.cfg.useSandbox(s.cfg.BaseURL, sims.credentials())
	return nil
}

// wireGateways builds every configured gateway adapter, bKash first, each
// feeding gateway health through the recorder; bKash's counters go to
// s.metrics, created here.
func (s *server) wireGateways() ([]ports.PaymentGateway, error) {
	cfg, log, clock := s.cfg, s.log, s.clock
	observe := func(g domain.Gateway, op, outcome string, httpStatus int, d time.Duration) {
		s.recorder.RecordCall(ports.GatewayCall{Gateway: g, Operation: op,
			Outcome: outcome, HTTPStatus: httpStatus, Latency: d, At: clock.Now()})
	}
	s.metrics = prometheus.NewRegistry()
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bk, err := newBkashClient(cfg, s.db, log, clock, func(c bkash.Call) {
		observe(domain.GatewayBkash, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
	}, s.metrics)
	if err != nil {
		return nil, err
	}
	s.bkash = bk
	bkg, err := bkashGateway(cfg, bk)
	if err != nil {
		return nil, err
	}
	gateways := []ports.PaymentGateway{bkg}
	ng, err := newNagadGateway(cfg, log, clock, observe)
	if err != nil {
		return nil, err
	}
	if ng != nil {
		gateways = append(gateways, ng)
	}
	rgw, err := newRedirectGateway(cfg, log, clock, observe)
	if err != nil {
		return nil, err
	}
	if rgw != nil {
		gateways = append(gateways, rgw)
	}
	ssl, err := newSSLCommerzGateway(cfg, log, observe)
	if err != nil {
		return nil, err
	}
	if ssl != nil {
		gateways = append(gateways, ssl)
	}
	return gateways, nil
}

// wireApp builds the use cases (s.app) on the store, the gateways and the
// senders.
func (s *server) wireApp(cfg config, txp ports.TxProvider, opt buildOptions, log *slog.Logger, gateways []ports.PaymentGateway, db *postgres.DB) {
	hooks := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paycore_gateway_webhooks_total",
		Help: "Calls to POST /api/v1/webhook by verdict (stored or not).",
	}, []string{"verdict"})
	s.metrics.MustRegister(hooks)
	s.app = app.New(app.Config{PaymentTTL: cfg.PaymentTTL, Sandbox: cfg.Sandbox, KeyGrace: cfg.KeyGrace,
		AttemptTTL: cfg.AttemptTTL, ConfirmWait: cfg.ConfirmWait, GatewayHooks: cfg.GatewayHooks,
		HookSamplesPerMinute: cfg.HookSamplesPerMinute}, app.Deps{
		Tx: txp, Clock: opt.Clock, Log: log, SMS: s.sms,
		Gateways: gateways, Keys: db, Calls: s.recorder,
		Webhooks: webhooksend.New(cfg.Sandbox, app.WebhookTimeout), Secrets: db, Hooks: db,
		HookMetrics: hookMetrics{hooks}, Hosts: webhooksend.NewHostChecker(opt.Lookup),
		Users: db, Refresh: db, Audit: db, Admin: db, Clients: db, Switches: db, Logins: db, Announce: s.announcer,
	})
}

// wireHTTP builds the node's HTTP handler: REST v1, GraphQL, /metrics, the
// hosted pages and callbacks, and in sandbox mode the simulators.
func (s *server) wireHTTP() (http.Handler, error) {
	cfg, db, log, clock := s.cfg, s.db, s.log, s.clock
	tokens, err := httpauth.NewTokens(cfg.TokenKey, time.Hour)
	if err != nil {
		return nil, err
	}
	auth := app.NewAuthenticator(db, db, clock)
	if s.app.Console != nil {
		s.app.Console.OnClientChange(auth.ForgetClient) // a suspension here refuses the client's keys at once
	}
	sessions := app.NewSessions(db, clock, app.DefaultSessionCheckTTL).WithUsers(db)
	// One budget per client across REST and GraphQL, shared with the other
	// nodes: each allows its share (limit ÷ live nodes, rest.NodeShare).
	limiter := rest.NewRateLimiter(clock)
	s.heartbeat = postgres.NewHeartbeat(db, "", cfg.NodeHeartbeat, limiter.SetNodes, log)
	paymentURL := func(id string) string { return cfg.BaseURL + "/pay/" + id }
	mounts := map[string]http.Handler{
		// The web console (issue 12), embedded.
		"/console": console.Handler("/console"),
		// Prometheus metrics: bKash token grants/refreshes and calls, gateway
		// webhook verdicts, Go runtime.
		"/metrics": promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}),
		"/api/v1": rest.NewAPI(rest.APIConfig{
			App: s.app, Auth: auth, Idempotency: idempotencyStore{db}, Logs: requestLogger{s.recorder},
			Sandbox: cfg.Sandbox, TrustedProxies: cfg.TrustedProxies, DefaultRatePerMinute: cfg.RatePerMinute,
			RateLimiter: limiter, GatewayHookRatePerMinute: cfg.HookRatePerMinute,
			PaymentURL: paymentURL, Clock: clock, Logger: log,
		}),
		"/graphql": graph.NewHandler(graph.Config{
			App: s.app, Auth: auth, Sessions: sessions, Tokens: tokens, Events: s.listener, Feed: s.listener,
			PaymentURL:     paymentURL,
			OriginPatterns: cfg.Origins, Introspection: cfg.Sandbox, Logger: log,
			RequestLogs: graph.RequestLogsFrom(s.recorder.RequestLogs),
			Idempotency: graphIdempotency{db},
			Sandbox:     cfg.Sandbox, TrustedProxies: cfg.TrustedProxies,
			RateLimiter: limiter, DefaultRatePerMinute: cfg.RatePerMinute,
			Logs: graphRequestLogger{s.recorder},
		}),
	}
	if s.sims != nil {
		for prefix, h := range s.sims.handlers() {
			mounts[prefix] = h
		}
	}
	if cfg.Sandbox {
		s.sandboxPages(mounts)
		// Go's profiles, sandbox only: the bench kit reads a node's memory
		// after a collection (/debug/pprof/heap?gc=1, bench_fanout.go).
		mounts["/debug/pprof"] = http.HandlerFunc(pprof.Index)
	}
	return rest.NewHandler(rest.Config{
		App: s.app, Clock: clock, Logger: log, Mounts: mounts, Sandbox: cfg.Sandbox,
		BkashIPN: bkashIPNReader(cfg, log), TrustedProxies: cfg.TrustedProxies,
		Ready: func(ctx context.Context) error {
			ok, err := postgres.MigrationsCurrent(ctx, db)
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("migrations pending")
			}
			return nil
		},
		Degraded: s.degradedGateways,
	}), nil
}

// newSMSSender builds the configured SMS provider.
func newSMSSender(cfg config, log *slog.Logger) (ports.SMSSender, error) {
	if cfg.Sandbox {
		cfg.SMS = sandboxSMS(cfg.SMS, sandboxRoot(cfg), smssim.Credentials{APIKey: smssim.DefaultAPIKey,
			SenderID: smssim.DefaultSenderID, GreenWebToken: smssim.DefaultGreenWebToken})
	}
	c := sms.Config{BaseURL: cfg.SMS.BaseURL, APIKey: cfg.SMS.APIKey, SenderID: cfg.SMS.SenderID,
		AccountSID: cfg.SMS.AccountSID, Log: log}
	sender, err := sms.New(cfg.SMS.Provider, c)
	if err != nil {
		return nil, fmt.Errorf("SMS_PROVIDER: %w", err)
	}
	return sender, nil
}

func seedDemoClient(ctx context.Context, db *postgres.DB) error {
	return db.EnsureClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: demoClientID, Name: "Demo Shop", Status: domain.ClientActive,
			WebhookURL: "", CommissionBPS: 150, Language: "en"},
		APIKey: demoAPIKey, APISecret: []byte(demoAPISecret), WebhookSecret: []byte(demoWebhookSecret),
	})
}

// seedDemoUsers creates the sandbox's dashboard users once: an admin and a
// merchant user of the demo client, with the fixed sandbox passwords.
func seedDemoUsers(ctx context.Context, users *app.Users) error {
	for _, u := range []struct {
		email, password string
		role            domain.Role
		client          string
	}{
		{demoAdminEmail, demoAdminPassword, domain.RoleAdmin, ""},
		{demoMerchantEmail, demoMerchantPassword, domain.RoleMerchant, demoClientID},
	} {
		if _, _, err := users.Create(ctx, u.email, u.role, u.client, u.password); err != nil && !errors.Is(err, domain.ErrDuplicate) {
			return fmt.Errorf("seed dashboard user %s: %w", u.email, err)
		}
	}
	return nil
}

// start runs the background parts: River workers, the LISTEN loop and the
// node heartbeat.
func (s *server) start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.listener.Run(ctx)
	}()
	s.hbDone = make(chan struct{})
	go func() {
		defer close(s.hbDone)
		s.heartbeat.Run(ctx)
	}()
	if err := s.runner.Start(ctx); err != nil {
		s.cancel()
		return err
	}
	select {
	case <-s.listener.Ready():
	case <-time.After(10 * time.Second):
		return errors.New("pg listener did not start")
	}
	return nil
}

// serve answers HTTP on ln until ctx ends, then shuts down in order: stop
// taking requests, let River finish running jobs, stop listening, close the
// pool.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      0, // websockets and 30 s gateway calls
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	s.close(shutCtx)
	return err
}

func (s *server) close(ctx context.Context) {
	if s.cancel != nil {
		if err := s.runner.Stop(ctx); err != nil {
			s.log.Warn("stop jobs", "err", err)
		}
		s.cancel()
		<-s.done
		<-s.hbDone
	}
	if s.sims != nil {
		s.sims.close()
	}
	s.recorder.Close()
	s.announcer.Close()
	s.db.Close()
}
