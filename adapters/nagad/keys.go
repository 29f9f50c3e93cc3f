package nagad

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// MinKeyBits is the smallest RSA modulus accepted for either key, in bits.
// Nagad's keys are 2048-bit (docs/gateways/nagad.md §4.1), and a smaller key could not carry the
// encrypted JSON: PKCS#1 v1.5 fits at most (bits/8 − 11) bytes, 245 at 2048.
const MinKeyBits = 2048

// ErrKey is matched (errors.Is) by every error of ParsePrivateKey and
// ParsePublicKey. Their text describes the problem, never the key.
var ErrKey = errors.New("nagad: unusable RSA key")

// ParsePrivateKey reads the merchant's RSA private key (docs/gateways/nagad.md §4.5).
//
// It accepts PEM or bare base64 DER (standard or URL alphabet, padded or
// not, wrapped or not), holding PKCS#8 or PKCS#1. The PEM label is ignored
// and each parser is tried in turn: PHP samples label PKCS#8 keys "RSA
// PRIVATE KEY", which Go's parsers would otherwise refuse (docs/gateways/nagad.md §4.5).
// Literal "\n" sequences, as left by a PEM pasted into an environment
// variable, are read as line breaks. Encrypted PEM is refused.
//
// Errors match ErrKey and never contain key material.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, err
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is PKCS#8 %T, not RSA", ErrKey, k)
		}
		key = rk
	} else if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		key = k
	} else if _, err := parsePublicDER(der); err == nil {
		return nil, fmt.Errorf("%w: this is a public key; a private key is needed here", ErrKey)
	} else {
		return nil, fmt.Errorf("%w: not an RSA private key (tried PKCS#8 and PKCS#1)", ErrKey)
	}
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return nil, fmt.Errorf("%w: private key has %d bits, want at least %d", ErrKey, bits, MinKeyBits)
	}
	return key, nil
}

// ParsePublicKey reads Nagad's PG public key (docs/gateways/nagad.md §4.5).
//
// It accepts PEM or bare base64 DER as ParsePrivateKey does, holding an
// SPKI ("PUBLIC KEY", what Nagad hands out as MIIBIj…), a PKCS#1 "RSA PUBLIC
// KEY" or an X.509 certificate, trying each parser in turn whatever the
// label says. A private key given by mistake is refused with an error
// saying so.
//
// Errors match ErrKey and never contain key material.
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, err
	}
	key, err := parsePublicDER(der)
	if err != nil {
		if _, perr := x509.ParsePKCS8PrivateKey(der); perr == nil {
			return nil, fmt.Errorf("%w: this is a private key; Nagad's public key is needed here", ErrKey)
		}
		if _, perr := x509.ParsePKCS1PrivateKey(der); perr == nil {
			return nil, fmt.Errorf("%w: this is a private key; Nagad's public key is needed here", ErrKey)
		}
		return nil, err
	}
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return nil, fmt.Errorf("%w: public key has %d bits, want at least %d", ErrKey, bits, MinKeyBits)
	}
	return key, nil
}

// parsePublicDER tries SPKI, PKCS#1 and X.509 certificate parsers.
func parsePublicDER(der []byte) (*rsa.PublicKey, error) {
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: public key is %T, not RSA", ErrKey, k)
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	if cert, err := x509.ParseCertificate(der); err == nil {
		rk, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: certificate key is %T, not RSA", ErrKey, cert.PublicKey)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("%w: not an RSA public key (tried SPKI, PKCS#1 and X.509 certificate)", ErrKey)
}

// keyDER returns the DER bytes of a key given as PEM or bare base64.
func keyDER(s string) ([]byte, error) {
	s = strings.NewReplacer(`\r`, "", `\n`, "\n").Replace(s)
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrKey)
	}
	if strings.Contains(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, fmt.Errorf("%w: malformed PEM", ErrKey)
		}
		if _, enc := block.Headers["DEK-Info"]; enc || strings.Contains(block.Type, "ENCRYPTED") {
			return nil, fmt.Errorf("%w: encrypted PEM is not supported; give the key unencrypted", ErrKey)
		}
		return block.Bytes, nil
	}
	compact := strings.Join(strings.Fields(s), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if der, err := enc.DecodeString(compact); err == nil && len(der) > 0 {
			return der, nil
		}
	}
	return nil, fmt.Errorf("%w: neither PEM nor base64", ErrKey)
}
