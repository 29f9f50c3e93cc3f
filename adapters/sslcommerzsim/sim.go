// Package sslcommerzsim is an in-memory SSLCommerz (v4 hosted checkout) for
// sandbox mode and tests. It speaks SSLCommerz's real paths and encodings
// (docs/gateways/sslcommerz.md, "§n" below), so a client written against
// SSLCommerz — paycore's adapters/sslcommerz, or SSLCommerz's own Node
// client with its URLs pointed here — works unchanged given the simulator's
// base URL and GET /credentials.
//
// Routes below the mount point (paycore mounts it at /sandbox/sslcommerz):
//
//	POST     /gwprocess/v4/api.php                        session (urlencoded or multipart; /v3/ too)
//	GET|POST /validator/api/validationserverAPI.php       validation (params from query, then form)
//	GET|POST /validator/api/merchantTransIDvalidationAPI.php
//	         refund (bank_tran_id + refund_amount), refund query (refund_ref_id),
//	         query by sessionkey, query by tran_id
//	GET      /EasyCheckOut/testcde{sessionkey}            hosted page (also /gwprocess/v4/gw.php?Q=PAY&SESSIONKEY=)
//	POST     /EasyCheckOut/testcde{sessionkey}            pay or cancel: IPN to ipn_url, then an
//	                                                      auto-submitting form POSTing to the success,
//	                                                      fail or cancel URL
//	GET      /credentials, /stats; POST /stats/reset; GET|POST|DELETE /faults
//
// The hosted page's form fields: method (a card or a channel such as bkash),
// card_no, wallet, otp, action=pay|cancel, and optionally outcome
// (VALID, FAILED, CANCELLED, UNATTEMPTED, EXPIRED) and risky=1. Test cards
// (§9): 4111111111111111, 5111111111111111, 371111111111111 pay;
// CardDeclined fails; CardRisky pays with risk_level 1. Mobile banking takes
// any 01XXXXXXXXX wallet with OTP 111111 or 123456; another OTP fails.
//
// Every answer is HTTP 200 JSON, as SSLCommerz's (§8). Faults (adapters/simkit)
// apply per endpoint key; on "ipn" any mode but none loses the IPN.
package sslcommerzsim

