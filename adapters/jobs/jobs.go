// Package jobs runs paycore's background work on River: job arguments, the
// workers (which call app use cases), the River client over the shared pgx
// pool, and the ports.JobQueue that writes job rows inside a use case's
// transaction (Queue: the transaction's own batch, not River's InsertTx).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports"
)

// Queue names. Each kind of work has its own queue and worker count, so a
// flood or a stall of one (a dead merchant endpoint, a slow SMS provider)
// cannot hold up the others.
const (
	QueueWebhooks    = "webhooks"    // merchant webhook deliveries
	QueueSMS         = "sms"         // customer SMS
	QueueGateway     = "gateway"     // gateway work: refunds
	QueueMaintenance = "maintenance" // periodic tasks: reconciliation, purges
	// QueueDefault and QueueNotifications held every job before the queues
	// were split; they are still worked (a few workers) so jobs queued by an
	// older node drain.
	QueueDefault       = river.QueueDefault
	QueueNotifications = "notifications"
)

// SMSArgs sends one stored notification (app.Notifications.Send).
type SMSArgs struct {
	NotificationID string `json:"notification_id"`
}

// Kind is River's job kind.
func (SMSArgs) Kind() string { return "sms_send" }

// InsertOpts: the sms queue, at most 8 tries (River's backoff spreads them
// over about an hour).
func (SMSArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSMS, MaxAttempts: 8}
}

// RefundArgs processes one refund at its gateway (app.Refunds.Process).
type RefundArgs struct {
	RefundID string `json:"refund_id"`
}

// Kind is River's job kind.
func (RefundArgs) Kind() string { return "refund_process" }

// InsertOpts: the gateway queue; up to 20 tries over about a day, asking
// the refund's status (never re-submitting) until the gateway answers.
func (RefundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueGateway, MaxAttempts: 20}
}

// WebhookArgs delivers one merchant webhook (app.Webhooks.Deliver).
type WebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
	// Endpoint is the delivery URL's scheme and host[:port]: at most
	// Config.WebhooksPerEndpoint deliveries to one endpoint run at a time
	// on a node. Empty for jobs queued before it existed.
	Endpoint string `json:"endpoint,omitempty"`
}

// Kind is River's job kind.
func (WebhookArgs) Kind() string { return "webhook_deliver" }

// WebhookRetries are the waits before the 2nd, 3rd and 4th (last) attempt
// (docs/merchant-api.md §8.4: retry after 1, 5 and 15 minutes, then failed).
var WebhookRetries = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// InsertOpts: the webhooks queue; the first try plus one per retry.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueWebhooks, MaxAttempts: len(WebhookRetries) + 1}
}

// PeriodicArgs runs one named periodic task (reconciliation, maintenance).
type PeriodicArgs struct {
	Task string `json:"task"`
}

// Kind is River's job kind.
func (PeriodicArgs) Kind() string { return "periodic" }

// InsertOpts: the maintenance queue, a few tries. The periodic schedule
// adds uniqueness per task and period (periodicOpts).
func (PeriodicArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// periodicOpts make a task's runs unique by task and by period (the task's
// interval): the leader's schedule and a new leader's RunOnStart insert at
// most one run per period. Uniqueness by state alone (the former choice)
// counted a `running` row left by a node killed mid-run, so one crash
// stopped the task everywhere until River rescued the row; River refuses
// a ByState without `running` (its required states), so the period is
// what lets go: a dead node's run blocks at most the period it was
// scheduled in. Live runs do not pile up either: a run's timeout is at most
// its interval (Task.Timeout), and the tasks are safe to overlap (each item
// is re-checked under its row lock).
func periodicOpts(every time.Duration) *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
}

// Job time limits: River cancels a job's context after its worker's
// Timeout, and a job still `running` RescueAfter after it started (its
// node died) is put back to be retried. RescueAfter must exceed each.
const (
	// WebhookTimeout: the merchant's 10 s (app.WebhookTimeout) plus the
	// delivery log and status update around it.
	WebhookTimeout = app.WebhookTimeout + 10*time.Second
	// SMSTimeout: one provider call (adapters/sms: 15 s) and bookkeeping.
	SMSTimeout = 30 * time.Second
	// RefundTimeout: a token call, the refund call and a refund status call,
	// 30 s each at bKash's limit (docs/gateways/bkash.md §2.9).
	RefundTimeout = 90 * time.Second
	// DefaultJobTimeout bounds job kinds without a Timeout of their own.
	DefaultJobTimeout = 2 * time.Minute
	// DefaultRescueAfter is Config.RescueAfter's default: a few minutes, past
	// every job's timeout.
	DefaultRescueAfter = 5 * time.Minute
)

