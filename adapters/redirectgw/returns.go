package redirectgw

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ReturnKind says which of paycore's return routes a signed URL was made for.
type ReturnKind string

// Return kinds. The kind is signed, so a cancel URL cannot pass for a
// success URL.
const (
	ReturnSuccess ReturnKind = "success" // success_url: SuccessPath
	ReturnCancel  ReturnKind = "cancel"  // cancel_url: CancelPath
)

// Query parameters of the signed return URLs. All but ParamTransactionID are
// paycore's and signed; the gateway appends ParamTransactionID to success_url.
const (
	ParamAttempt       = "att"            // attempt ID
	ParamAmount        = "amt"            // amount in minor units (paisa)
	ParamCurrency      = "cur"            // ISO 4217 code
	ParamExpiry        = "exp"            // expiry, unix seconds
	ParamKind          = "ret"            // ReturnSuccess or ReturnCancel
	ParamMAC           = "mac"            // base64url HMAC-SHA256, always last
	ParamTransactionID = "transaction_id" // the gateway's proof of payment, unsigned
)

// macLabel starts every MAC input, so that the return key signs nothing else
// by accident, and versions the format.
const macLabel = "paycore/redirectgw/return/v1"

// maxTransactionIDLen bounds a transaction_id; the document's example has 10
// characters.
const maxTransactionIDLen = 64

// ReturnClaim is what a correctly signed return URL says. It is a claim, not
// proof of payment: the signature binds the attempt, the amount and the
// expiry to a URL paycore gave the gateway, while TransactionID is whatever
// the browser brought back (see Confirm).
type ReturnClaim struct {
	// Kind is the route the URL was made for.
	Kind ReturnKind
	// AttemptID is the attempt the URL was made for.
	AttemptID string
	// Amount is the attempt's amount the URL was made for.
	Amount domain.Money
	// ExpiresAt is when the URL stops being accepted.
	ExpiresAt time.Time
	// TransactionID is the gateway's transaction_id; set on success returns,
	// "" on cancel returns (where it is ignored).
	TransactionID string
}

// returnURL builds the signed success_url or cancel_url of an attempt:
// {CallbackBaseURL}{SuccessPath|CancelPath}?att=…&amt=…&cur=…&exp=…&ret=…&mac=…
// with mac last, so that a gateway appending "?transaction_id=…" to a URL
// that already has a query only spoils the MAC's value, which CheckReturn
// repairs.
func (c *Client) returnURL(kind ReturnKind, attemptID string, amount domain.Money, expires time.Time) string {
	path := SuccessPath
	if kind == ReturnCancel {
		path = CancelPath
	}
	amt := strconv.FormatInt(amount.Minor(), 10)
	cur := amount.Currency().Code
	exp := strconv.FormatInt(expires.Unix(), 10)
	mac := c.mac(string(kind), attemptID, amt, cur, exp)
	return c.back + path + "?" +
		ParamAttempt + "=" + url.QueryEscape(attemptID) +
		"&" + ParamAmount + "=" + amt +
		"&" + ParamCurrency + "=" + url.QueryEscape(cur) +
		"&" + ParamExpiry + "=" + exp +
		"&" + ParamKind + "=" + string(kind) +
		"&" + ParamMAC + "=" + base64.RawURLEncoding.EncodeToString(mac)
}

// mac is HMAC-SHA256(ReturnKey) over the label and each value prefixed with
// its length, so that no two different tuples share an input.
func (c *Client) mac(values ...string) []byte {
	h := hmac.New(sha256.New, c.cfg.ReturnKey)
	h.Write([]byte(macLabel))
	for _, v := range values {
		_, _ = fmt.Fprintf(h, "\n%d:%s", len(v), v) // writes to a hash.Hash never fail
	}
	return h.Sum(nil)
}

