package portstest_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paycore/paycore/ports/portstest"
)

func TestIdempotency(t *testing.T) {
	ctx := t.Context()
	errMismatch, errBusy := errors.New("mismatch"), errors.New("busy")
	s := portstest.NewIdempotency(errMismatch, errBusy)
	h1, h2 := []byte("h1"), []byte("h2")

	if r, err := s.Begin(ctx, "cli_a", "k", h1, time.Hour); r != nil || err != nil {
		t.Fatalf("first: %v %v", r, err)
	}
	if _, err := s.Begin(ctx, "cli_a", "k", h1, time.Hour); !errors.Is(err, errBusy) {
		t.Fatalf("while running: %v", err)
	}
	if _, err := s.Begin(ctx, "cli_a", "k", h2, time.Hour); !errors.Is(err, errMismatch) {
		t.Fatalf("another request: %v", err)
	}
	if err := s.Finish(ctx, "cli_a", "k", 201, []byte("body")); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Begin(ctx, "cli_a", "k", h1, time.Hour); err != nil || r == nil || r.Status != 201 || string(r.Body) != "body" {
		t.Fatalf("replay: %+v %v", r, err)
	}
	if r, err := s.Begin(ctx, "cli_b", "k", h2, time.Hour); r != nil || err != nil {
		t.Fatalf("another client's key: %v %v", r, err)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"cli_a/k", "cli_b/k"}) || !s.Held("cli_a", "k") {
		t.Fatalf("keys %v", got)
	}
	if !s.Unfinish("cli_a", "k") {
		t.Fatal("Unfinish: not held")
	}
	if _, err := s.Begin(ctx, "cli_a", "k", h1, time.Hour); !errors.Is(err, errBusy) {
		t.Fatalf("after Unfinish: %v", err)
	}
	if err := s.Abandon(ctx, "cli_a", "k"); err != nil || s.Held("cli_a", "k") {
		t.Fatalf("Abandon: %v", err)
	}
	if err := s.Finish(ctx, "cli_a", "k", 200, nil); err == nil {
		t.Fatal("Finish of an abandoned key succeeded")
	}
}
