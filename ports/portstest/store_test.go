package portstest_test

import (
	"testing"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

func TestStoreContract(t *testing.T) {
	portstest.TestRepositories(t, func(t *testing.T) (ports.TxProvider, func(domain.Client)) {
		s := portstest.NewStore()
		return s, s.AddClient
	})
}

func TestStoreGatewaySwitches(t *testing.T) {
	portstest.TestGatewaySwitches(t, func(*testing.T) ports.GatewaySwitches { return portstest.NewStore() })
}

func TestStoreLoginAttempts(t *testing.T) {
	portstest.TestLoginAttempts(t, func(*testing.T) ports.LoginAttempts { return portstest.NewStore() })
}
