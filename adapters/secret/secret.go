// Package secret seals secrets at rest (API secrets, webhook signing
// secrets, gateway tokens) with AES-256-GCM under a master key taken from the
// environment.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrOpen is returned when sealed data was not sealed under this key or was
// altered.
var ErrOpen = errors.New("secret: cannot open sealed data")

// Box seals and opens data under one 32-byte key. Sealed data is
// version byte 1 || 12-byte nonce || ciphertext+tag.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: master key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// ParseKey decodes a master key given as 64 hex digits or standard base64 of
// 32 bytes (PAYCORE_MASTER_KEY).
func ParseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("secret: master key must be 32 bytes as 64 hex digits or base64")
}

// SandboxKey derives the fixed master key sandbox mode uses when none is
// configured. Never use it outside sandbox mode.
func SandboxKey() []byte {
	k := sha256.Sum256([]byte("paycore sandbox master key: not a secret"))
	return k[:]
}

// Seal encrypts plain; aad binds the ciphertext to its context (e.g. the
// row's key) so sealed values cannot be swapped between rows.
func (b *Box) Seal(plain, aad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: crypto/rand: " + err.Error())
	}
	out := append([]byte{1}, nonce...)
	return b.aead.Seal(out, nonce, plain, aad)
}

// Open decrypts what Seal produced with the same aad; ErrOpen otherwise.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != 1 {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
