package portstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// TestGatewaySwitches is the contract of ports.GatewaySwitches, run over
// the in-memory Store and the PostgreSQL adapter: no switch means enabled,
// a switch replaces the gateway's and returns the one before, switches are
// per gateway, and of concurrent switches each sees exactly one
// predecessor (none is lost).
func TestGatewaySwitches(t *testing.T, open func(t *testing.T) ports.GatewaySwitches) {
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

	t.Run("set and read", func(t *testing.T) {
		s := open(t)
		got, err := s.GatewaySwitches(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("new store: %v %v, want none", got, err)
		}
		off := ports.GatewaySwitch{Gateway: domain.GatewayNagad, Enabled: false, Reason: "outage", By: "ops@example.com", At: at}
		prev, err := s.SetGatewaySwitch(ctx, off)
		if err != nil {
			t.Fatal(err)
		}
		if !prev.Enabled || !prev.At.IsZero() || prev.Gateway != domain.GatewayNagad {
			t.Fatalf("first switch's prev = %+v, want enabled, never switched", prev)
		}
		on := ports.GatewaySwitch{Gateway: domain.GatewayNagad, Enabled: true, By: "ops2@example.com", At: at.Add(time.Minute)}
		prev, err = s.SetGatewaySwitch(ctx, on)
		if err != nil {
			t.Fatal(err)
		}
		if prev != off {
			t.Fatalf("second switch's prev = %+v, want %+v", prev, off)
		}
		if _, err := s.SetGatewaySwitch(ctx, ports.GatewaySwitch{Gateway: domain.GatewayBkash, Enabled: false, At: at}); err != nil {
			t.Fatal(err)
		}
		got, err = s.GatewaySwitches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		by := map[domain.Gateway]ports.GatewaySwitch{}
		for _, sw := range got {
			by[sw.Gateway] = sw
		}
		if len(got) != 2 || by[domain.GatewayNagad] != on || by[domain.GatewayBkash].Enabled {
			t.Fatalf("switches = %+v", got)
		}
	})

	t.Run("concurrent switches", func(t *testing.T) {
		s := open(t)
		const n = 8
		var wg sync.WaitGroup
		prevs := make(chan ports.GatewaySwitch, n)
		for i := range n {
			wg.Go(func() {
				p, err := s.SetGatewaySwitch(ctx, ports.GatewaySwitch{Gateway: domain.GatewayBkash, Enabled: i%2 == 0,
					By: string(rune('a' + i)), At: at.Add(time.Duration(i) * time.Second)})
				if err != nil {
					t.Error(err)
				}
				prevs <- p
			})
		}
		wg.Wait()
		close(prevs)
		// Each switch but the last is some other's prev, once; one prev is
		// "never switched".
		seen := map[string]int{}
		for p := range prevs {
			seen[p.By]++
		}
		if seen[""] != 1 || len(seen) != n {
			t.Fatalf("prevs by author %v: want each once and one never-switched", seen)
		}
	})
}

// TestLoginAttempts is the contract of ports.LoginAttempts, run over the
// in-memory Store and the PostgreSQL adapter: attempts count per key from
// an instant on, with the oldest; clearing forgets one key; pruning drops
// what is older than an instant.
func TestLoginAttempts(t *testing.T, open func(t *testing.T) ports.LoginAttempts) {
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s := open(t)
	for i := range 3 {
		if err := s.RecordLoginAttempt(ctx, "email:a@example.com", at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordLoginAttempt(ctx, "ip:192.0.2.1", at); err != nil {
		t.Fatal(err)
	}
	count := func(key string, since time.Time) (int, time.Time) {
		t.Helper()
		n, oldest, err := s.LoginAttemptsSince(ctx, key, since)
		if err != nil {
			t.Fatal(err)
		}
		return n, oldest
	}
	if n, oldest := count("email:a@example.com", at); n != 3 || !oldest.Equal(at) {
		t.Fatalf("all three: %d from %v", n, oldest)
	}
	if n, oldest := count("email:a@example.com", at.Add(time.Minute)); n != 2 || !oldest.Equal(at.Add(time.Minute)) {
		t.Fatalf("since the second: %d from %v", n, oldest)
	}
	if n, oldest := count("email:nobody@example.com", at); n != 0 || !oldest.IsZero() {
		t.Fatalf("unknown key: %d from %v", n, oldest)
	}
	if pruned, err := s.PruneLoginAttempts(ctx, at.Add(time.Minute)); err != nil || pruned != 2 {
		t.Fatalf("pruned %d %v, want 2 (the first of a@ and the address's)", pruned, err)
	}
	if n, _ := count("ip:192.0.2.1", at); n != 0 {
		t.Fatalf("pruned address still counts %d", n)
	}
	if err := s.ClearLoginAttempts(ctx, "email:a@example.com"); err != nil {
		t.Fatal(err)
	}
	if n, _ := count("email:a@example.com", at); n != 0 {
		t.Fatalf("cleared key still counts %d", n)
	}
}
