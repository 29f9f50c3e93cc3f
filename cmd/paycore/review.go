package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

const reviewUsage = `usage:
  paycore review list [--status open|confirmed|rejected|all] [--limit 100]
  paycore review confirm --attempt att_… [--trx TRXID] [--by NAME] [--note TEXT]
  paycore review reject  --attempt att_… [--by NAME] [--note TEXT]

confirm: you saw the claimed transaction, for the attempt's amount, in the
gateway's dashboard: the payment succeeds (payment.success webhook, SMS).
--trx names that transaction when the attempt claims none (bKash
EXECUTE_ALREADY_DONE: check it first with paycore search --trx).
reject: no such payment at the gateway, or a flagged case settled by hand:
an unresolved attempt fails and its payment goes back to pending.`

// cmdReview: paycore review list|confirm|reject (operators; needs the
// database). Attempts are flagged for review when the gateway's answer
// cannot be settled automatically: unverified redirect gateway claims
// (no verify endpoint) and verify answers that do not match the attempt.
// Decisions go through the same use cases as the server (app.ConfirmClaim,
// app.RejectClaim): the webhook and SMS jobs they queue are sent by the
// running server's workers.
func cmdReview(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Println(reviewUsage)
		if len(args) == 0 {
			return errors.New("no review command")
		}
		return nil
	}
	db, cfg, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	log := newLogger(cfg.LogLevel)
	// An insert-only River client: jobs queued here are worked by the
	// server's nodes.
	runner, err := jobs.New(db.Direct, jobs.Config{Logger: log})
	if err != nil {
		return err
	}
	sms, err := newSMSSender(cfg, log)
	if err != nil {
		return err
	}
	svc := app.New(app.Config{Sandbox: cfg.Sandbox, PaymentTTL: cfg.PaymentTTL}, app.Deps{
		Tx: postgres.NewTxProvider(db, runner.Queue), Clock: ports.SystemClock{}, Log: log, SMS: sms,
	})
	return runReview(ctx, os.Stdout, svc, args)
}

// runReview runs one review command against svc, writing JSON lines to w.
func runReview(ctx context.Context, w io.Writer, svc *app.App, args []string) error {
	fs := flag.NewFlagSet("review "+args[0], flag.ContinueOnError)
	status := fs.String("status", "open", "list: open, confirmed, rejected or all")
	limit := fs.Int("limit", 100, "list: at most this many")
	attempt := fs.String("attempt", "", "confirm, reject: the attempt (att_…)")
	by := fs.String("by", defaultReviewer(), "confirm, reject: who decides")
	note := fs.String("note", "", "confirm, reject: why")
	trx := fs.String("trx", "", "confirm: the gateway transaction found, when the attempt claims none")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	switch args[0] {
	case "list":
		var st domain.ReviewStatus
		if *status != "all" {
			var err error
			if st, err = domain.ParseReviewStatus(*status); err != nil {
				return err
			}
		}
		views, err := svc.Reviews.List(ctx, st, *limit)
		if err != nil {
			return err
		}
		for _, v := range views {
			r, a, p := v.Review, v.Attempt, v.Payment
			line := map[string]any{"attempt_id": r.AttemptID, "transaction_id": r.PaymentID, "gateway": r.Gateway,
				"reason": r.Reason, "detail": r.Detail, "trx_id": r.TrxID, "review": r.Status,
				"amount": a.Amount.Decimal(), "currency": a.Amount.Currency().Code,
				"attempt_status": a.Status(), "payment_status": p.Status(), "order_id": p.Order.OrderID,
				"flagged_at": r.CreatedAt}
			if r.Status != domain.ReviewOpen {
				line["decided_by"], line["decided_at"], line["note"] = r.DecidedBy, r.DecidedAt, r.Note
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		return nil
	case "confirm", "reject":
		if *attempt == "" {
			return errors.New("--attempt is required")
		}
		d := app.ReviewDecision{AttemptID: *attempt, By: *by, Note: *note, TrxID: *trx}
		decide := svc.Reviews.Confirm
		if args[0] == "reject" {
			decide = svc.Reviews.Reject
		}
		res, err := decide(ctx, d)
		if err != nil {
			var ve *domain.ValidationError
			if errors.As(err, &ve) {
				return fmt.Errorf("review %s: %v", args[0], ve.Fields)
			}
			return fmt.Errorf("review %s: %w", args[0], err)
		}
		return enc.Encode(map[string]any{"attempt_id": res.Attempt.ID, "transaction_id": res.Payment.ID,
			"attempt_status": res.Attempt.Status(), "payment_status": res.Payment.Status(), "trx_id": res.Attempt.TrxID})
	}
	return fmt.Errorf("unknown review command %q\n%s", args[0], reviewUsage)
}

// defaultReviewer names the operator: $PAYCORE_OPERATOR, else the OS user.
func defaultReviewer() string {
	if v := os.Getenv("PAYCORE_OPERATOR"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return ""
}
