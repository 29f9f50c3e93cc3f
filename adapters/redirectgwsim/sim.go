package redirectgwsim

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// Paths below the mount point. A client's base URL is PublicURL; the verify
// URL it is given is PublicURL + VerifyPath.
const (
	// CheckoutPath is the checkout API (docs/gateways/redirectgw.md §2.1).
	CheckoutPath = "/api/v1/checkout"
	// VerifyPath is the verify-payment API (docs/gateways/redirectgw.md §4.2 shape).
	VerifyPath = "/api/v1/verify-payment"
	// PagePath is the payment page; payment_url is PublicURL + PagePath +
	// "?trx_id=…".
	PagePath = "/checkout"
)

// Endpoint keys used by Stats, SetFault and the /stats and /faults routes.
const (
	EndpointCheckout = "checkout" // POST /api/v1/checkout
	EndpointVerify   = "verify"   // POST /api/v1/verify-payment
)

// endpoints lists every endpoint key, in route order.
var endpoints = []string{EndpointCheckout, EndpointVerify}

// Sandbox defaults, used for zero Config fields.
const (
	// DefaultAPIKey is the Bearer key the simulator accepts when
	// Config.APIKey is empty. It is invented for the simulator.
	DefaultAPIKey = "rgw_sandbox_5f0c2a9e81d34b7c9a61e0d27b4f8c13"
	// DefaultClientBaseURL is the "Base URL" of the simulator's API Settings
	// page when Config.ClientBaseURL is empty: paycore's own API on its
	// default address (the document's example is "https://your-domain.com/api").
	DefaultClientBaseURL = "http://127.0.0.1:8080/api"
)

// Messages of the simulator's error answers.
const (
	// MessageDomainMismatch is the document's exact message when
	// client_base_url differs from the stored Base URL (docs/gateways/redirectgw.md §2.2).
	MessageDomainMismatch = "Domain mismatch. দুঃখিত, সংযোগ স্থাপন করা যায়নি।"
	// MessageUnauthorized answers a missing or wrong Bearer key.
	MessageUnauthorized = "Unauthorized. Invalid or missing API key."
	// MessageInvalidTransaction answers verify for an unknown transaction_id.
	MessageInvalidTransaction = "Invalid transaction ID."
	messageInvalidJSON        = "Invalid request body. A JSON object is required."
	messageInvalidAmount      = "Invalid amount. It must be a number greater than zero with at most 2 decimals."
	messageNotFound           = "Not Found"
	messageUnavailable        = "Service temporarily unavailable. Please try again later."
)

// Credentials are what a merchant client needs besides the base URL, served
// as JSON at GET /credentials (docs/platform.md §4).
type Credentials struct {
	// APIKey is sent as "Authorization: Bearer <APIKey>".
	APIKey string `json:"api_key"`
	// ClientBaseURL is sent as client_base_url; it must match exactly.
	ClientBaseURL string `json:"client_base_url"`
}

// Config configures a Simulator. Every zero field has a working default.
type Config struct {
	// PublicURL is the absolute URL where Handler is mounted, without a
	// trailing slash, e.g. "http://127.0.0.1:8080/sandbox/redirectgw". It is
	// used to build payment_url. When empty, the simulator derives it from
	// each checkout request (scheme, Host and the prefix removed by
	// http.StripPrefix).
	PublicURL string
	// APIKey is the accepted Bearer key; "" → DefaultAPIKey.
	APIKey string
	// ClientBaseURL is the "Base URL" of the gateway's API Settings page;
	// checkout's client_base_url must equal it byte for byte. ""
	// → DefaultClientBaseURL.
	ClientBaseURL string
	// Clock returns the current time; nil → time.Now. It dates sessions and
	// payments; fault delays use real time.
	Clock func() time.Time
}

// Simulator is an in-memory redirect gateway. All session state lives behind
// one mutex (faults and call counts keep their own); it is safe for
// concurrent use. Create it with New.
type Simulator struct {
	cfg   Config
	creds Credentials
	now   func() time.Time
	mux   *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session // trx_id → session
	byTxn    map[string]*session // transaction_id → paid session

	stats  *simkit.Stats // calls by endpoint key; not guarded by mu
	faults simkit.Faults // active faults by endpoint key; not guarded by mu
}

// New returns a Simulator for cfg, with defaults for zero fields. It does no
// I/O and starts no goroutine.
func New(cfg Config) *Simulator {
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.ClientBaseURL == "" {
		cfg.ClientBaseURL = DefaultClientBaseURL
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Simulator{
		cfg:      cfg,
		creds:    Credentials{APIKey: cfg.APIKey, ClientBaseURL: cfg.ClientBaseURL},
		now:      cfg.Clock,
		sessions: map[string]*session{},
		byTxn:    map[string]*session{},
		stats:    simkit.NewStats(endpoints...),
	}
	s.mux = s.routes()
	return s
}

// Handler returns the simulator's HTTP handler. Its paths are relative to the
// mount point (see the package doc); paycore mounts it with
// http.StripPrefix("/sandbox/redirectgw", h).
func (s *Simulator) Handler() http.Handler { return s.mux }

// Credentials returns the API key and client base URL the simulator accepts.
func (s *Simulator) Credentials() Credentials { return s.creds }

// Stats returns the number of calls per endpoint key since New or the last
// ResetStats. Every Endpoint* key is present.
func (s *Simulator) Stats() map[string]int { return s.stats.Snapshot() }

// ResetStats sets every call count to zero.
func (s *Simulator) ResetStats() { s.stats.Reset() }

// Close lets go of every request held by a "no_answer" fault, now and later
// (their connections are closed without a response). Call it before shutting
// down the HTTP server so shutdown does not wait for clients to give up.
func (s *Simulator) Close() { s.faults.Close() }

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(path, key string, fn apiFunc) {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			body, ok := readBody(w, r)
			if ok {
				s.serveAPI(w, r, key, fn, body)
			}
		})
	}
	api(CheckoutPath, EndpointCheckout, s.checkout)
	api(VerifyPath, EndpointVerify, s.verify)

	mux.HandleFunc("GET "+PagePath, s.servePage)
	mux.HandleFunc("POST "+PagePath, s.submitPage)

	s.stats.Register(mux, nil)
	mux.Handle("GET /credentials", simkit.StaticJSON(s.creds))
	(&simkit.FaultsHandler{
		Faults: &s.faults, Endpoints: endpoints, Modes: faultModes, ReadBody: readBody,
		ErrorBody: func(msg string) any { return errorBody(msg) }, Check: checkFault,
	}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody(messageNotFound))
	})
	return mux
}

// apiFunc performs one API operation and returns the HTTP status and the JSON
// body. Separating the answer from writing it lets faults drop or replace the
// answer after the operation took effect.
type apiFunc func(r *http.Request, body []byte) (int, any)

// readBody reads the whole request body; on failure the client is gone or
// sent too much, and a 400 is attempted.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := simkit.ReadAll(w, r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(messageInvalidJSON))
		return nil, false
	}
	return body, true
}

// authorized reports whether r carries "Authorization: Bearer <api key>".
func (s *Simulator) authorized(r *http.Request) bool {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && key == s.creds.APIKey
}

// publicURL is Config.PublicURL, or the mount URL derived from r (see
// simkit.MountURL).
func (s *Simulator) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return simkit.MountURL(r)
}