// CheckReturn checks the query of a browser return to SuccessPath or
// CancelPath: every signed parameter present exactly once, the MAC (compared
// in constant time with hmac.Equal), the expiry against now, and, on a
// success return, a transaction_id of 1–64 letters, digits, '-', '_' or '.'.
// It returns the signed claim with the gateway's transaction_id. Errors
// match ErrBadReturn (ErrReturnExpired too for an expired one) and never
// contain the MAC.
//
// VerifyReturn is the same check in ports' terms, for the core's return
// routes; Confirm calls CheckReturn again and checks the claim against the
// attempt.
//
// CheckReturn does not make a return single-use: the same URL verifies
// until it expires. Single use is the caller's state machine's job: an
// attempt settles once, under a row lock, and a gateway transaction_id
// settles one attempt at most (a UNIQUE index), so a replayed return finds
// the attempt already settled and changes nothing.
//
// A gateway that appends "?transaction_id=…" to a URL that already has a
// query (naive string concatenation) is tolerated: the text after a '?' in
// the mac value is read as more query parameters.
func (c *Client) CheckReturn(query url.Values, now time.Time) (ReturnClaim, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	if macs := q[ParamMAC]; len(macs) == 1 {
		if m, rest, ok := strings.Cut(macs[0], "?"); ok {
			q[ParamMAC] = []string{m}
			extra, err := url.ParseQuery(rest)
			if err != nil {
				return ReturnClaim{}, fmt.Errorf("%w: malformed query after mac", ErrBadReturn)
			}
			for k, v := range extra {
				q[k] = append(q[k], v...)
			}
		}
	}
	var vals [6]string
	for i, k := range []string{ParamKind, ParamAttempt, ParamAmount, ParamCurrency, ParamExpiry, ParamMAC} {
		v := q[k]
		if len(v) != 1 || v[0] == "" {
			return ReturnClaim{}, fmt.Errorf("%w: parameter %q missing or repeated", ErrBadReturn, k)
		}
		vals[i] = v[0]
	}
	kind, att, amt, cur, exp, macText := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	got, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil || !hmac.Equal(got, c.mac(kind, att, amt, cur, exp)) {
		return ReturnClaim{}, fmt.Errorf("%w: signature does not match", ErrBadReturn)
	}
	// Signed by us from here on; the checks below guard against our own bugs
	// and old formats.
	claim := ReturnClaim{Kind: ReturnKind(kind), AttemptID: att}
	if claim.Kind != ReturnSuccess && claim.Kind != ReturnCancel {
		return ReturnClaim{}, fmt.Errorf("%w: unknown kind", ErrBadReturn)
	}
	minor, err := strconv.ParseInt(amt, 10, 64)
	if err != nil || minor <= 0 {
		return ReturnClaim{}, fmt.Errorf("%w: malformed amount", ErrBadReturn)
	}
	if claim.Amount, err = domain.NewMoney(minor, cur); err != nil {
		return ReturnClaim{}, fmt.Errorf("%w: malformed amount: %w", ErrBadReturn, err)
	}
	expUnix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return ReturnClaim{}, fmt.Errorf("%w: malformed expiry", ErrBadReturn)
	}
	claim.ExpiresAt = time.Unix(expUnix, 0).UTC()
	if now.After(claim.ExpiresAt) {
		return ReturnClaim{}, fmt.Errorf("%w (attempt %s, at %s)", ErrReturnExpired, att, claim.ExpiresAt.Format(time.RFC3339))
	}
	if claim.Kind == ReturnSuccess {
		ids := q[ParamTransactionID]
		if len(ids) != 1 || !validTransactionID(ids[0]) {
			return ReturnClaim{}, fmt.Errorf("%w: success return without one well-formed transaction_id", ErrBadReturn)
		}
		claim.TransactionID = ids[0]
	}
	return claim, nil
}

// VerifyReturn implements ports.ReturnVerifier with CheckReturn: query is a
// browser return's query parameters as received (several values per name
// are kept, so a repeated parameter is refused), now the time to check the
// expiry against. It returns the signed claim as a ports.SignedReturn (Kind
// ports.ReturnSuccess or ports.ReturnCancel; Amount in minor units with its
// currency; TransactionID "" on cancel returns).
//
// Errors: an expired but correctly signed return matches
// ports.ErrReturnExpired (and ports.ErrBadReturn, ErrReturnExpired,
// ErrBadReturn); any other refusal matches ports.ErrBadReturn and
// ErrBadReturn. Their text never contains the MAC.
func (c *Client) VerifyReturn(query map[string][]string, now time.Time) (ports.SignedReturn, error) {
	claim, err := c.CheckReturn(url.Values(query), now)
	switch {
	case errors.Is(err, ErrReturnExpired):
		return ports.SignedReturn{}, fmt.Errorf("%w: %w", ports.ErrReturnExpired, err)
	case err != nil:
		return ports.SignedReturn{}, fmt.Errorf("%w: %w", ports.ErrBadReturn, err)
	}
	return ports.SignedReturn{Kind: ports.ReturnKind(claim.Kind), AttemptID: claim.AttemptID, Amount: claim.Amount,
		ExpiresAt: claim.ExpiresAt, TransactionID: claim.TransactionID}, nil
}

// validTransactionID accepts 1–64 letters, digits, '-', '_' and '.'.
func validTransactionID(s string) bool {
	if s == "" || len(s) > maxTransactionIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-', b == '_', b == '.':
		default:
			return false
		}
	}
	return true
}
