package main

import (
	"context"

	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/adapters/pgnotify"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/adapters/smssim"
	webhook "github.com/paycore/paycore/adapters/webhooksend"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
)

// Sandbox demo client (ARCHITECTURE.md §4: sandbox mode only).
const (
	demoClientID      = "cli_demo"
	demoAPIKey        = "demo_key"
	demoAPISecret     = "demo_secret"
	demoWebhookSecret = "demo_webhook_secret"
)

// server is one wired paycore node.
type server struct {
	cfg      config
	log      *slog.Logger
	db       *postgres.DB
	runner   *jobs.Runner
	listener *pgnotify.Listener
	app      *app.Service
	recorder *postgres.Recorder
	metrics  *prometheus.Registry
	sim      *bkashsim.Simulator      // nil outside sandbox mode
	nagadSim *nagadsim.Simulator      // nil outside sandbox mode
	rgwSim   *redirectgwsim.Simulator // nil outside sandbox mode
	merchant *merchantsim.Receiver
	smsSim   *smssim.Simulator
	sms      ports.SMSSender
	handler  http.Handler
	clock    ports.Clock

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
}

// build connects, migrates and wires a node; it starts nothing.
func build(ctx context.Context, cfg config, log *slog.Logger, opt buildOptions) (*server, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set (make run finds or starts PostgreSQL for you)")
	}
	if opt.Clock == nil {
		opt.Clock = ports.SystemClock{}
	}
	box, err := secret.NewBox(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, box, 0)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: log, db: db, clock: opt.Clock}
	if applied, err := postgres.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	} else if len(applied) > 0 {
		log.Info("migrated", "applied", applied)
	}
	tasks := []jobs.Task{
		{Name: "maintenance", Every: 10 * time.Minute, Run: s.maintenance},
		{Name: "reconcile", Every: time.Minute, Run: s.reconcile},
	}
	if opt.NoPeriodicTasks {
		tasks = nil
	}
	if s.runner, err = jobs.New(db.Pool, jobs.Config{Logger: log, PollInterval: opt.PollInterval, Tasks: tasks}); err != nil {
		db.Close()
		return nil, err
	}
	txp := postgres.NewTxProvider(db, s.runner.Queue)

	if cfg.Sandbox {
		s.sim = bkashsim.New(bkashsim.Config{PublicURL: cfg.BaseURL + "/sandbox/bkash", Clock: opt.Clock.Now})
		if s.nagadSim, err = nagadsim.New(nagadsim.Config{PublicURL: cfg.BaseURL + "/sandbox/nagad", Clock: opt.Clock.Now}); err != nil {
			db.Close()
			return nil, fmt.Errorf("nagad simulator: %w", err)
		}
		s.rgwSim = redirectgwsim.New(redirectgwsim.Config{PublicURL: cfg.BaseURL + "/sandbox/redirectgw",
			ClientBaseURL: cfg.BaseURL + "/api", Clock: opt.Clock.Now})
		if err := seedDemoClient(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	s.recorder = postgres.NewRecorder(db, log)
	if s.sms, err = newSMSSender(cfg, log); err != nil {
		db.Close()
		return nil, err
	}
	observe := func(g domain.Gateway, op, outcome string, httpStatus int, d time.Duration) {
		s.recorder.RecordCall(ports.GatewayCall{Gateway: g, Operation: op,
			Outcome: outcome, HTTPStatus: httpStatus, Latency: d, At: opt.Clock.Now()})
	}
	s.metrics = prometheus.NewRegistry()
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bkClient, err := newBkashClient(cfg, db, log, opt.Clock, func(c bkash.Call) {
		observe(domain.GatewayBkash, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
	}, s.metrics)
	if err != nil {
		db.Close()
		return nil, err
	}
	gateways := []ports.PaymentGateway{bkClient}
	nagadGW, err := newNagadGateway(cfg, s.nagadSim, log, opt.Clock, observe)
	if err != nil {
		db.Close()
		return nil, err
	}
	rgw, err := newRedirectGateway(cfg, s.rgwSim, txp, log, opt.Clock, observe)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, g := range []ports.PaymentGateway{nagadGW, rgw} {
		if g != nil {
			gateways = append(gateways, g)
		}
	}

	s.app = app.New(app.Config{PaymentTTL: cfg.PaymentTTL, Sandbox: cfg.Sandbox, KeyGrace: cfg.KeyGrace,
		AttemptTTL: cfg.AttemptTTL, GatewayHooks: cfg.GatewayHooks}, app.Deps{
		Tx: txp, Clock: opt.Clock, Log: log, SMS: s.sms,
		Gateways: gateways, Keys: db, Calls: s.recorder,
		Webhooks: webhook.New(cfg.Sandbox, app.WebhookTimeout), Secrets: db, Hooks: db,
	})
	s.runner.Bind(s.app)
	s.listener = pgnotify.New(db.Pool, postgres.PaymentsChannel, log)

	tokens, err := httpauth.NewTokens(cfg.TokenKey, time.Hour)
	if err != nil {
		db.Close()
		return nil, err
	}
	auth := app.NewAuthenticator(db, db, opt.Clock)
	paymentURL := func(id string) string { return cfg.BaseURL + "/pay/" + id }
	mounts := map[string]http.Handler{
		// Prometheus metrics: bKash token grants/refreshes and calls, Go runtime.
		"/metrics": promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}),
		"/api/v1": rest.NewAPI(rest.APIConfig{
			App: s.app, Auth: auth, Idempotency: idempotencyStore{db}, Logs: requestLogger{s.recorder},
			Sandbox: cfg.Sandbox, TrustedProxies: cfg.TrustedProxies, DefaultRatePerMinute: cfg.RatePerMinute,
			PaymentURL: paymentURL, Clock: opt.Clock, Logger: log,
		}),
		"/graphql": graph.NewHandler(graph.Config{
			App: s.app, Auth: auth, Tokens: tokens, Events: s.listener,
			PaymentURL:     paymentURL,
			OriginPatterns: cfg.Origins, Introspection: cfg.Sandbox, Logger: log,
			RequestLogs: graph.RequestLogsFrom(s.recorder.RequestLogs),
		}),
	}
	if s.sim != nil {
		mounts["/sandbox/bkash"] = http.StripPrefix("/sandbox/bkash", s.sim.Handler())
		mounts["/sandbox/nagad"] = http.StripPrefix("/sandbox/nagad", s.nagadSim.Handler())
		mounts["/sandbox/redirectgw"] = http.StripPrefix("/sandbox/redirectgw", s.rgwSim.Handler())
		s.merchant = merchantsim.New([]byte(demoWebhookSecret), opt.Clock.Now)
		mounts["/sandbox/merchant"] = http.StripPrefix("/sandbox/merchant", s.merchant.Handler())
		s.smsSim = smssim.New(smssim.Config{Clock: opt.Clock.Now})
		mounts["/sandbox/sms"] = http.StripPrefix("/sandbox/sms", s.smsSim.Handler())
	}
	s.handler = rest.NewHandler(rest.Config{
		App: s.app, Clock: opt.Clock, Logger: log, Mounts: mounts,
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
	})
	return s, nil
}

