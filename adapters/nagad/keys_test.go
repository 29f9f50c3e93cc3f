package nagad_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagad"
)

// sandboxVectors holds the public sandbox values of testdata/nagad-vectors.json.
type sandboxVectors struct {
	MerchantID         string `json:"merchant_id"`
	PGPublicKey        string `json:"pg_public_key_spki_base64"`
	MerchantPrivateKey string `json:"merchant_private_key_pkcs8_base64"`
	InitializeResponse struct {
		SensitiveData string `json:"sensitiveData"`
		Signature     string `json:"signature"`
		Decrypted     string `json:"decrypted"`
	} `json:"initialize_response"`
}

func loadSandbox(t *testing.T) sandboxVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/nagad-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v sandboxVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func pemOf(label string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der}))
}

func b64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

// wrap64 breaks s into 64-character lines, as PEM bodies and some portals do.
func wrap64(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}

// TestParsePrivateKeyFormats: PEM or base64 × PKCS#8 or PKCS#1, whatever the
// PEM label says (docs/gateways/nagad.md §4.5: PHP labels PKCS#8 "RSA PRIVATE KEY").
func TestParsePrivateKeyFormats(t *testing.T) {
	t.Parallel()
	v := loadSandbox(t)
	pkcs8, _ := base64.StdEncoding.DecodeString(v.MerchantPrivateKey)
	k8, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		t.Fatal(err)
	}
	want := k8.(*rsa.PrivateKey)
	pkcs1 := x509.MarshalPKCS1PrivateKey(want)

	cases := []struct{ name, in string }{
		{"base64 PKCS#8 (Nagad's sample)", v.MerchantPrivateKey},
		{"base64 PKCS#8 wrapped", wrap64(v.MerchantPrivateKey)},
		{"base64 PKCS#8 URL alphabet unpadded", base64.RawURLEncoding.EncodeToString(pkcs8)},
		{"base64 PKCS#1", b64(pkcs1)},
		{"PEM PKCS#8 PRIVATE KEY", pemOf("PRIVATE KEY", pkcs8)},
		{"PEM PKCS#1 RSA PRIVATE KEY", pemOf("RSA PRIVATE KEY", pkcs1)},
		{"PEM PKCS#8 mislabeled RSA PRIVATE KEY", pemOf("RSA PRIVATE KEY", pkcs8)},
		{"PEM PKCS#1 mislabeled PRIVATE KEY", pemOf("PRIVATE KEY", pkcs1)},
		{"PEM with literal \\n (environment variable)", strings.ReplaceAll(pemOf("PRIVATE KEY", pkcs8), "\n", `\n`)},
		{"PEM with surrounding blanks", "\n  " + pemOf("PRIVATE KEY", pkcs8) + "\n\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := nagad.ParsePrivateKey(tc.in)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !got.Equal(want) {
				t.Fatal("parsed another key")
			}
		})
	}
}

// TestParsePublicKeyFormats: PEM or base64 × SPKI, PKCS#1 or a certificate.
func TestParsePublicKeyFormats(t *testing.T) {
	t.Parallel()
	v := loadSandbox(t)
	spki, _ := base64.StdEncoding.DecodeString(v.PGPublicKey)
	pk, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	want := pk.(*rsa.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(want)
	cert := selfSignedCert(t)

	cases := []struct {
		name, in string
		want     *rsa.PublicKey
	}{
		{"base64 SPKI (Nagad's MIIBIj…)", v.PGPublicKey, want},
		{"base64 SPKI wrapped", wrap64(v.PGPublicKey), want},
		{"base64 PKCS#1", b64(pkcs1), want},
		{"PEM SPKI PUBLIC KEY", pemOf("PUBLIC KEY", spki), want},
		{"PEM PKCS#1 RSA PUBLIC KEY", pemOf("RSA PUBLIC KEY", pkcs1), want},
		{"PEM SPKI mislabeled RSA PUBLIC KEY", pemOf("RSA PUBLIC KEY", spki), want},
		{"PEM PKCS#1 mislabeled PUBLIC KEY", pemOf("PUBLIC KEY", pkcs1), want},
		{"PEM certificate", pemOf("CERTIFICATE", cert.Raw), cert.PublicKey.(*rsa.PublicKey)},
		{"base64 certificate", b64(cert.Raw), cert.PublicKey.(*rsa.PublicKey)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := nagad.ParsePublicKey(tc.in)
			if err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Fatal("parsed another key")
			}
		})
	}
}

func selfSignedCert(t *testing.T) *x509.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pg"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(0, 0).Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestParseKeyErrors: wrong inputs are refused with ErrKey, a clear reason,
// and no key material in the text.
func TestParseKeyErrors(t *testing.T) {
	t.Parallel()
	v := loadSandbox(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPKCS8, _ := x509.MarshalPKCS8PrivateKey(small)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecSPKI, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	encrypted := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"

	cases := []struct {
		name, in, want string
		public         bool
	}{
		{"empty private", "", "empty", false},
		{"garbage private", "not a key!", "neither PEM nor base64", false},
		{"public key as private", v.PGPublicKey, "this is a public key", false},
		{"1024-bit private", b64(smallPKCS8), "1024 bits", false},
		{"EC private", b64(ecPKCS8), "not RSA", false},
		{"encrypted PEM", encrypted, "encrypted PEM", false},
		{"broken PEM", "-----BEGIN PRIVATE KEY-----\nAAAA", "malformed PEM", false},
		{"base64 of junk", b64([]byte("junk junk junk")), "not an RSA private key", false},
		{"private key as public", v.MerchantPrivateKey, "this is a private key", true},
		{"EC public", b64(ecSPKI), "not RSA", true},
		{"1024-bit public", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&small.PublicKey)), "1024 bits", true},
		{"empty public", "  ", "empty", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.public {
				_, err = nagad.ParsePublicKey(tc.in)
			} else {
				_, err = nagad.ParsePrivateKey(tc.in)
			}
			if !errors.Is(err, nagad.ErrKey) {
				t.Fatalf("err = %v, want ErrKey", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to say %q", err, tc.want)
			}
			if len(tc.in) > 40 && strings.Contains(err.Error(), strings.TrimSpace(tc.in)[:30]) {
				t.Errorf("error repeats the key: %q", err)
			}
		})
	}
}
