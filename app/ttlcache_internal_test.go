package app

import (
	"testing"
	"time"
)

func TestTTLCacheBound(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c := newTTLCache[string, int](5 * time.Second)
	c.put("a", 1, t0)
	if v, ok := c.get("a", t0.Add(4999*time.Millisecond)); !ok || v != 1 {
		t.Fatalf("within the TTL: %v %v, want 1 true", v, ok)
	}
	if _, ok := c.get("a", t0.Add(5*time.Second)); ok {
		t.Fatal("at the TTL: still cached")
	}
	if _, ok := c.get("a", t0.Add(-time.Second)); ok {
		t.Fatal("clock set back: still cached")
	}
	c.put("b", 2, t0)
	c.forget(func(v int) bool { return v == 2 })
	if _, ok := c.get("b", t0); ok {
		t.Fatal("forgotten entry still cached")
	}
	none := newTTLCache[string, int](0)
	none.put("a", 1, t0)
	if _, ok := none.get("a", t0); ok {
		t.Fatal("ttl 0 keeps entries")
	}
}

func TestTTLCacheSweepsExpired(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c := newTTLCache[int, int](time.Second)
	for i := range ttlCacheMax {
		c.put(i, i, t0)
	}
	c.put(-1, -1, t0.Add(2*time.Second)) // the others expired: swept
	if n := len(c.m); n != 1 {
		t.Fatalf("entries after the sweep: %d, want 1", n)
	}
}