// ErrRescueTooSoon: Config.RescueAfter would rescue jobs still inside their
// timeout.
var ErrRescueTooSoon = errors.New("jobs: rescue time too short")

// Task is a periodic piece of work.
type Task struct {
	Name  string
	Every time.Duration
	// Timeout bounds one run; 0 → Every (a run ends before the next one is
	// due).
	Timeout time.Duration
	Run     func(ctx context.Context) error
}

func (t Task) timeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return t.Every
}

// Config tunes the runner. Worker counts are per node.
type Config struct {
	// Workers is how many SMS jobs run at once; 0 → 20. A send mostly
	// waits on the provider and two short transactions; at 10 the queue
	// fell behind 8 clients' creates (docs/scaling.md §2).
	Workers int
	// WebhookWorkers is how many webhook deliveries run at once; 0 → 32.
	// A delivery mostly waits on the merchant (up to 10 s), so more
	// workers than SMS.
	WebhookWorkers int
	// WebhooksPerEndpoint is how many of them may wait on one slow or
	// failing endpoint (scheme and host; SlowEndpoint); a healthy endpoint
	// may use half the webhook workers. A delivery over a healthy
	// endpoint's cap waits up to WebhookSlotWait in-process for one of its
	// deliveries to end; one over a slow endpoint's cap, or still without a
	// slot after that wait, is put back for WebhookSnooze and others go
	// first. 0 → 2.
	WebhooksPerEndpoint int
	// GatewayWorkers works refunds; 0 → 5. MaintenanceWorkers runs periodic
	// tasks; 0 → 2.
	GatewayWorkers, MaintenanceWorkers int
	Logger                             *slog.Logger
	// PollInterval is how often the webhooks, sms and gateway queues look
	// for new jobs; 0 → DefaultPollInterval. Jobs written by paycore's
	// transactions announce nothing (Queue), so this bounds how long a new
	// job waits before a worker takes it. The other queues keep River's
	// default (1 s).
	PollInterval time.Duration
	// FetchCooldown is the least time between two fetches of one queue;
	// 0 → DefaultFetchCooldown. A busy queue fetches at most its free
	// worker slots per fetch, so it works at most MaxWorkers jobs per
	// cooldown: River's default (100 ms) capped the 10 SMS workers at
	// 100 jobs/s whatever each job cost.
	FetchCooldown time.Duration
	// Tasks run periodically on whichever node River's leader schedules.
	Tasks []Task
	// RescueAfter: a job still `running` this long after its attempt began
	// is taken as abandoned by a dead node and retried (or discarded after
	// its last attempt). 0 → DefaultRescueAfter; it must exceed every job's
	// timeout.
	RescueAfter time.Duration
}

// DefaultPollInterval is Config.PollInterval's default: a new webhook or
// SMS job waits at most this long (plus River's 100 ms fetch cooldown)
// before a worker of an idle node takes it; three queues polling at it
// cost each node 15 small indexed queries a second.
const DefaultPollInterval = 200 * time.Millisecond

// DefaultFetchCooldown is Config.FetchCooldown's default: a queue whose
// workers finish jobs faster than this still fetches at most this often,
// so 10 SMS workers can work up to 500 jobs/s (each fetch is one small
// indexed UPDATE … RETURNING; an idle queue polls at PollInterval).
const DefaultFetchCooldown = 20 * time.Millisecond

// Runner owns the River client that inserts and works paycore's jobs.
type Runner struct {
	client    *river.Client[pgx.Tx]
	svc       atomic.Pointer[app.App]
	endpoints *endpointLimit
}

