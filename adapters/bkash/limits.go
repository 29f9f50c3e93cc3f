package bkash

import (
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var (
	// MinAmount is bKash's smallest payment, 1 taka (https://www.bkash.com/help/limits;
	// docs/gateways/bkash.md §5.3).
	MinAmount = domain.MustMoney(1_00, "BDT")
	// DefaultMaxAmount is the largest payment when Config.MaxAmount is
	// zero: paycore's policy, 50,000 taka, since bKash publishes none.
	DefaultMaxAmount = domain.MustMoney(50_000_00, "BDT")
)

var _ ports.AmountLimits = (*Client)(nil)

// Limits implements ports.AmountLimits: MinAmount and Config.MaxAmount.
func (c *Client) Limits() (minAmount, maxAmount domain.Money) { return MinAmount, c.cfg.MaxAmount }
