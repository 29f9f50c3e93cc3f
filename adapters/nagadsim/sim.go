package nagadsim

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// APIPrefix is the API path below the mount point: a client's base URL is
// PublicURL + APIPrefix (docs/gateways/nagad.md §2.1, "…/api/dfs").
const APIPrefix = "/api/dfs"

// LegacyAPIPrefix is the older sandbox's context path, served as an alias
// of APIPrefix (docs/gateways/nagad.md §2.1: "…/remote-payment-gateway-1.0/api/dfs").
const LegacyAPIPrefix = "/remote-payment-gateway-1.0/api/dfs"

// PagePrefix is the payment page's path below the mount point; the
// callBackUrl of complete is PublicURL + PagePrefix + {paymentReferenceId}.
const PagePrefix = "/check-out/"

// Endpoint keys used by Stats, SetFault and the /stats and /faults routes.
const (
	EndpointInitialize = "initialize" // POST …/check-out/initialize/{merchantId}/{orderId}
	EndpointComplete   = "complete"   // POST …/check-out/complete/{paymentReferenceId}
	EndpointVerify     = "verify"     // GET  …/verify/payment/{paymentRefId}
	EndpointCancel     = "cancel"     // POST …/purchase/cancel (refund)
)

// endpoints lists every endpoint key, in route order.
var endpoints = []string{EndpointInitialize, EndpointComplete, EndpointVerify, EndpointCancel}

// Sandbox merchant and customer values (docs/platform.md §4).
const (
	// DefaultMerchantID is the sandbox merchant when Config.MerchantID is "".
	DefaultMerchantID = "681234567890123"
	// DefaultMerchantNumber is the sandbox merchant wallet when
	// Config.MerchantNumber is "".
	DefaultMerchantNumber = "01700000000"
	// SandboxOTP is the only OTP the payment page accepts.
	SandboxOTP = simkit.SandboxOTP
	// SandboxPIN is the only PIN the payment page accepts.
	SandboxPIN = simkit.SandboxPIN
	// MaxWrongPINs is the number of wrong PINs after which the page fails
	// the payment (status Failed, status_code CodeWrongPINExhausted).
	MaxWrongPINs = 3
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultDateTimeWindow is how far initialize's datetime may be from the
	// simulator's clock, either way, before 16_0006_076. Nagad's window is
	// unpublished; it accepted a request 5 minutes late (docs/gateways/nagad.md §10.2).
	DefaultDateTimeWindow = 10 * time.Minute
	// DefaultPaymentTimeout is how long after initialize a payment may be
	// paid; an unpaid payment then reports Aborted.
	DefaultPaymentTimeout = time.Hour
	// DefaultTransactionLimit is the largest amount the page lets a customer
	// pay, in paisa (50,000.00 BDT); above it the payment fails with
	// CodeOverLimit.
	DefaultTransactionLimit = 50_000_00
)

// Credentials are what a merchant client needs besides the base URL,
// served as JSON at GET /credentials (docs/platform.md §4).
type Credentials struct {
	// MerchantID is the sandbox merchant's 15-digit ID.
	MerchantID string `json:"merchant_id"`
	// MerchantNumber is the sandbox merchant's wallet (11 digits).
	MerchantNumber string `json:"merchant_number"`
	// PGPublicKey is the simulator's PG public key, SPKI PEM.
	PGPublicKey string `json:"pg_public_key"`
	// MerchantPrivateKey is the sandbox merchant's private key, PKCS#8 PEM.
	// The simulator holds the public half to verify request signatures.
	MerchantPrivateKey string `json:"merchant_private_key"`
}

