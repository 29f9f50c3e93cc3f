package nagad

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // only to show SHA-1 does NOT verify (docs/gateways/nagad.md §4.4)
	"encoding/base64"
	"encoding/json"
	"os"
	"sync"
	"testing"
)

// vectors is testdata/nagad-vectors.json: Nagad's public sandbox keys and a
// real 2024 sandbox exchange (docs/gateways/nagad.md §4.6).
type vectors struct {
	MerchantID         string         `json:"merchant_id"`
	PGPublicKey        string         `json:"pg_public_key_spki_base64"`
	MerchantPrivateKey string         `json:"merchant_private_key_pkcs8_base64"`
	MerchantPublicKey  string         `json:"merchant_public_key_spki_base64"`
	InitializeRequest  signedVector   `json:"initialize_request"`
	InitializeResponse responseVector `json:"initialize_response"`
	CompleteRequest    signedVector   `json:"complete_request"`
}

type signedVector struct {
	Plaintext string `json:"sensitive_plaintext"`
	Signature string `json:"signature"`
}

type responseVector struct {
	SensitiveData string `json:"sensitiveData"`
	Signature     string `json:"signature"`
	Decrypted     string `json:"decrypted"`
}

func loadVectors(t *testing.T) (vectors, *rsa.PrivateKey, *rsa.PublicKey) {
	t.Helper()
	raw, err := os.ReadFile("testdata/nagad-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	key, err := ParsePrivateKey(v.MerchantPrivateKey)
	if err != nil {
		t.Fatalf("merchant key: %v", err)
	}
	pg, err := ParsePublicKey(v.PGPublicKey)
	if err != nil {
		t.Fatalf("PG key: %v", err)
	}
	return v, key, pg
}

// TestGoldenInitializeResponse decrypts and verifies the real sandbox
// initialize answer (docs/gateways/nagad.md §4.4 [LAB]).
func TestGoldenInitializeResponse(t *testing.T) {
	t.Parallel()
	v, key, pg := loadVectors(t)
	plain, err := open(key, pg, v.InitializeResponse.SensitiveData, v.InitializeResponse.Signature)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if string(plain) != v.InitializeResponse.Decrypted {
		t.Fatalf("decrypted\n %s\nwant\n %s", plain, v.InitializeResponse.Decrypted)
	}
	var ans initAnswer
	if err := json.Unmarshal(plain, &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Challenge != "cb109c6582c56f33f74f" || ans.AcceptDateTime != "20240202125445" {
		t.Errorf("answer = %+v", ans)
	}
	ref, err := base64.StdEncoding.DecodeString(ans.PaymentReferenceID)
	if err != nil || string(ref) != "0202125445033.683002007104225.Order20240202124953.cb109c6582c56f33f74f" {
		t.Errorf("ref decodes to %q (%v)", ref, err)
	}

	// The same signature does not verify under SHA-1 (docs/gateways/nagad.md §4.4).
	sig, _ := base64.StdEncoding.DecodeString(v.InitializeResponse.Signature)
	sum := sha1.Sum(plain)
	if rsa.VerifyPKCS1v15(pg, crypto.SHA1, sum[:], sig) == nil {
		t.Error("signature verified under SHA-1; docs/gateways/nagad.md §4.4 says SHA-256 only")
	}
}

// TestGoldenResponseTampering: one flipped bit in either field is refused.
func TestGoldenResponseTampering(t *testing.T) {
	t.Parallel()
	v, key, pg := loadVectors(t)
	flip := func(b64 string) string {
		b, _ := base64.StdEncoding.DecodeString(b64)
		b[len(b)/2] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	if _, err := open(key, pg, flip(v.InitializeResponse.SensitiveData), v.InitializeResponse.Signature); err == nil {
		t.Error("tampered sensitiveData accepted")
	}
	if _, err := open(key, pg, v.InitializeResponse.SensitiveData, flip(v.InitializeResponse.Signature)); err != errSignature {
		t.Errorf("tampered signature: err = %v, want errSignature", err)
	}
	// The answer verified with the merchant's own public key (a wrong PG key).
	if _, err := open(key, &key.PublicKey, v.InitializeResponse.SensitiveData, v.InitializeResponse.Signature); err != errSignature {
		t.Errorf("wrong PG key: err = %v, want errSignature", err)
	}
}

// TestGoldenRequestSignatures: the real request signatures verify with the
// merchant key over the exact plaintexts, and, PKCS#1 v1.5 signatures being
// deterministic, our sign reproduces them byte for byte.
func TestGoldenRequestSignatures(t *testing.T) {
	t.Parallel()
	v, key, _ := loadVectors(t)
	pub, err := ParsePublicKey(v.MerchantPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(&key.PublicKey) {
		t.Fatal("merchant_public_key_spki_base64 is not the private key's public half")
	}
	for name, sv := range map[string]signedVector{"initialize": v.InitializeRequest, "complete": v.CompleteRequest} {
		sig, _ := base64.StdEncoding.DecodeString(sv.Signature)
		if err := verify(pub, []byte(sv.Plaintext), sig); err != nil {
			t.Errorf("%s: vector signature does not verify: %v", name, err)
		}
		got, err := sign(key, []byte(sv.Plaintext))
		if err != nil {
			t.Fatal(err)
		}
		if got != sv.Signature {
			t.Errorf("%s: sign = %s…, want the vector's %s…", name, got[:16], sv.Signature[:16])
		}
	}
}

// TestGoldenCompletePlaintext: the complete plaintext the client builds is
// byte for byte the real one (field order and compact spacing), so its
// signature is the real one too.
func TestGoldenCompletePlaintext(t *testing.T) {
	t.Parallel()
	v, key, _ := loadVectors(t)
	plain, err := marshal(completeSensitive{MerchantID: v.MerchantID, OrderID: "Order20240202124953",
		CurrencyCode: CurrencyBDT, Amount: "100", Challenge: "cb109c6582c56f33f74f"})
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != v.CompleteRequest.Plaintext {
		t.Fatalf("plaintext\n %s\nwant\n %s", plain, v.CompleteRequest.Plaintext)
	}
	if sig, _ := sign(key, plain); sig != v.CompleteRequest.Signature {
		t.Error("signature differs from the real one")
	}
}

// TestSealOpenRoundTrip: a request sealed for a PG key opens with it, as
// the real gateway would do it, and plaintexts over one RSA block are
// refused before encryption.
func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	_, merchant, _ := loadVectors(t)
	pgKey := simKey()
	plain := []byte(`{"merchantId":"683002007104225","orderId":"abc12","datetime":"20240202124953","challenge":"x"}`)
	sd, sig, err := seal(&pgKey.PublicKey, merchant, plain)
	if err != nil {
		t.Fatal(err)
	}
	// The gateway's side: decrypt with the PG key, verify with the merchant key.
	got, err := open(pgKey, &merchant.PublicKey, sd, sig)
	if err != nil || string(got) != string(plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	big := make([]byte, 246)
	if _, _, err := seal(&pgKey.PublicKey, merchant, big); err == nil {
		t.Error("246-byte plaintext sealed under a 2048-bit key")
	}
}

// simKey is a fresh 2048-bit key standing in for a PG key pair (Nagad's
// PG private key is not public).
var simKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})
