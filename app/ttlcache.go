package app

import (
	"sync"
	"time"
)

// ttlCache keeps what a node read from the store for at most ttl, by the
// Clock's time: the bound within which a change made elsewhere (a revoked
// key, a suspended client, a disabled user) takes effect on this node
// (docs/architecture.md §3). The key cache, the create's client cache and
// the session re-checks share it. Past ttlCacheMax entries, expired ones
// are dropped when another is added. Safe for concurrent use; ttl ≤ 0
// keeps nothing.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration

	mu sync.Mutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

// ttlCacheMax bounds a cache's entries before expired ones are swept.
const ttlCacheMax = 10_000

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, m: map[K]ttlEntry[V]{}}
}

// get returns key's value if it was put less than ttl before now (and not
// after now: a clock set back does not extend an entry).
func (c *ttlCache[K, V]) get(key K, now time.Time) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if !ok || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		return zero, false
	}
	return e.v, true
}

// put keeps v for key as read at now.
func (c *ttlCache[K, V]) put(key K, v V, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= ttlCacheMax {
		for k, e := range c.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
	}
	c.m[key] = ttlEntry[V]{v: v, at: now}
}

// delete drops key's entry.
func (c *ttlCache[K, V]) delete(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// forget drops every entry whose value matches.
func (c *ttlCache[K, V]) forget(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if match(e.v) {
			delete(c.m, k)
		}
	}
}
