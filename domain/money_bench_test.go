package domain_test

import (
	"testing"

	"github.com/paycore/paycore/domain"
)

func BenchmarkParseAmount(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := domain.ParseAmount("1500.50", "BDT"); err != nil {
			b.Fatal(err)
		}
	}
}
