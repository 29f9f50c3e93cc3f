// Package faults is paycore's fault suite (issue 10 item 6): it builds the
// paycore binary, runs `paycore sandbox` and `paycore serve` as real
// processes on loopback ports, pays like a merchant and a customer over
// HTTP, and breaks things on purpose — SIGKILL of paycore at each step of
// each gateway's flow, the gateways' fault switches, a PostgreSQL restart
// under load — then checks the database, the simulators' call counts, the
// webhooks the sandbox merchant received and the SMS the simulator
// recorded.
//
// `make test` runs the quick part (TestKillQuick). `make faults` runs the
// whole suite (build tag faults) and prints its table:
//
//	go test -tags faults -count=1 -v -run 'TestFaultSuite|TestPostgresRestart' ./faults
//
// The package has no code outside its tests.
package faults
