package nagadsim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// Nagad's time layouts (docs/gateways/nagad.md §7.4, §10.1).
const (
	layoutDateTime = "20060102150405"        // datetime, acceptDateTime, payment_dt
	layoutDate     = "20060102"              // originalRequestDate
	layoutVerify   = "2006-01-02 15:04:05.0" // verify's orderDateTime etc., as seen live
)

// verifyTime renders t as verify does: Java's Timestamp text with whole
// seconds, "2021-11-23 23:48:22.0" (docs/gateways/nagad.md §7.4), in Dhaka.
func verifyTime(t time.Time) string {
	return t.In(domain.Dhaka).Truncate(time.Second).Format(layoutVerify)
}

// writeJSON is simkit.WriteJSON with Nagad's generic refusal as the body of
// an answer that cannot be encoded.
func writeJSON(w http.ResponseWriter, code int, v any) {
	simkit.WriteJSONFallback(w, code, v, `{"reason":"16_0006_999","message":"Invalid Request"}`)
}

// compactJSON encodes v as compact JSON without HTML escaping: the
// plaintext of an encrypted answer.
func compactJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// parsePrivateKeyPEM reads an RSA private key from PEM holding PKCS#8 or
// PKCS#1, whatever the label.
func parsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("PKCS#8 key is %T, not RSA", k)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("not an RSA private key (PKCS#8 or PKCS#1)")
}

// privatePEM renders key as PKCS#8 PEM ("PRIVATE KEY").
func privatePEM(key *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// publicPEM renders key as SPKI PEM ("PUBLIC KEY").
func publicPEM(key *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Crypto failures of openRequest, in the order Nagad's codes suggest.
var (
	errNotBase64 = errors.New("sensitiveData or signature is not base64")
	errDecrypt   = errors.New("sensitiveData does not decrypt with the PG private key")
	errSignature = errors.New("signature does not verify with the merchant public key (SHA256withRSA)")
)

// openRequest decrypts a request's sensitiveData with the PG private key
// and verifies its signature with the merchant public key over the
// decrypted bytes (docs/gateways/nagad.md §4.2).
func openRequest(pg *rsa.PrivateKey, merchant *rsa.PublicKey, sensitiveData, signature string) ([]byte, error) {
	ct, err1 := base64.StdEncoding.DecodeString(sensitiveData)
	sig, err2 := base64.StdEncoding.DecodeString(signature)
	if err1 != nil || err2 != nil || len(ct) == 0 || len(sig) == 0 {
		return nil, errNotBase64
	}
	//nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5 (docs/gateways/nagad.md §4.2).
	plain, err := rsa.DecryptPKCS1v15(nil, pg, ct)
	if err != nil {
		return nil, errDecrypt
	}
	sum := sha256.Sum256(plain)
	if rsa.VerifyPKCS1v15(merchant, crypto.SHA256, sum[:], sig) != nil {
		return nil, errSignature
	}
	return plain, nil
}

// sealAnswer encrypts plain under the merchant public key and signs it with
// the PG private key: an answer's {sensitiveData, signature} (docs/gateways/nagad.md §4.3).
func sealAnswer(merchant *rsa.PublicKey, pg *rsa.PrivateKey, plain []byte) (encrypted, error) {
	//nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5 (docs/gateways/nagad.md §4.2).
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, merchant, plain)
	if err != nil {
		return encrypted{}, err
	}
	sum := sha256.Sum256(plain)
	sig, err := rsa.SignPKCS1v15(nil, pg, crypto.SHA256, sum[:])
	if err != nil {
		return encrypted{}, err
	}
	return encrypted{SensitiveData: base64.StdEncoding.EncodeToString(ct), Signature: base64.StdEncoding.EncodeToString(sig)}, nil
}

// encrypted is the body of initialize's and cancel's answers.
type encrypted struct {
	SensitiveData string `json:"sensitiveData"`
	Signature     string `json:"signature"`
}

// randHex returns n random lower-case hex characters (n even).
func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const (
	digitChars = "0123456789"
	trxChars   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// parseAmount parses a Nagad amount ("1250", "1250.5", "1250.00") into
// paisa: simkit.ParsePaisa's digits with an optional dot and one or two
// decimals, at most 15 characters (docs/gateways/nagad.md §10.4).
func parseAmount(s string) (paisa int64, ok bool) {
	if len(s) > 15 {
		return 0, false
	}
	return simkit.ParsePaisa(s)
}

// formatVerifyAmount renders paisa as verify does: whole taka without
// decimals ("1250", docs/gateways/nagad.md §7.4), else two
// decimals ("499.50").
func formatVerifyAmount(paisa int64) string {
	if paisa%100 == 0 {
		return strconv.FormatInt(paisa/100, 10)
	}
	return simkit.FormatPaisa(paisa)
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
