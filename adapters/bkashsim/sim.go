package bkashsim

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// APIPrefix is the path of the tokenized checkout API below the mount point;
// a client's base URL is PublicURL + APIPrefix (docs/gateways/bkash.md §3.1).
const APIPrefix = "/v1.2.0-beta/tokenized/checkout"

// Endpoint keys used by Stats, SetFault and the /stats and /faults routes.
const (
	EndpointGrant        = "grant"         // POST …/token/grant
	EndpointRefresh      = "refresh"       // POST …/token/refresh
	EndpointCreate       = "create"        // POST …/create
	EndpointExecute      = "execute"       // POST …/execute
	EndpointQuery        = "query"         // POST …/payment/status
	EndpointSearch       = "search"        // POST …/general/searchTransaction
	EndpointRefund       = "refund"        // POST …/payment/refund with an amount
	EndpointRefundStatus = "refund_status" // POST …/payment/refund with only paymentID and trxID
)

// endpoints lists every endpoint key, in route order.
var endpoints = []string{
	EndpointGrant, EndpointRefresh, EndpointCreate, EndpointExecute,
	EndpointQuery, EndpointSearch, EndpointRefund, EndpointRefundStatus,
	EndpointRefundV2, EndpointRefundStatusV2,
}

// Defaults applied by New to zero Config fields.
const (
	// DefaultRefundWindow is the refund window when Config.RefundWindow is 0
	// (15 days per WOO's comment, docs/gateways/bkash.md §9.4).
	DefaultRefundWindow = 15 * 24 * time.Hour
	// DefaultPaymentTimeout is how long a created payment's wallet page stays
	// usable when Config.PaymentTimeout is 0.
	DefaultPaymentTimeout = 24 * time.Hour
	// IDTokenLifetime is the id_token lifetime; grant and refresh answer
	// expires_in 3600 (docs/gateways/bkash.md §4.2).
	IDTokenLifetime = 3600 * time.Second
	// RefreshTokenLifetime is how long a refresh_token mints id_tokens,
	// counted from its first issue; refreshing does not extend it (docs/gateways/bkash.md §4.2, §2.3).
	RefreshTokenLifetime = 28 * 24 * time.Hour
	// MinAmount is the smallest amount bKash takes, in paisa: ৳1
	// (docs/gateways/bkash.md §5.3); create refuses less with 2006.
	MinAmount = 100
	// MaxRefunds is the number of refunds one payment accepts (docs/gateways/bkash.md §9.4 "Up to
	// 10 partial refunds"); the next gets 2074.
	MaxRefunds = 10
)

// Credentials are what a merchant client needs besides the base URL. They are
// served as JSON at GET /credentials with the keys username, password,
// app_key and app_secret (docs/platform.md §4).
type Credentials struct {
	// Username is sent in the "username" header of grant and refresh.
	Username string `json:"username"`
	// Password is sent in the "password" header of grant and refresh.
	Password string `json:"password"`
	// AppKey is sent as app_key in the token bodies and as the X-APP-Key header.
	AppKey string `json:"app_key"`
	// AppSecret is sent as app_secret in the token bodies.
	AppSecret string `json:"app_secret"`
}

// DefaultCredentials returns the simulator's fixed sandbox credentials, used
// when Config.Credentials is the zero value. They are invented for the
// simulator and are not bKash's public sandbox credentials.
func DefaultCredentials() Credentials {
	return Credentials{
		Username:  "sandboxTokenizedUser01",
		Password:  "sandboxTokenizedUser01@pc0011",
		AppKey:    "9sh4ihe0he4qdyx44081ou3da4",
		AppSecret: "ywoy0ryIJKhwTj1oTuGGEehucfU6M6vpulLjnvxKLUuolJBBaO",
	}
}

