package secret_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/secret"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	box, err := secret.NewBox(secret.SandboxKey())
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("sk_live_secret")
	sealed := box.Seal(plain, []byte("api-key:pk_1"))
	if bytes.Contains(sealed, plain) {
		t.Fatal("sealed data contains the plaintext")
	}
	if again := box.Seal(plain, []byte("api-key:pk_1")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same secret are identical (nonce reuse)")
	}
	got, err := box.Open(sealed, []byte("api-key:pk_1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Bound to its row: another key's AAD does not open it.
	if _, err := box.Open(sealed, []byte("api-key:pk_2")); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("open with other aad: %v", err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := box.Open(tampered, []byte("api-key:pk_1")); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("open tampered: %v", err)
	}
	other, _ := secret.NewBox(bytes.Repeat([]byte{7}, 32))
	if _, err := other.Open(sealed, []byte("api-key:pk_1")); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("open with another key: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	hexKey := strings.Repeat("ab", 32)
	if k, err := secret.ParseKey(hexKey); err != nil || len(k) != 32 {
		t.Fatalf("hex: %v", err)
	}
	if k, err := secret.ParseKey("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="); err != nil || len(k) != 32 {
		t.Fatalf("base64: %v", err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("ab", 31)} {
		if _, err := secret.ParseKey(bad); err == nil {
			t.Fatalf("ParseKey(%q) accepted", bad)
		}
	}
	if _, err := secret.NewBox(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}
