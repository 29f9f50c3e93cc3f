package portstest_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/ports/portstest"
)

func TestAwait(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	if !portstest.Await(10*time.Second, func() bool { return n.Load() == 3 }) {
		t.Fatal("Await missed a condition that came true")
	}
	if portstest.Await(5*time.Millisecond, func() bool { return false }) {
		t.Fatal("Await reported a condition that never held")
	}
}
