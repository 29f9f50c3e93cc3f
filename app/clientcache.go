package app

import (
	"context"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// clientCache keeps clients read for creates, so a create's transaction
// reads nothing (docs/architecture.md §4): each client is read at most once
// per ttl on a node, by the Clock. A suspended client is therefore refused
// at most ttl after the suspension — the same bound as the API key cache
// (DefaultKeyCacheTTL). Unknown clients and store errors are not cached.
type clientCache struct {
	tx    ports.TxProvider
	clock ports.Clock
	ttl   time.Duration // 0: no cache

	mu      sync.Mutex
	clients map[string]cachedClient
}

type cachedClient struct {
	c  domain.Client
	at time.Time
}

// clientCacheMax bounds the cache; past it, expired entries are dropped.
const clientCacheMax = 10_000

func newClientCache(tx ports.TxProvider, clock ports.Clock, ttl time.Duration) *clientCache {
	switch {
	case ttl == 0:
		ttl = DefaultKeyCacheTTL
	case ttl < 0:
		ttl = 0
	}
	return &clientCache{tx: tx, clock: clock, ttl: ttl, clients: map[string]cachedClient{}}
}

// get returns client id as read at most ttl ago; domain.ErrNotFound if
// there is none.
func (cc *clientCache) get(ctx context.Context, id string) (domain.Client, error) {
	now := cc.clock.Now()
	if cc.ttl > 0 {
		cc.mu.Lock()
		e, ok := cc.clients[id]
		cc.mu.Unlock()
		if ok && now.Sub(e.at) < cc.ttl && !now.Before(e.at) {
			return e.c, nil
		}
	}
	var c domain.Client
	err := cc.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		c, err = tx.Clients().Get(ctx, id)
		return err
	})
	if err != nil || cc.ttl == 0 {
		return c, err
	}
	cc.mu.Lock()
	if len(cc.clients) >= clientCacheMax {
		for k, e := range cc.clients {
			if now.Sub(e.at) >= cc.ttl {
				delete(cc.clients, k)
			}
		}
	}
	cc.clients[id] = cachedClient{c: c, at: now}
	cc.mu.Unlock()
	return c, nil
}
