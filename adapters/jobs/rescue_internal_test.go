package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports/portstest"
)

// A node killed with kill -9 in the middle of the periodic reconcile leaves
// its job row `running` for ever: attempted 10 minutes ago by a node that no
// longer exists. River rescues it after the configured RescueAfter (the
// default, 5 minutes, not River's hour), and the periodic schedule is not
// held up by it: the next run is inserted and runs beside the dead one.
func TestDeadNodeJobIsRescuedAndPeriodicTaskRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	var runs atomic.Int32
	runner, err := New(db.Pool, Config{PollInterval: 100 * time.Millisecond, Tasks: []Task{
		{Name: "reconcile", Every: time.Minute, Run: func(context.Context) error { runs.Add(1); return nil }},
	}})
	if err != nil {
		t.Fatal(err)
	}

	// The dead node's run, inserted with the schedule's options as its
	// leader did ten minutes ago, then left as a crash leaves it.
	crashed := time.Now().Add(-10 * time.Minute)
	opts := periodicOpts(time.Minute)
	opts.ScheduledAt = crashed
	res, err := runner.Client().Insert(ctx, PeriodicArgs{Task: "reconcile"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	dead := res.Job.ID
	if _, err := db.Pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $2,
		attempted_by = ARRAY['dead-node-that-was-kill-9ed'] WHERE id = $1`, dead, crashed); err != nil {
		t.Fatal(err)
	}

	runner.Bind(&app.App{})
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = runner.Stop(stopCtx)
	})

	type row struct {
		state  string
		errors string
	}
	jobRow := func(id int64) row {
		var r row
		if err := db.Pool.QueryRow(ctx, `SELECT state, coalesce(errors::text, '') FROM river_job WHERE id = $1`, id).
			Scan(&r.state, &r.errors); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The schedule's own run (RunOnStart) was inserted despite the dead
	// `running` row and ran, whatever the rescuer did meanwhile.
	waitFor(t, 30*time.Second, "a fresh periodic reconcile to complete", func() bool {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'periodic'
			AND args->>'task' = 'reconcile' AND id <> $1 AND state = 'completed'`, dead).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n >= 1
	})
	waitFor(t, 30*time.Second, "the dead node's job to be rescued and run again", func() bool {
		r := jobRow(dead)
		return r.state == "completed" && strings.Contains(r.errors, "Stuck job rescued")
	})
	if n := runs.Load(); n < 2 {
		t.Fatalf("reconcile ran %d times, want the rescued run and the fresh one", n)
	}
}

// waitFor fails t unless cond holds within (portstest.Await).
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !portstest.Await(within, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
