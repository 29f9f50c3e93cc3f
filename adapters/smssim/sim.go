package smssim

import (
	"net/http"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// Endpoint keys used by Stats, SetFault and the /stats and /faults routes.
const (
	EndpointSend            = "send"             // GET|POST /api/smsapi (BulkSMSBD)
	EndpointBalance         = "balance"          // GET|POST /api/getBalanceApi (BulkSMSBD)
	EndpointGreenWebSend    = "greenweb_send"    // GET|POST /api.php (GreenWeb)
	EndpointGreenWebBalance = "greenweb_balance" // GET|POST /g_api.php (GreenWeb)
)

// endpoints lists every endpoint key, in route order.
var endpoints = []string{EndpointSend, EndpointBalance, EndpointGreenWebSend, EndpointGreenWebBalance}

// Provider names recorded in Message.Provider.
const (
	ProviderBulkSMSBD = "bulksmsbd" // sent through /api/smsapi
	ProviderGreenWeb  = "greenweb"  // sent through /api.php
)

// Defaults applied by New to zero Config fields. The keys are invented for
// the simulator; they are no provider's real credentials.
const (
	// DefaultAPIKey is the BulkSMSBD api_key accepted when Config.APIKey is "".
	DefaultAPIKey = "pcSandboxSmsApiKey01"
	// DefaultSenderID is the BulkSMSBD senderid accepted when
	// Config.SenderID is "" (a non-masking number, as BulkSMSBD issues).
	DefaultSenderID = "8809601000123"
	// DefaultGreenWebToken is the GreenWeb token accepted when
	// Config.GreenWebToken is "".
	DefaultGreenWebToken = "pcSandboxGreenWebToken01"
	// DefaultBalance is the starting balance in paisa when Config.Balance is
	// 0: Tk 1,000.00.
	DefaultBalance int64 = 100000
	// DefaultPricePerSegment is the price of one segment in paisa when
	// Config.PricePerSegment is 0: Tk 0.35.
	DefaultPricePerSegment int64 = 35
	// FirstMessageID is the BulkSMSBD message_id of the first message sent;
	// each send request gets the next one.
	FirstMessageID int64 = 50000001
)

// Credentials are what an SMS client needs besides the base URL, served as
// JSON at GET /credentials (docs/platform.md §4).
type Credentials struct {
	// APIKey is BulkSMSBD's api_key.
	APIKey string `json:"api_key"`
	// SenderID is BulkSMSBD's approved senderid.
	SenderID string `json:"senderid"`
	// GreenWebToken is GreenWeb's token.
	GreenWebToken string `json:"greenweb_token"`
}

// Config configures a Simulator. Every zero field has a working default.
type Config struct {
	// APIKey is the BulkSMSBD api_key accepted; "" → DefaultAPIKey.
	APIKey string
	// SenderID is the BulkSMSBD senderid accepted; "" → DefaultSenderID.
	SenderID string
	// GreenWebToken is the GreenWeb token accepted; "" →
	// DefaultGreenWebToken.
	GreenWebToken string
	// Balance is the account's starting balance in paisa, shared by both
	// APIs; 0 → DefaultBalance, a negative value starts the account empty
	// (every send then gets 1007). SetBalance changes it later.
	Balance int64
	// PricePerSegment is what one segment (SMS part) to one number costs, in
	// paisa; 0 → DefaultPricePerSegment.
	PricePerSegment int64
	// Clock returns the current time for Message.Time; nil → time.Now. Fault
	// delays use real time.
	Clock func() time.Time
}

// Simulator is an in-memory SMS gateway speaking BulkSMSBD's and GreenWeb's
// HTTP APIs. It is safe for concurrent use. Create it with New.
type Simulator struct {
	creds Credentials
	price int64 // paisa per segment
	now   func() time.Time
	mux   *http.ServeMux

	mu       sync.Mutex
	balance  int64 // paisa
	nextID   int64 // next BulkSMSBD message_id
	messages []Message

	stats  *simkit.Stats // calls by endpoint key; not guarded by mu
	faults simkit.Faults // active faults by endpoint key; not guarded by mu
}

// New returns a Simulator for cfg, with defaults for zero fields. It does no
// I/O and starts no goroutine.
func New(cfg Config) *Simulator {
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.SenderID == "" {
		cfg.SenderID = DefaultSenderID
	}
	if cfg.GreenWebToken == "" {
		cfg.GreenWebToken = DefaultGreenWebToken
	}
	switch {
	case cfg.Balance == 0:
		cfg.Balance = DefaultBalance
	case cfg.Balance < 0:
		cfg.Balance = 0
	}
	if cfg.PricePerSegment <= 0 {
		cfg.PricePerSegment = DefaultPricePerSegment
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Simulator{
		creds:   Credentials{APIKey: cfg.APIKey, SenderID: cfg.SenderID, GreenWebToken: cfg.GreenWebToken},
		price:   cfg.PricePerSegment,
		now:     cfg.Clock,
		balance: cfg.Balance,
		nextID:  FirstMessageID,
		stats:   simkit.NewStats(endpoints...),
	}
	s.mux = s.routes()
	return s
}

// Handler returns the simulator's HTTP handler. Its paths are relative to the
// mount point (see the package doc); paycore mounts it with
// http.StripPrefix("/sandbox/sms", h).
func (s *Simulator) Handler() http.Handler { return s.mux }

// Credentials returns the credentials the simulator accepts.
func (s *Simulator) Credentials() Credentials { return s.creds }

// PricePerSegment returns the price of one segment to one number, in paisa.
func (s *Simulator) PricePerSegment() int64 { return s.price }

// Balance returns the account's balance in paisa.
func (s *Simulator) Balance() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balance
}

// SetBalance sets the account's balance, in paisa (negative → 0). With 0,
// every send gets 1007 (insufficient balance).
func (s *Simulator) SetBalance(paisa int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance = max(paisa, 0)
}

// Messages returns every message accepted so far, oldest first (one per
// recipient number).
func (s *Simulator) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesTo returns the messages accepted for one number, oldest first.
// to may be written 8801XXXXXXXXX, +8801XXXXXXXXX or 01XXXXXXXXX.
func (s *Simulator) MessagesTo(to string) []Message {
	out := []Message{}
	for _, m := range s.Messages() {
		if sameNumber(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// ClearMessages forgets every recorded message; the balance is unchanged.
func (s *Simulator) ClearMessages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
}

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
	api := func(path, key string, op, internal apiFunc) {
		h := func(w http.ResponseWriter, r *http.Request) {
			p, ok := readParams(w, r)
			if ok {
				s.serveAPI(w, r, key, p, op, internal)
			}
		}
		mux.HandleFunc("GET "+path, h)
		mux.HandleFunc("POST "+path, h)
	}
	api("/api/smsapi", EndpointSend, s.bulkSend, bulkInternal)
	api("/api/getBalanceApi", EndpointBalance, s.bulkBalance, bulkInternal)
	api("/api.php", EndpointGreenWebSend, s.greenSend, greenSendInternal)
	api("/g_api.php", EndpointGreenWebBalance, s.greenBalance, greenBalanceInternal)

	mux.HandleFunc("GET /messages", s.listMessages)
	mux.HandleFunc("DELETE /messages", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearMessages()
		simkit.WriteJSON(w, http.StatusOK, []Message{})
	})
	mux.HandleFunc("GET /account", s.getAccount)
	mux.HandleFunc("POST /account", s.postAccount)
	s.stats.Register(mux, nil)
	mux.Handle("GET /credentials", simkit.StaticJSON(s.creds))
	(&simkit.FaultsHandler{
		Faults: &s.faults, Endpoints: endpoints, Modes: faultModes,
		ErrorBody: func(msg string) any { return messageBody{msg} },
	}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		simkit.WriteJSON(w, http.StatusNotFound, messageBody{"Not Found"})
	})
	return mux
}