// Config configures a Simulator. Every zero field has a working default.
type Config struct {
	// PublicURL is the absolute URL where Handler is mounted, without a
	// trailing slash, e.g. "http://127.0.0.1:8080/sandbox/bkash". It is used
	// to build the bkashURL of create. When empty, the simulator derives it
	// from each create request (scheme, Host and the prefix removed by
	// http.StripPrefix).
	PublicURL string
	// Credentials are the accepted credentials; zero → DefaultCredentials().
	Credentials Credentials
	// Clock returns the current time; nil → time.Now. All expiry logic (tokens,
	// payment timeout, refund window, duplicate window) and all timestamps use
	// it. Fault delays use real time.
	Clock func() time.Time
	// RefundWindow is how long after execute a payment may be refunded; later
	// refunds get 2071 (docs/gateways/bkash.md §9.4). 0 → DefaultRefundWindow.
	RefundWindow time.Duration
	// DuplicateWindow: an execute whose payer wallet and amount equal those of
	// a payment completed less than this long ago gets 2029 "Duplicate for all
	// transactions" (docs/gateways/bkash.md §10.1, §5.3). 0 disables the check.
	DuplicateWindow time.Duration
	// PaymentTimeout is how long after create the wallet page accepts the
	// customer; afterwards the page answers 404 and query reports "Expired".
	// It does not affect payments already approved. 0 → DefaultPaymentTimeout.
	PaymentTimeout time.Duration
	// MaxAmount is bKash's per-transaction maximum in paisa: create refuses
	// a larger amount with 2006 "Invalid amount". The figure depends on the
	// merchant's account and is not in the sources (docs/gateways/bkash.md
	// §5.3), so 0 means no maximum. Amounts under MinAmount (৳1) are always
	// refused with 2006.
	MaxAmount int64
	// TokenCallsPerHour is how many token calls (grant and refresh, with
	// the right credentials) bKash takes within any hour; the next one
	// blocks the merchant for an hour: every token call then answers HTTP 429
	// {"message":"Too Many Requests"} (docs/gateways/bkash.md §4.3; the
	// answer's shape is the simulator's choice). 0 means no limit (bKash
	// says "about two": tests set 2).
	TokenCallsPerHour int
	// ForbiddenOnBadCredentials answers bad credentials at grant and
	// refresh with HTTP 403 {"message":"Forbidden"} (the other shape seen,
	// docs/gateways/bkash.md §4.4) instead of bKash's HTTP 200 statusCode
	// 9999.
	ForbiddenOnBadCredentials bool
	// IPNSignatureVersion is the SNS SignatureVersion of the IPNs the
	// simulator signs: "1" (SHA1withRSA, what bKash uses; also when empty)
	// or "2" (SHA256withRSA).
	IPNSignatureVersion string
}

// Simulator is an in-memory bKash Tokenized Checkout server. All payment and
// token state lives behind one mutex (faults and call counts keep their
// own); a Simulator is safe for concurrent use and can serve several clients
// at once. Create it with New.
type Simulator struct {
	cfg   Config
	creds Credentials
	now   func() time.Time
	mux   *http.ServeMux

	mu            sync.Mutex
	idTokens      map[string]time.Time // id_token → expiry
	refreshTokens map[string]time.Time // refresh_token → expiry (first issue + 28 days)
	grantsPerHour map[int64]int        // Unix hour → grants
	payments      map[string]*payment  // paymentID → payment
	byTrxID       map[string]*payment  // payment trxID → payment
	usedTrxIDs    map[string]bool      // every trxID issued (payments and refunds)
	tokenCalls    []time.Time          // token calls within the last hour (Config.TokenCallsPerHour)
	blockedUntil  time.Time            // token calls refused until then

	ipn    ipnSigner     // SNS signing key and certificate; guards itself
	stats  *simkit.Stats // calls by endpoint key; not guarded by mu
	faults simkit.Faults // active faults by endpoint key; not guarded by mu

	errBodies errorBodies // active errorCode answers by endpoint key (errorbody.go); not guarded by mu
}

