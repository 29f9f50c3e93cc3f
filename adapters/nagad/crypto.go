package nagad

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Nagad's crypto (docs/gateways/nagad.md §4.2, §4.3): sensitiveData is RSA PKCS#1 v1.5 encryption and
// signature is SHA256withRSA (PKCS#1 v1.5), both base64 (standard alphabet,
// padded). A request is encrypted under the PG public key and signed with
// the merchant private key; an answer the other way round. The signature
// covers the plaintext bytes, so the same bytes are encrypted and signed.
//
// Go marks PKCS#1 v1.5 *encryption* deprecated (padding-oracle risk for a
// party that decrypts attacker input and reveals whether it failed). Nagad
// mandates it and offers nothing else; the client only decrypts answers
// from Nagad and reveals nothing about failures to anyone.

// seal encrypts plain under pg and signs it with key.
func seal(pg *rsa.PublicKey, key *rsa.PrivateKey, plain []byte) (sensitiveData, signature string, err error) {
	if max := pg.Size() - 11; len(plain) > max {
		return "", "", fmt.Errorf("sensitive data is %d bytes, RSA PKCS#1 v1.5 under a %d-bit key takes at most %d", len(plain), pg.N.BitLen(), max)
	}
	//nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5 (docs/gateways/nagad.md §4.2).
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pg, plain)
	if err != nil {
		return "", "", fmt.Errorf("encrypt sensitive data: %w", err)
	}
	sig, err := sign(key, plain)
	if err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(ct), sig, nil
}

// sign returns base64(SHA256withRSA(plain)). PKCS#1 v1.5 signatures are
// deterministic: the same key and bytes give the same signature, which the
// golden test relies on.
func sign(key *rsa.PrivateKey, plain []byte) (string, error) {
	sum := sha256.Sum256(plain)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign sensitive data: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Errors of open, wrapped in ErrBadResponse by the callers.
var (
	errDecrypt   = errors.New("sensitiveData does not decrypt with MerchantPrivateKey (wrong merchant key, or not Nagad's answer)")
	errSignature = errors.New("signature does not verify with PGPublicKey under SHA256withRSA (wrong PG public key for this environment, or a tampered answer)")
)

// open decrypts an answer's sensitiveData with the merchant key and checks
// its signature with the PG public key; it returns the plaintext only when
// both succeed.
func open(key *rsa.PrivateKey, pg *rsa.PublicKey, sensitiveData, signature string) ([]byte, error) {
	ct, err := decodeB64(sensitiveData)
	if err != nil {
		return nil, fmt.Errorf("sensitiveData is not base64: %w", err)
	}
	sig, err := decodeB64(signature)
	if err != nil {
		return nil, fmt.Errorf("signature is not base64: %w", err)
	}
	//nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5 (docs/gateways/nagad.md §4.2).
	plain, err := rsa.DecryptPKCS1v15(nil, key, ct)
	if err != nil {
		return nil, errDecrypt
	}
	if err := verify(pg, plain, sig); err != nil {
		return nil, errSignature
	}
	return plain, nil
}

// verify checks a SHA256withRSA signature over plain.
func verify(pub *rsa.PublicKey, plain, sig []byte) error {
	sum := sha256.Sum256(plain)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// decodeB64 reads standard base64, tolerating missing padding and line
// breaks (some servers wrap long base64 at 76 characters).
func decodeB64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, errors.New("empty")
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}