// New builds the River client on pool with every paycore worker. Workers
// call the service given to Bind, which must happen before Start.
func New(pool *pgxpool.Pool, cfg Config) (*Runner, error) {
	if cfg.Workers == 0 {
		cfg.Workers = 20
	}
	if cfg.WebhookWorkers == 0 {
		cfg.WebhookWorkers = 32
	}
	if cfg.WebhooksPerEndpoint == 0 {
		cfg.WebhooksPerEndpoint = 2
	}
	if cfg.GatewayWorkers == 0 {
		cfg.GatewayWorkers = 5
	}
	if cfg.MaintenanceWorkers == 0 {
		cfg.MaintenanceWorkers = 2
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.FetchCooldown == 0 {
		cfg.FetchCooldown = DefaultFetchCooldown
	}
	if cfg.RescueAfter == 0 {
		cfg.RescueAfter = DefaultRescueAfter
	}
	longest := max(WebhookTimeout, SMSTimeout, RefundTimeout, DefaultJobTimeout)
	for _, t := range cfg.Tasks {
		if t.Every <= 0 {
			return nil, fmt.Errorf("jobs: task %q: interval must be positive", t.Name)
		}
		longest = max(longest, t.timeout())
	}
	if cfg.RescueAfter <= longest {
		return nil, fmt.Errorf("%w: rescue after %s must exceed the longest job timeout, %s", ErrRescueTooSoon, cfg.RescueAfter, longest)
	}
	r := &Runner{endpoints: newEndpointLimit(cfg.WebhooksPerEndpoint, max(cfg.WebhookWorkers/2, cfg.WebhooksPerEndpoint))}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &smsWorker{r: r}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &refundWorker{r: r}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &webhookWorker{r: r}); err != nil {
		return nil, err
	}
	var periodic []*river.PeriodicJob
	tasks := map[string]Task{}
	for _, t := range cfg.Tasks {
		tasks[t.Name] = t
		name, opts := t.Name, periodicOpts(t.Every)
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.Every),
			func() (river.JobArgs, *river.InsertOpts) { return PeriodicArgs{Task: name}, opts },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	if err := river.AddWorkerSafely(workers, &periodicWorker{tasks: tasks}); err != nil {
		return nil, err
	}
	cooldown := min(cfg.PollInterval, cfg.FetchCooldown)
	rc := &river.Config{
		Queues: map[string]river.QueueConfig{
			QueueWebhooks:      {MaxWorkers: cfg.WebhookWorkers, FetchPollInterval: cfg.PollInterval, FetchCooldown: cooldown},
			QueueSMS:           {MaxWorkers: cfg.Workers, FetchPollInterval: cfg.PollInterval, FetchCooldown: cooldown},
			QueueGateway:       {MaxWorkers: cfg.GatewayWorkers, FetchPollInterval: cfg.PollInterval, FetchCooldown: cooldown},
			QueueMaintenance:   {MaxWorkers: cfg.MaintenanceWorkers},
			QueueDefault:       {MaxWorkers: 2},
			QueueNotifications: {MaxWorkers: 2},
		},
		Workers:      workers,
		PeriodicJobs: periodic,
		Logger:       cfg.Logger,
		// Each worker has its own Timeout; this bounds anything else.
		JobTimeout:           DefaultJobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
	}
	client, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = client
	return r, nil
}

// Bind gives the workers the use cases to call.
func (r *Runner) Bind(svc *app.App) { r.svc.Store(svc) }

func (r *Runner) service() (*app.App, error) {
	s := r.svc.Load()
	if s == nil {
		return nil, errors.New("jobs: runner not bound to a service")
	}
	return s, nil
}

// Start begins working jobs.
func (r *Runner) Start(ctx context.Context) error {
	if r.svc.Load() == nil {
		return errors.New("jobs: Start before Bind")
	}
	return r.client.Start(ctx)
}

// Stop waits for running jobs to finish (or ctx to end).
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Client exposes the River client (tests, admin tools).
func (r *Runner) Client() *river.Client[pgx.Tx] { return r.client }

// JobInserter writes one job into a use case's transaction: what
// adapters/postgres's transactions offer (postgres.JobInserter, the same
// type), writing the row with the transaction's batch. The job's shape —
// kind, queue, max attempts — is its args' Kind and InsertOpts below.
type JobInserter = interface {
	InsertJob(ctx context.Context, args river.JobArgs) error
}