// New returns a Simulator for cfg, with defaults for zero fields. It does no
// I/O and starts no goroutine.
func New(cfg Config) *Simulator {
	if cfg.Credentials == (Credentials{}) {
		cfg.Credentials = DefaultCredentials()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RefundWindow <= 0 {
		cfg.RefundWindow = DefaultRefundWindow
	}
	if cfg.PaymentTimeout <= 0 {
		cfg.PaymentTimeout = DefaultPaymentTimeout
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Simulator{
		cfg:           cfg,
		creds:         cfg.Credentials,
		now:           cfg.Clock,
		idTokens:      map[string]time.Time{},
		refreshTokens: map[string]time.Time{},
		grantsPerHour: map[int64]int{},
		payments:      map[string]*payment{},
		byTrxID:       map[string]*payment{},
		usedTrxIDs:    map[string]bool{},
		stats:         simkit.NewStats(endpoints...),
	}
	s.mux = s.routes()
	return s
}

// Handler returns the simulator's HTTP handler. Its paths are relative to the
// mount point (see the package doc); paycore mounts it with
// http.StripPrefix("/sandbox/bkash", h).
func (s *Simulator) Handler() http.Handler { return s.mux }

// Credentials returns the credentials the simulator accepts.
func (s *Simulator) Credentials() Credentials { return s.creds }

// Stats returns the number of calls per endpoint key since New or the last
// ResetStats. Every key of the package's Endpoint* constants is present.
func (s *Simulator) Stats() map[string]int { return s.stats.Snapshot() }

// ResetStats sets every call count and the hourly grant counts to zero.
func (s *Simulator) ResetStats() {
	s.stats.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.grantsPerHour)
}

// GrantsInHour returns the number of successful grants during the clock hour
// (UTC) that contains t, on the simulator's clock. bKash blocks merchants that
// grant too often (docs/gateways/bkash.md §4.3); tests use this to check a client reuses tokens.
func (s *Simulator) GrantsInHour(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grantsPerHour[t.Unix()/3600]
}

// Close lets go of every request held by a "no_answer" fault, now and later
// (their connections are closed without a response). Call it before shutting
// down the HTTP server so shutdown does not wait for clients to give up.
func (s *Simulator) Close() { s.faults.Close() }

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(path, key string, fn apiFunc) {
		mux.HandleFunc("POST "+APIPrefix+path, func(w http.ResponseWriter, r *http.Request) {
			body, ok := readBody(w, r)
			if ok {
				s.serveAPI(w, r, key, fn, body)
			}
		})
	}
	api("/token/grant", EndpointGrant, s.grant)
	api("/token/refresh", EndpointRefresh, s.refresh)
	api("/create", EndpointCreate, s.create)
	api("/execute", EndpointExecute, s.execute)
	api("/payment/status", EndpointQuery, s.query)
	api("/general/searchTransaction", EndpointSearch, s.search)
	mux.HandleFunc("POST "+APIPrefix+"/payment/refund", s.serveRefund)
	for path, ep := range map[string]struct {
		key string
		fn  apiFunc
	}{
		"/refund/payment/transaction": {EndpointRefundV2, s.refundV2},
		"/refund/payment/status":      {EndpointRefundStatusV2, s.refundStatusV2},
	} {
		mux.HandleFunc("POST "+APIPrefixV2+path, func(w http.ResponseWriter, r *http.Request) {
			if body, ok := readBody(w, r); ok {
				s.serveAPI(w, r, ep.key, ep.fn, body)
			}
		})
	}

	mux.HandleFunc("GET "+IPNCertPath, s.serveIPNCert)
	mux.HandleFunc("GET "+IPNConfirmPath, s.serveIPNConfirm)
	mux.HandleFunc("GET /checkout", s.servePage)
	mux.HandleFunc("POST /checkout", s.submitPage)

	s.stats.Register(mux, s.ResetStats)
	mux.Handle("GET /credentials", simkit.StaticJSON(s.creds))
	(&simkit.FaultsHandler{
		Faults: &s.faults, Endpoints: endpoints, Modes: faultModes, ReadBody: readBody,
		ErrorBody: func(msg string) any { return messageBody{msg} },
	}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		simkit.WriteJSON(w, http.StatusNotFound, messageBody{messageRouteNotFound})
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
		simkit.WriteJSON(w, http.StatusBadRequest, status(codeInvalidBody))
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