// Config configures a Simulator. Every zero field has a working default.
type Config struct {
	// PublicURL is the absolute URL where Handler is mounted, without a
	// trailing slash, e.g. "http://127.0.0.1:8080/sandbox/nagad". It is used
	// to build complete's callBackUrl. When empty, it is derived from each
	// complete request (scheme, Host and the prefix http.StripPrefix removed).
	PublicURL string
	// Clock returns the current time; nil → time.Now. Datetime checks,
	// payment timeouts and every timestamp use it. Fault delays use real time.
	Clock func() time.Time
	// MerchantID is the one merchant the simulator knows; "" →
	// DefaultMerchantID.
	MerchantID string
	// MerchantNumber is that merchant's wallet; "" → DefaultMerchantNumber.
	MerchantNumber string
	// PGPrivateKey is the simulated gateway's RSA key pair as PEM (PKCS#8 or
	// PKCS#1); "" → the embedded sandbox key, so credentials survive restarts.
	PGPrivateKey string
	// MerchantPrivateKey is the sandbox merchant's RSA key pair as PEM; "" →
	// the embedded sandbox key.
	MerchantPrivateKey string
	// DateTimeWindow: 0 → DefaultDateTimeWindow.
	DateTimeWindow time.Duration
	// PaymentTimeout: 0 → DefaultPaymentTimeout.
	PaymentTimeout time.Duration
	// TransactionLimit is in paisa; 0 → DefaultTransactionLimit.
	TransactionLimit int64
}

// Simulator is an in-memory Nagad online payment gateway. All payment state
// lives behind one mutex (faults and call counts keep their own); it is safe
// for concurrent use. Create it with New.
type Simulator struct {
	cfg         Config
	now         func() time.Time
	pgKey       *rsa.PrivateKey
	merchantKey *rsa.PrivateKey // the simulator uses only its public half
	creds       Credentials
	mux         *http.ServeMux

	mu       sync.Mutex
	payments map[string]*payment // paymentReferenceId → payment
	orders   map[string]*payment // Dhaka date + "/" + orderId → payment initialized that day
	trxIDs   map[string]bool     // issued issuer and cancel transaction IDs

	stats  *simkit.Stats // calls by endpoint key; not guarded by mu
	faults simkit.Faults // active faults by endpoint key; not guarded by mu
}