// Queue returns the ports.JobQueue writing into tx's transaction: jobs
// appear on commit only. Such a row announces nothing (no river_insert
// notify); the queues' producers poll for it (Config.PollInterval).
func (r *Runner) Queue(tx JobInserter) ports.JobQueue { return txQueue{tx: tx} }

type txQueue struct{ tx JobInserter }

func (q txQueue) EnqueueSMS(ctx context.Context, notificationID string) error {
	return q.tx.InsertJob(ctx, SMSArgs{NotificationID: notificationID})
}

func (q txQueue) EnqueueRefund(ctx context.Context, refundID string) error {
	return q.tx.InsertJob(ctx, RefundArgs{RefundID: refundID})
}

func (q txQueue) EnqueueWebhook(ctx context.Context, deliveryID, webhookURL string) error {
	return q.tx.InsertJob(ctx, WebhookArgs{DeliveryID: deliveryID, Endpoint: endpointOf(webhookURL)})
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	r *Runner
}

// Work makes one delivery attempt; the last one marks the delivery failed.
// While its endpoint already has half the webhook workers of this node
// running, it waits up to WebhookSlotWait for one to end; while it has
// WebhooksPerEndpoint once it is slow or failing (SlowEndpoint), or after
// that wait, the job is put back for WebhookSnooze (no attempt spent): one
// endpoint never holds every worker, and a dead one soon holds two.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	svc, err := w.r.service()
	if err != nil {
		return err
	}
	ep := job.Args.Endpoint
	if ep == "" {
		return svc.Webhooks.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
	}
	if !w.r.endpoints.acquire(ctx, ep, WebhookSlotWait) {
		return river.JobSnooze(WebhookSnooze)
	}
	start := time.Now()
	err = svc.Webhooks.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
	w.r.endpoints.release(ep, time.Since(start), err != nil, time.Now())
	return err
}

// NextRetry is the custom retry policy: 1, 5 and 15 minutes after the
// previous attempt.
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	i := min(max(job.Attempt-1, 0), len(WebhookRetries)-1)
	return time.Now().Add(WebhookRetries[i])
}

// Timeout covers the 10 s delivery budget and the bookkeeping around it.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return WebhookTimeout }

type refundWorker struct {
	river.WorkerDefaults[RefundArgs]
	r *Runner
}

// Work submits the refund once, then asks its status until settled;
// app.ErrRefundUnsettled makes River try again later with backoff.
func (w *refundWorker) Work(ctx context.Context, job *river.Job[RefundArgs]) error {
	svc, err := w.r.service()
	if err != nil {
		return err
	}
	return svc.Refunds.Process(ctx, job.Args.RefundID)
}

// Timeout leaves room for a token call, a 30 s refund call and a 30 s
// status call.
func (w *refundWorker) Timeout(*river.Job[RefundArgs]) time.Duration { return RefundTimeout }

type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	tasks map[string]Task
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[PeriodicArgs]) error {
	t, ok := w.tasks[job.Args.Task]
	if !ok {
		return river.JobCancel(errors.New("unknown periodic task " + job.Args.Task))
	}
	return t.Run(ctx)
}

// Timeout is the task's (Task.Timeout, else its interval); an unknown task
// is cancelled at once by Work.
func (w *periodicWorker) Timeout(job *river.Job[PeriodicArgs]) time.Duration {
	if t, ok := w.tasks[job.Args.Task]; ok {
		return t.timeout()
	}
	return 0
}

type smsWorker struct {
	river.WorkerDefaults[SMSArgs]
	r *Runner
}

// Work sends the SMS. app.SendSMS marks permanent refusals failed and
// returns nil; what it returns is worth retrying (provider hiccup, database).
func (w *smsWorker) Work(ctx context.Context, job *river.Job[SMSArgs]) error {
	svc, err := w.r.service()
	if err != nil {
		return err
	}
	return svc.Notifications.Send(ctx, job.Args.NotificationID, job.Attempt >= job.MaxAttempts)
}

// Timeout covers one provider call and the bookkeeping around it.
func (w *smsWorker) Timeout(*river.Job[SMSArgs]) time.Duration { return SMSTimeout }
