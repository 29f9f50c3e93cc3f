package app

import (
	"context"

	"github.com/paycore/paycore/ports"
)

// read runs fn, which only reads, through tp's ports.Reader when it has one
// (no transaction: fewer round trips), else in a transaction.
func read(ctx context.Context, tp ports.TxProvider, fn func(ctx context.Context, tx ports.Tx) error) error {
	if r, ok := tp.(ports.Reader); ok {
		return r.Read(ctx, fn)
	}
	return tp.Transact(ctx, fn)
}
