package redirectgw

import (
	"errors"

	"github.com/paycore/paycore/domain"
)

// Default per-payment limits, BDT, when the merchant sets none
// (docs/gateways/redirectgw.md §2.4).
var (
	DefaultMinAmount = domain.MustMoney(1_00, "BDT")      // 1.00
	DefaultMaxAmount = domain.MustMoney(50_000_00, "BDT") // 50,000.00
)

// limits fills in the default limits and checks them.
func (cfg *Config) limits() []error {
	var err error
	cfg.MinAmount, cfg.MaxAmount, err = domain.AmountLimits(cfg.MinAmount, cfg.MaxAmount, DefaultMinAmount, DefaultMaxAmount)
	if err != nil {
		return []error{errors.New("MinAmount and MaxAmount: " + err.Error())}
	}
	return nil
}

// Limits implements ports.AmountLimits: Config.MinAmount and MaxAmount.
func (c *Client) Limits() (minAmount, maxAmount domain.Money) {
	return c.cfg.MinAmount, c.cfg.MaxAmount
}
