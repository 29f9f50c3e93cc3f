package domain

import (
	"crypto/rand"
	"strings"
)

// ID prefixes (docs/merchant-api.md §6.3: IDs are prefixed and random).
const (
	PrefixTransaction = "txn_"
	PrefixAttempt     = "att_"
	PrefixRefund      = "ref_"
	PrefixEvent       = "evt_"
	PrefixClient      = "cli_"
	PrefixNotice      = "ntf_"
)

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// NewID returns prefix followed by 20 random base-36 characters (~103 bits
// from crypto/rand), e.g. "txn_3k9x0q…".
func NewID(prefix string) string {
	return prefix + RandomString(20, idAlphabet)
}

// RandomString returns n characters drawn uniformly from alphabet with
// crypto/rand (rejection sampling, no modulo bias). alphabet must have
// between 2 and 256 characters.
func RandomString(n int, alphabet string) string {
	var b strings.Builder
	b.Grow(n)
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, n+n/2+8)
	for b.Len() < n {
		if _, err := rand.Read(buf); err != nil {
			panic("domain: crypto/rand: " + err.Error())
		}
		for _, c := range buf {
			if int(c) < limit && b.Len() < n {
				b.WriteByte(alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return b.String()
}
