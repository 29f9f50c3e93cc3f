package redirectgw

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// fuzzReturnKey signs the returns of FuzzCheckReturn.
var fuzzReturnKey = []byte("fuzz-return-key-0123456789abcdef-0123")

// independentMAC is the documented return MAC, computed without the
// package's code: HMAC-SHA256 over the label and "\n<len>:<value>" for
// kind, attempt, amount, currency and expiry.
func independentMAC(kind, att, amt, cur, exp string) []byte {
	h := hmac.New(sha256.New, fuzzReturnKey)
	h.Write([]byte("paycore/redirectgw/return/v1"))
	for _, v := range []string{kind, att, amt, cur, exp} {
		_, _ = fmt.Fprintf(h, "\n%d:%s", len(v), v)
	}
	return h.Sum(nil)
}

// FuzzCheckReturn: CheckReturn (and VerifyReturn) never panic and never
// accept a tampered query. A fuzzed query, a genuine return URL with fuzzed
// text appended to its query or to its mac (the naive "?transaction_id="
// concatenation CheckReturn repairs), and a genuine one with one signed
// value replaced are all checked: an accepted return must carry exactly
// one each of the signed parameters, with the MAC computed here over them,
// be one of the two URLs the client signed, be unexpired, and (success)
// carry one well-formed transaction_id. Genuine unexpired returns are
// accepted. Seeds: testdata/fuzz/FuzzCheckReturn.
func FuzzCheckReturn(f *testing.F) {
	f.Add("att=att_1&amt=15050&cur=BDT&exp=1764003600&ret=success&mac=AAAA&transaction_id=TX1", "att_1", int64(15050), int64(3600), "TX1", uint8(0))
	f.Add("transaction_id=TXN00001", "att_fuzz", int64(1), int64(0), "TXN00001", uint8(1))
	f.Add("?transaction_id=TXN00001", "att_fuzz", int64(1), int64(-1), "TXN00001", uint8(2))
	f.Add("", "att_x", int64(9223372036854775807), int64(60), "", uint8(3))
	now := time.Unix(1_764_000_000, 0).UTC()
	c, err := New(Config{BaseURL: "https://gw.example", APIKey: "k", ClientBaseURL: "https://shop.example",
		CallbackBaseURL: "https://paycore.example", ReturnKey: fuzzReturnKey})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, attempt string, minor, ttl int64, txn string, mode uint8) {
		if minor <= 0 {
			minor = 1 - minor%1_000_000_000
		}
		amount := domain.MustMoney(minor, "BDT")
		ttl %= 1 << 32
		exp := now.Add(time.Duration(ttl) * time.Second)
		signed := map[ReturnKind]string{
			ReturnSuccess: c.returnURL(ReturnSuccess, attempt, amount, exp),
			ReturnCancel:  c.returnURL(ReturnCancel, attempt, amount, exp),
		}

		// strict: q derives from this iteration's URLs, so an accepted claim
		// must be one of them (a fuzzed query may hold a seed signed
		// with the key for another attempt: the MAC check covers it).
		check := func(what string, q url.Values, strict bool) (ReturnClaim, bool) {
			t.Helper()
			claim, err := c.CheckReturn(q, now)
			sr, verr := c.VerifyReturn(q, now)
			if (err == nil) != (verr == nil) {
				t.Fatalf("%s: CheckReturn error %v, VerifyReturn error %v", what, err, verr)
			}
			if err != nil {
				if !errors.Is(err, ErrBadReturn) || !errors.Is(verr, ports.ErrBadReturn) {
					t.Fatalf("%s: error %v / %v does not match ErrBadReturn", what, err, verr)
				}
				if macs := q[ParamMAC]; len(macs) > 0 && len(macs[0]) >= 16 && strings.Contains(err.Error(), macs[0]) {
					t.Fatalf("%s: error %q shows the mac", what, err)
				}
				return ReturnClaim{}, false
			}
			amt := fmt.Sprint(claim.Amount.Minor())
			cur := claim.Amount.Currency().Code
			expText := fmt.Sprint(claim.ExpiresAt.Unix())
			if !hmac.Equal(independentMAC(string(claim.Kind), claim.AttemptID, amt, cur, expText), macOf(q)) {
				t.Fatalf("%s: accepted %v without the MAC of its claim %+v", what, q, claim)
			}
			if strict && (claim.AttemptID != attempt || !claim.Amount.Equal(amount) || !claim.ExpiresAt.Equal(time.Unix(exp.Unix(), 0))) {
				t.Fatalf("%s: accepted a claim the client never signed: %+v", what, claim)
			}
			if now.After(claim.ExpiresAt) {
				t.Fatalf("%s: accepted an expired return: %+v", what, claim)
			}
			switch claim.Kind {
			case ReturnSuccess:
				if !validTransactionID(claim.TransactionID) {
					t.Fatalf("%s: accepted transaction_id %q", what, claim.TransactionID)
				}
			case ReturnCancel:
				if claim.TransactionID != "" {
					t.Fatalf("%s: cancel return carries transaction_id %q", what, claim.TransactionID)
				}
			default:
				t.Fatalf("%s: accepted kind %q", what, claim.Kind)
			}
			if sr.Kind != ports.ReturnKind(claim.Kind) || sr.AttemptID != claim.AttemptID || !sr.Amount.Equal(claim.Amount) ||
				sr.TransactionID != claim.TransactionID || !sr.ExpiresAt.Equal(claim.ExpiresAt) {
				t.Fatalf("%s: VerifyReturn %+v differs from CheckReturn %+v", what, sr, claim)
			}
			return claim, true
		}

		// 1. Any query at all.
		if q, err := url.ParseQuery(raw); err == nil {
			check("fuzzed query", q, false)
		}

		kind := ReturnSuccess
		if mode%2 == 1 {
			kind = ReturnCancel
		}
		u, _ := url.Parse(signed[kind])
		genuine := u.RawQuery

		// 2. The genuine return as the gateway sends it.
		sep := "&"
		if mode&2 != 0 {
			sep = "?" // naive concatenation onto the mac
		}
		q, err := url.ParseQuery(genuine + sep + ParamTransactionID + "=" + url.QueryEscape(txn))
		if err != nil {
			t.Fatalf("genuine return %q does not parse: %v", genuine, err)
		}
		_, ok := check("genuine", q, true)
		// An empty attempt ID (never made by paycore) signs an empty att,
		// which CheckReturn refuses as missing.
		want := attempt != "" && !now.After(time.Unix(exp.Unix(), 0)) && (kind == ReturnCancel || validTransactionID(txn))
		if sep == "?" {
			// After a '?' in the mac the text is unescaped twice and read
			// as more parameters: a transaction_id holding '%' no longer
			// parses (refused, the safe side); one holding '&' or '='
			// yields another id or other parameters. The id is unsigned
			// in any case (Confirm verifies it with the gateway).
			inner, perr := url.ParseQuery(ParamTransactionID + "=" + txn)
			ids := inner[ParamTransactionID]
			for k := range inner {
				if k != ParamTransactionID && k != "" && slices.Contains([]string{ParamKind, ParamAttempt, ParamAmount, ParamCurrency, ParamExpiry, ParamMAC}, k) {
					perr = errors.New("repeats a signed parameter")
				}
			}
			want = attempt != "" && !now.After(time.Unix(exp.Unix(), 0)) && perr == nil &&
				(kind == ReturnCancel || (len(ids) == 1 && validTransactionID(ids[0])))
		}
		if ok != want {
			t.Fatalf("genuine %s return (ttl %ds, transaction_id %q) accepted = %v", kind, ttl, txn, ok)
		}

		// 3. The genuine query with fuzzed text appended, to it or to the mac.
		if q, err := url.ParseQuery(genuine + "&" + raw); err == nil {
			check("appended", q, true)
		}
		if q, err := url.ParseQuery(genuine + raw); err == nil {
			check("appended to mac", q, true)
		}

		// 4. One signed value replaced by the fuzzed text.
		for _, k := range []string{ParamKind, ParamAttempt, ParamAmount, ParamCurrency, ParamExpiry, ParamMAC} {
			q, _ := url.ParseQuery(genuine)
			q.Set(k, raw)
			q.Set(ParamTransactionID, "TXN00001")
			check("replaced "+k, q, true) // accepted only if raw is the signed value itself
		}
	})
}

// macOf returns the decoded mac of an accepted query: the value, cut at a
// '?' (the repaired concatenation).
func macOf(q url.Values) []byte {
	m, _, _ := strings.Cut(q.Get(ParamMAC), "?")
	b, _ := base64.RawURLEncoding.DecodeString(m)
	return b
}