// newBkashClient builds the bKash adapter from configuration; in sandbox
// mode without BKASH_BASE_URL it points at this node's simulator with the
// simulator's credentials. The id_token lives in PostgreSQL (shared by every
// node).
func newBkashClient(cfg config, db *postgres.DB, log *slog.Logger, clock ports.Clock, observe func(bkash.Call), reg prometheus.Registerer) (*bkash.Client, error) {
	bk := cfg.Bkash
	if cfg.Sandbox && bk.BaseURL == "" {
		creds := bkashsim.DefaultCredentials()
		bk = bkashConfig{BaseURL: cfg.BaseURL + "/sandbox/bkash/v1.2.0-beta/tokenized/checkout",
			Username: creds.Username, Password: creds.Password, AppKey: creds.AppKey, AppSecret: creds.AppSecret}
	}
	c, err := bkash.New(bkash.Config{
		BaseURL: bk.BaseURL, Username: bk.Username, Password: bk.Password,
		AppKey: bk.AppKey, AppSecret: bk.AppSecret,
		CallbackURL: cfg.BaseURL + "/callbacks/bkash", Clock: clock, Logger: log, Observe: observe, Metrics: reg,
	}, postgres.NewTokenStore[bkash.Token](db, "bkash"))
	if err != nil {
		return nil, fmt.Errorf("bkash: %w", err)
	}
	return c, nil
}

