package bkash

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
)

// codeOK is bKash's success statusCode (docs/gateways/bkash.md §2.6).
const codeOK = "0000"

// Transaction statuses bKash reports (docs/gateways/bkash.md §8.3).
const (
	StatusInitiated  = "Initiated"
	StatusCompleted  = "Completed"
	StatusAuthorized = "Authorized"
)

// ParseTime reads a bKash timestamp: "2025-11-24T21:20:00:123 GMT+0600"
// (a colon before the milliseconds, docs/gateways/bkash.md §11.1), the same without milliseconds
// or without zone (then Asia/Dhaka, UTC+6, is assumed: docs/gateways/bkash.md §11.1), or RFC
// 3339. "" gives the zero time and no error.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	date, zone, _ := strings.Cut(s, " ")
	if len(date) > 19 && date[19] == ':' {
		date = date[:19] + "." + date[20:]
	}
	loc := domain.Dhaka // bKash's zone-less timestamps (docs/gateways/bkash.md §11.1)
	if zone != "" {
		var err error
		if loc, err = parseZone(zone); err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", s, err)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", date, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: not a bKash timestamp", s)
}

// parseZone reads "GMT+0600", "GMT+06:00", "UTC", "GMT" or "+0600".
func parseZone(z string) (*time.Location, error) {
	off := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(z), "GMT"), "UTC")
	if off == "" {
		return time.UTC, nil
	}
	off = strings.ReplaceAll(off, ":", "")
	if len(off) != 5 || (off[0] != '+' && off[0] != '-') {
		return nil, errors.New("bad zone")
	}
	hh, err1 := strconv.Atoi(off[1:3])
	mm, err2 := strconv.Atoi(off[3:5])
	if err1 != nil || err2 != nil || hh > 14 || mm > 59 {
		return nil, errors.New("bad zone")
	}
	secs := hh*3600 + mm*60
	if off[0] == '-' {
		secs = -secs
	}
	if secs == 6*3600 {
		return domain.Dhaka, nil
	}
	return time.FixedZone("GMT"+off, secs), nil
}

// fields is a JSON object as bKash sent it.
type fields map[string]json.RawMessage

// get returns the first of names present and not null.
func (f fields) get(names ...string) (json.RawMessage, string) {
	for _, n := range names {
		if v, ok := f[n]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return v, n
		}
	}
	return nil, ""
}

// str returns the first of names as a string: a JSON string's value, or a
// JSON number's text; "" when absent or of another kind.
func (f fields) str(names ...string) string {
	v, _ := f.get(names...)
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return string(v)
	}
	return ""
}

// payloadKeys are fields that make an answer more than an error message.
var payloadKeys = []string{"statusCode", "errorCode", "paymentID", "paymentId", "trxID", "trxId", "id_token",
	"refundTrxID", "refundTrxId", "originalTrxID", "originalTrxId", "transactionStatus"}

// messageOnly reports a body like {"message":"Unauthorized"} (docs/gateways/bkash.md §10.2):
// no statusCode and nothing but error text.
func (f fields) messageOnly() bool {
	if _, ok := f["message"]; !ok {
		if _, ok := f["Message"]; !ok {
			return false
		}
	}
	v, _ := f.get(payloadKeys...)
	return v == nil
}

// decoder reads fields into typed values and keeps the first error.
type decoder struct {
	f   fields
	err error
}

func (d *decoder) str(names ...string) string { return d.f.str(names...) }

// money reads an amount ("500", "500.00" or a JSON number) exactly into BDT
// paisa. Absent: the zero Money (no currency). "0.00": 0 BDT.
func (d *decoder) money(names ...string) domain.Money {
	v, name := d.f.get(names...)
	if v == nil {
		return domain.Money{}
	}
	m, err := domain.ParseAmountJSON(v, domain.BDT.Code)
	if errors.Is(err, domain.ErrZeroAmount) {
		return domain.MustMoney(0, domain.BDT.Code)
	}
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("field %s: %w", name, err)
	}
	return m
}

func (d *decoder) time(names ...string) time.Time {
	s := d.f.str(names...)
	t, err := ParseTime(s)
	if err != nil && d.err == nil {
		_, name := d.f.get(names...)
		d.err = fmt.Errorf("field %s: %w", name, err)
	}
	return t
}

// seconds reads a whole number of seconds sent as a JSON number or string.
func (d *decoder) seconds(names ...string) int {
	s := d.f.str(names...)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil && d.err == nil {
		_, name := d.f.get(names...)
		d.err = fmt.Errorf("field %s: not a whole number", name)
	}
	return n
}

// lenientFields reads an answer's JSON object. A body that is not valid
// JSON only because a string holds raw control characters (bKash's sandbox
// 9999 bodies carry a raw newline inside statusMessage: docs/gateways/bkash.md
// §4.4) is read with those characters escaped.
func lenientFields(b []byte) (fields, error) {
	f, err := unmarshalFields(b)
	if err == nil {
		return f, nil
	}
	if fixed, changed := escapeControlInStrings(b); changed {
		if f, err2 := unmarshalFields(fixed); err2 == nil {
			return f, nil
		}
	}
	return nil, err
}

// escapeControlInStrings escapes raw control characters (U+0000–U+001F)
// found inside JSON strings; changed is false when there were none.
func escapeControlInStrings(b []byte) ([]byte, bool) {
	var out []byte
	inString, escaped := false, false
	for i, ch := range b {
		switch {
		case !inString:
			inString = ch == '"'
		case escaped:
			escaped = false
		case ch == '\\':
			escaped = true
		case ch == '"':
			inString = false
		case ch < 0x20:
			if out == nil {
				out = append(make([]byte, 0, len(b)+8), b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, ch)
			continue
		}
		if out != nil {
			out = append(out, ch)
		}
	}
	return out, out != nil
}

func unmarshalFields(b []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("bkash: not a JSON object")
	}
	return f, nil
}