import (
	"crypto/md5" //nolint:gosec // SSLCommerz's verify_sign is MD5 (§4).
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// Paths below the mount point (§1).
const (
	SessionPath    = "/gwprocess/v4/api.php"
	SessionPathV3  = "/gwprocess/v3/api.php"
	ValidationPath = "/validator/api/validationserverAPI.php"
	QueryPath      = "/validator/api/merchantTransIDvalidationAPI.php"
	PagePrefix     = "/EasyCheckOut/testcde"
	LegacyPagePath = "/gwprocess/v4/gw.php"
)

// Endpoint keys of Stats and faults.
const (
	EndpointSession     = "session"
	EndpointValidation  = "validation"
	EndpointQuery       = "query"
	EndpointRefund      = "refund"
	EndpointRefundQuery = "refund_query"
	EndpointIPN         = "ipn"
	EndpointPage        = "page"
)

var endpoints = []string{EndpointSession, EndpointValidation, EndpointQuery, EndpointRefund, EndpointRefundQuery, EndpointIPN, EndpointPage}

// Sandbox credentials: SSLCommerz's public demo store (§1).
const (
	DefaultStoreID     = "testbox"
	DefaultStorePasswd = "qwerty"
)

// Test cards.
const (
	CardVisa     = "4111111111111111"
	CardMaster   = "5111111111111111"
	CardAmex     = "371111111111111"
	CardDeclined = "4000000000000002"
	CardRisky    = "4000000000009995"
)

// MessageBadCredentials is SSLCommerz's answer to wrong credentials (§2).
const MessageBadCredentials = "Store Credential Error Or Store is De-active"

// Credentials are what a merchant client needs besides the base URL.
type Credentials struct {
	StoreID     string `json:"store_id"`
	StorePasswd string `json:"store_passwd"`
}

// Config configures a Simulator; zero fields have working defaults.
type Config struct {
	// PublicURL is where Handler is mounted (no trailing slash); "" →
	// derived from each request.
	PublicURL string
	// StoreID, StorePasswd: "" → DefaultStoreID, DefaultStorePasswd.
	StoreID, StorePasswd string
	// HTTPClient sends IPNs; nil → a client with a 10 s timeout.
	HTTPClient *http.Client
	// Clock: nil → time.Now.
	Clock func() time.Time
}

// Simulator is an in-memory SSLCommerz, safe for concurrent use.
type Simulator struct {
	cfg   Config
	creds Credentials
	now   func() time.Time
	http  *http.Client
	mux   *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session // sessionkey →
	byVal    map[string]*session // val_id →
	byBank   map[string]*session // bank_tran_id →
	refunds  map[string]*refund  // refund_ref_id →

	stats  *simkit.Stats
	faults simkit.Faults
}

type session struct {
	key, tranID string
	amount      int64 // paisa
	currency    string
	form        map[string]string // the session request, as sent
	created     time.Time

	status     string // PENDING until the page is submitted
	valID      string
	bankTranID string
	risky      bool
	validated  bool
	cardType   string
	tranDate   string
	errText    string
	refunded   int64 // paisa refunded or under way
}

type refund struct {
	ref, bankTranID, transID, refundTransID string
	amount                                  int64
	initiated                               time.Time
	queries                                 int
}

// New returns a Simulator for cfg.
func New(cfg Config) *Simulator {
	if cfg.StoreID == "" {
		cfg.StoreID = DefaultStoreID
	}
	if cfg.StorePasswd == "" {
		cfg.StorePasswd = DefaultStorePasswd
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Simulator{cfg: cfg, creds: Credentials{StoreID: cfg.StoreID, StorePasswd: cfg.StorePasswd},
		now: cfg.Clock, http: cfg.HTTPClient,
		sessions: map[string]*session{}, byVal: map[string]*session{}, byBank: map[string]*session{},
		refunds: map[string]*refund{}, stats: simkit.NewStats(endpoints...)}
	s.mux = s.routes()
	return s
}

// Handler serves the simulator; mount it with http.StripPrefix.
func (s *Simulator) Handler() http.Handler { return s.mux }

// Credentials returns the store's credentials.
func (s *Simulator) Credentials() Credentials { return s.creds }

// Stats returns calls per endpoint key.
func (s *Simulator) Stats() map[string]int { return s.stats.Snapshot() }

// SetFault makes calls to endpoint misbehave as f (see simkit.Fault).
func (s *Simulator) SetFault(endpoint string, f simkit.Fault) { s.faults.Set(endpoint, f) }

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() { s.faults.Clear() }

// Close lets go of requests held by no-answer faults.
func (s *Simulator) Close() { s.faults.Close() }

// FaultWrongAmount, on validation and query only, reports an amount 1.00
// higher than the one paid.
const FaultWrongAmount simkit.FaultMode = "wrong_amount"

var faultModes = []simkit.FaultMode{simkit.FaultNone, simkit.FaultNoAnswer, simkit.FaultDrop, simkit.Fault503, simkit.FaultHTML, FaultWrongAmount}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+SessionPath, s.serveSession)
	mux.HandleFunc("POST "+SessionPathV3, s.serveSession)
	mux.HandleFunc(ValidationPath, s.serveValidation)
	mux.HandleFunc(QueryPath, s.serveQuery)
	mux.HandleFunc("GET /EasyCheckOut/{page}", s.servePage)
	mux.HandleFunc("POST /EasyCheckOut/{page}", s.submitPage)
	mux.HandleFunc("GET "+LegacyPagePath, s.servePage)
	s.stats.Register(mux, nil)
	mux.Handle("GET /credentials", simkit.StaticJSON(s.creds))
	(&simkit.FaultsHandler{Faults: &s.faults, Endpoints: endpoints, Modes: faultModes,
		ErrorBody: func(msg string) any { return map[string]string{"status": "FAILED", "failedreason": msg} },
		Check: func(endpoint string, mode simkit.FaultMode) string {
			if mode == FaultWrongAmount && endpoint != EndpointValidation && endpoint != EndpointQuery {
				return "wrong_amount applies to validation and query only"
			}
			return ""
		}}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		simkit.WriteJSON(w, http.StatusNotFound, map[string]string{"status": "FAILED", "failedreason": "Not Found"})
	})
	return mux
}

// publicURL is Config.PublicURL or the mount URL of r.
func (s *Simulator) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return simkit.MountURL(r)
}

// sign adds verify_sign, verify_key and verify_sign_sha2 over every field
// of f (§4): sorted by name with store_passwd = hex hash of the password,
// joined as k=v with "&" (MD5 for verify_sign, SHA-256 for the _sha2 one).
func sign(f map[string]string, passwd string) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	join := func(hashedPass string) string {
		all := append(append([]string(nil), keys...), "store_passwd")
		sort.Strings(all)
		var b strings.Builder
		for i, k := range all {
			if i > 0 {
				b.WriteByte('&')
			}
			v := f[k]
			if k == "store_passwd" {
				v = hashedPass
			}
			b.WriteString(k + "=" + v)
		}
		return b.String()
	}
	f["verify_sign"] = md5hex(join(md5hex(passwd)))
	sha := sha256.Sum256([]byte(join(sha256hex(passwd))))
	f["verify_sign_sha2"] = hex.EncodeToString(sha[:])
	f["verify_key"] = strings.Join(keys, ",")
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