// newSMSSender builds the configured SMS provider.
func newSMSSender(cfg config, log *slog.Logger) (ports.SMSSender, error) {
	c := sms.Config{BaseURL: cfg.SMS.BaseURL, APIKey: cfg.SMS.APIKey, SenderID: cfg.SMS.SenderID,
		AccountSID: cfg.SMS.AccountSID, Log: log}
	if cfg.Sandbox && c.BaseURL == "" {
		switch cfg.SMS.Provider {
		case sms.ProviderBulkSMSBD:
			c.BaseURL, c.APIKey, c.SenderID = cfg.BaseURL+"/sandbox/sms", smssim.DefaultAPIKey, smssim.DefaultSenderID
		case sms.ProviderGreenWeb:
			c.BaseURL, c.APIKey = cfg.BaseURL+"/sandbox/sms", smssim.DefaultGreenWebToken
		}
	}
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

// start runs the background parts: River workers and the LISTEN loop.
func (s *server) start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.listener.Run(ctx)
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
	}
	if s.sim != nil {
		s.sim.Close()
		s.nagadSim.Close()
		s.rgwSim.Close()
		s.smsSim.Close()
	}
	s.recorder.Close()
	s.db.Close()
}

// maintenance is the periodic job: purge nonces past the signature window,
// idempotency keys past their 24 h, and request logs past retention.
func (s *server) maintenance(ctx context.Context) error {
	now := s.clock.Now()
	n, err := s.db.PurgeNonces(ctx, now.Add(-2*app.SignatureWindow))
	if err != nil {
		return err
	}
	k, err := s.db.PurgeIdempotencyKeys(ctx, now.Add(-rest.IdempotencyTTL-time.Hour))
	if err != nil {
		return err
	}
	var l int64
	if s.cfg.LogRetention > 0 {
		if l, err = s.db.PurgeRequestLogs(ctx, now.Add(-s.cfg.LogRetention)); err != nil {
			return err
		}
	}
	s.log.Info("maintenance", "nonces_purged", n, "idempotency_keys_purged", k, "request_logs_purged", l)
	return nil
}

// reconcile runs one reconciliation pass (app.Service.Reconcile).
func (s *server) reconcile(ctx context.Context) error {
	rep, err := s.app.Reconcile(ctx)
	if rep != (app.ReconcileReport{}) {
		s.log.Info("reconciled", "resolved", rep.Resolved, "still_unknown", rep.StillUnknown,
			"attempts_expired", rep.AttemptsExpired, "payments_expired", rep.PaymentsExpired)
	}
	return err
}

// idempotencyStore adapts postgres's store to rest.IdempotencyStore.
type idempotencyStore struct{ db *postgres.DB }

func (i idempotencyStore) Begin(ctx context.Context, clientID, key string, hash []byte, ttl time.Duration) (*rest.StoredResponse, error) {
	r, err := i.db.BeginIdempotent(ctx, clientID, key, hash, ttl)
	switch {
	case errors.Is(err, postgres.ErrIdempotencyMismatch):
		return nil, rest.ErrIdempotencyMismatch
	case errors.Is(err, postgres.ErrIdempotencyInProgress):
		return nil, rest.ErrIdempotencyInProgress
	case err != nil || r == nil:
		return nil, err
	}
	return &rest.StoredResponse{Status: r.Status, Body: r.Body}, nil
}

func (i idempotencyStore) Finish(ctx context.Context, clientID, key string, status int, body []byte) error {
	return i.db.FinishIdempotent(ctx, clientID, key, status, body)
}

func (i idempotencyStore) Abandon(ctx context.Context, clientID, key string) error {
	return i.db.AbandonIdempotent(ctx, clientID, key)
}

// requestLogger adapts the recorder to rest.RequestLogger.
type requestLogger struct{ r *postgres.Recorder }

func (l requestLogger) LogRequest(x rest.RequestRecord) {
	l.r.LogRequest(postgres.RequestLog(x))
}
