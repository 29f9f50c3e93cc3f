package app

import (
	"context"
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
	cache *ttlCache[string, domain.Client] // by client ID; ttl 0: none
}

func newClientCache(tx ports.TxProvider, clock ports.Clock, ttl time.Duration) *clientCache {
	switch {
	case ttl == 0:
		ttl = DefaultKeyCacheTTL
	case ttl < 0:
		ttl = 0
	}
	return &clientCache{tx: tx, clock: clock, cache: newTTLCache[string, domain.Client](ttl)}
}

// get returns client id as read at most ttl ago; domain.ErrNotFound if
// there is none.
func (cc *clientCache) get(ctx context.Context, id string) (domain.Client, error) {
	now := cc.clock.Now()
	if c, ok := cc.cache.get(id, now); ok {
		return c, nil
	}
	var c domain.Client
	err := cc.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		c, err = tx.Clients().Get(ctx, id)
		return err
	})
	if err != nil {
		return c, err
	}
	cc.cache.put(id, c, now)
	return c, nil
}

// forget drops client id from the cache (Console.OnClientChange): its next
// create reads it again.
func (cc *clientCache) forget(id string) {
	cc.cache.delete(id)
}