// New returns a Simulator for cfg, with defaults for zero fields. It does
// no I/O and starts no goroutine. It fails only on unusable keys or a
// MerchantID/MerchantNumber of the wrong shape.
func New(cfg Config) (*Simulator, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MerchantID == "" {
		cfg.MerchantID = DefaultMerchantID
	}
	if cfg.MerchantNumber == "" {
		cfg.MerchantNumber = DefaultMerchantNumber
	}
	if cfg.PGPrivateKey == "" {
		cfg.PGPrivateKey = sandboxPGPrivateKey
	}
	if cfg.MerchantPrivateKey == "" {
		cfg.MerchantPrivateKey = sandboxMerchantPrivateKey
	}
	if cfg.DateTimeWindow <= 0 {
		cfg.DateTimeWindow = DefaultDateTimeWindow
	}
	if cfg.PaymentTimeout <= 0 {
		cfg.PaymentTimeout = DefaultPaymentTimeout
	}
	if cfg.TransactionLimit <= 0 {
		cfg.TransactionLimit = DefaultTransactionLimit
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	var errs []error
	if len(cfg.MerchantID) != 15 || !alnum(cfg.MerchantID) {
		errs = append(errs, errors.New("MerchantID must be 15 letters or digits"))
	}
	if len(cfg.MerchantNumber) != 11 || !simkit.AllDigits(cfg.MerchantNumber) {
		errs = append(errs, errors.New("MerchantNumber must be 11 digits"))
	}
	pgKey, err := parsePrivateKeyPEM(cfg.PGPrivateKey)
	if err != nil {
		errs = append(errs, fmt.Errorf("PGPrivateKey: %w", err))
	}
	merchantKey, err := parsePrivateKeyPEM(cfg.MerchantPrivateKey)
	if err != nil {
		errs = append(errs, fmt.Errorf("MerchantPrivateKey: %w", err))
	}
	for _, k := range []*rsa.PrivateKey{pgKey, merchantKey} {
		if k != nil && k.N.BitLen() < 2048 {
			errs = append(errs, errors.New("keys must have at least 2048 bits"))
			break
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("nagadsim config: %w", errors.Join(errs...))
	}
	s := &Simulator{
		cfg: cfg, now: cfg.Clock, pgKey: pgKey, merchantKey: merchantKey,
		creds: Credentials{
			MerchantID: cfg.MerchantID, MerchantNumber: cfg.MerchantNumber,
			PGPublicKey: publicPEM(&pgKey.PublicKey), MerchantPrivateKey: privatePEM(merchantKey),
		},
		payments: map[string]*payment{},
		orders:   map[string]*payment{},
		trxIDs:   map[string]bool{},
		stats:    simkit.NewStats(endpoints...),
	}
	s.mux = s.routes()
	return s, nil
}

// Handler returns the simulator's HTTP handler. Its paths are relative to
// the mount point (see the package doc); paycore mounts it with
// http.StripPrefix("/sandbox/nagad", h).
func (s *Simulator) Handler() http.Handler { return s.mux }

// Credentials returns what a merchant client needs to talk to the simulator.
func (s *Simulator) Credentials() Credentials { return s.creds }

// Stats returns the number of calls per endpoint key since New or the last
// ResetStats. Every Endpoint* key is present.
func (s *Simulator) Stats() map[string]int { return s.stats.Snapshot() }

// ResetStats sets every call count to zero.
func (s *Simulator) ResetStats() { s.stats.Reset() }

// Close lets go of every request held by a FaultNoAnswer, now and later
// (their connections are closed without a response). Call it before
// shutting the HTTP server down.
func (s *Simulator) Close() { s.faults.Close() }

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, prefix := range []string{APIPrefix, LegacyAPIPrefix} {
		api := func(method, path, key string, fn apiFunc) {
			mux.HandleFunc(method+" "+prefix+path, func(w http.ResponseWriter, r *http.Request) {
				body, ok := readBody(w, r)
				if ok {
					s.serveAPI(w, r, key, fn, body)
				}
			})
		}
		api("POST", "/check-out/initialize/{merchantId}/{orderId}", EndpointInitialize, s.initialize)
		api("POST", "/check-out/complete/{ref...}", EndpointComplete, s.complete)
		api("GET", "/verify/payment/{ref...}", EndpointVerify, s.verify)
		api("POST", "/purchase/cancel", EndpointCancel, s.cancel)
	}
	mux.HandleFunc("GET "+PagePrefix+"{ref...}", s.servePage)
	mux.HandleFunc("POST "+PagePrefix+"{ref...}", s.submitPage)

	s.stats.Register(mux, nil)
	mux.Handle("GET /credentials", simkit.StaticJSON(s.creds))
	(&simkit.FaultsHandler{
		Faults: &s.faults, Endpoints: endpoints, Modes: faultModes, ReadBody: readBody,
		ErrorBody: func(msg string) any { return map[string]string{"message": msg} },
	}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Reason: ReasonInvalidRequest, Message: reasonMessages[ReasonInvalidRequest], DevMessage: "no such route"})
	})
	return mux
}

// apiFunc performs one API operation and returns the HTTP status and the
// JSON body. Separating the answer from writing it lets faults drop or
// replace the answer after the operation took effect.
type apiFunc func(r *http.Request, body []byte) (int, any)

// readBody reads the whole request body; on failure a 400 is attempted.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := simkit.ReadAll(w, r)
	if err != nil {
		code, v := refusal(ReasonInvalidRequest, "unreadable body")
		writeJSON(w, code, v)
		return nil, false
	}
	return body, true
}

// publicURL is Config.PublicURL, or the mount URL derived from r (see
// simkit.MountURL).
func (s *Simulator) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return simkit.MountURL(r)
}
