package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/adapters/secret"
)

// A rescue time inside a job's timeout would run live jobs twice: start-up
// refuses it, naming the variable.
func TestJobRescueAfterTooShort(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.New(t)
	cfg := config{DatabaseURL: dsn, Addr: "127.0.0.1:0", BaseURL: "http://127.0.0.1:1", Sandbox: true,
		MasterKey: secret.SandboxKey(), TokenKey: []byte("test token key, at least 32 bytes long"), RatePerMinute: 1,
		JobRescueAfter: 90 * time.Second}
	_, err := build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), buildOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "PAYCORE_JOB_RESCUE_AFTER: ") || !strings.Contains(err.Error(), "2m0s") {
		t.Fatalf("build with a 90 s rescue time: %v", err)
	}
}
