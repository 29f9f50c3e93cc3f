package bkash

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SNS SignatureVersion 1 is SHA1withRSA.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// DefaultIPNHosts are the hosts an IPN's SigningCertURL and SubscribeURL may
// name when IPNConfig.AllowedHosts is empty: AWS SNS's regional hosts
// (docs/gateways/bkash.md §12; "*" matches one DNS label).
var DefaultIPNHosts = []string{"sns.*.amazonaws.com"}

// IPNConfig configures an IPNReader.
type IPNConfig struct {
	// AllowedHosts are the host patterns SigningCertURL and SubscribeURL
	// must match ("*" matches exactly one DNS label); empty: DefaultIPNHosts.
	AllowedHosts []string
	// AllowHTTP also accepts http:// certificate and subscribe URLs: the
	// sandbox's simulator only. Outside sandbox they must be https.
	AllowHTTP bool
	// HTTPClient fetches certificates and confirms subscriptions; nil: a
	// client with a 10 s timeout that follows no redirect.
	HTTPClient *http.Client
	// Logger; nil discards.
	Logger *slog.Logger
}

// IPNReader verifies bKash's server-to-server notifications, delivered as
// AWS SNS messages (docs/gateways/bkash.md §12), and reads them into
// ports.GatewayClaim. It implements ports.NotificationReader; it is safe
// for concurrent use and caches each certificate by URL.
type IPNReader struct {
	hosts     []string
	allowHTTP bool
	http      *http.Client
	log       *slog.Logger

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

var _ ports.NotificationReader = (*IPNReader)(nil)

// NewIPNReader returns an IPNReader for cfg.
func NewIPNReader(cfg IPNConfig) *IPNReader {
	r := &IPNReader{hosts: cfg.AllowedHosts, allowHTTP: cfg.AllowHTTP, http: cfg.HTTPClient, log: cfg.Logger,
		certs: map[string]*x509.Certificate{}}
	if len(r.hosts) == 0 {
		r.hosts = DefaultIPNHosts
	}
	if r.http == nil {
		r.http = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("gateway", "bkash", "op", "ipn")
	return r
}

// SNSMessage is an AWS SNS HTTP(S) message (Notification,
// SubscriptionConfirmation or UnsubscribeConfirmation).
type SNSMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// SNS message types.
const (
	SNSNotification             = "Notification"
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// StringToSign is SNS's canonical string of m: for a Notification the
// lines "Message", "MessageId", "Subject" (only when present),
// "Timestamp", "TopicArn", "Type", each name followed by its value, every
// line ending in "\n"; for the confirmations "Message", "MessageId",
// "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type".
func (m SNSMessage) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == SNSNotification {
		if m.Subject != "" {
			add("Subject", m.Subject)
		}
	} else {
		add("SubscribeURL", m.SubscribeURL)
	}
	add("Timestamp", m.Timestamp)
	if m.Type != SNSNotification {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// refuse is a notification refused, wrapping ports.ErrNotificationRefused.
func refuse(format string, args ...any) error {
	return fmt.Errorf("bkash ipn: %w: %s", ports.ErrNotificationRefused, fmt.Sprintf(format, args...))
}

// Read verifies an SNS message and reads it (ports.NotificationReader): a
// SubscriptionConfirmation is confirmed by GETting its SubscribeURL (same
// host allow-list); an UnsubscribeConfirmation is only logged; a
// Notification gives its claim. Verification: SigningCertURL must be
// https (http only with AllowHTTP) on an allowed host, the certificate it
// serves (cached) must be valid now, and Signature must be its RSA
// signature over StringToSign: SHA1 for SignatureVersion "1", SHA256 for
// "2".
func (r *IPNReader) Read(ctx context.Context, body []byte) (ports.GatewayClaim, bool, error) {
	var m SNSMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return ports.GatewayClaim{}, false, refuse("not an SNS message: %v", err)
	}
	if err := r.Verify(ctx, m); err != nil {
		return ports.GatewayClaim{}, false, err
	}
	switch m.Type {
	case SNSSubscriptionConfirmation:
		return ports.GatewayClaim{}, false, r.confirm(ctx, m)
	case SNSUnsubscribeConfirmation:
		r.log.WarnContext(ctx, "bkash IPN subscription ended", "topic", m.TopicArn)
		return ports.GatewayClaim{}, false, nil
	}
	n, err := ParseIPN(m.Message)
	if err != nil {
		return ports.GatewayClaim{}, false, refuse("notification message: %v", err)
	}
	return ports.GatewayClaim{Gateway: domain.GatewayBkash, EventID: m.MessageID, AttemptRef: n.MerchantInvoiceNumber,
		GatewayRef: n.PaymentID, TrxID: n.TrxID, Amount: n.Amount, Status: n.TransactionStatus}, true, nil
}

// Verify checks m's signature with the certificate at its SigningCertURL
// (see Read).
func (r *IPNReader) Verify(ctx context.Context, m SNSMessage) error {
	var hash crypto.Hash
	switch m.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	default:
		return refuse("SignatureVersion %q", m.SignatureVersion)
	}
	switch m.Type {
	case SNSNotification, SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
	default:
		return refuse("Type %q", m.Type)
	}
	if m.MessageID == "" || m.Signature == "" {
		return refuse("MessageId or Signature missing")
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return refuse("Signature is not base64")
	}
	cert, err := r.cert(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return refuse("certificate key is not RSA")
	}
	var digest []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum([]byte(m.StringToSign())) //nolint:gosec // SignatureVersion 1.
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(m.StringToSign()))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return refuse("signature does not verify")
	}
	return nil
}

// allowed checks a certificate or subscribe URL: https (or http with
// AllowHTTP), no user info, a host matching the allow-list.
func (r *IPNReader) allowed(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, refuse("URL %q is not absolute", raw)
	}
	httpsOrSandbox := u.Scheme == "https" || (r.allowHTTP && u.Scheme == "http")
	if !httpsOrSandbox {
		return nil, refuse("URL %q is not https", raw)
	}
	for _, p := range r.hosts {
		if hostMatches(p, u.Host) {
			return u, nil
		}
	}
	return nil, refuse("host %q is not allowed", u.Host)
}

// hostMatches matches host (with an optional port, which pattern must then
// carry too) against pattern, "*" standing for exactly one DNS label.
func hostMatches(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	pl, hl := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if pl[i] != hl[i] && (pl[i] != "*" || hl[i] == "" || strings.Contains(hl[i], ":")) {
			return false
		}
	}
	return true
}

// cert returns the certificate at raw, fetched once per URL.
func (r *IPNReader) cert(ctx context.Context, raw string) (*x509.Certificate, error) {
	if _, err := r.allowed(raw); err != nil {
		return nil, err
	}
	r.mu.Lock()
	c := r.certs[raw]
	r.mu.Unlock()
	if c == nil {
		body, err := r.get(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("bkash ipn: fetch certificate: %w", err)
		}
		blk, _ := pem.Decode(body)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, refuse("SigningCertURL serves no PEM certificate")
		}
		if c, err = x509.ParseCertificate(blk.Bytes); err != nil {
			return nil, refuse("certificate: %v", err)
		}
		r.mu.Lock()
		r.certs[raw] = c
		r.mu.Unlock()
	}
	if now := time.Now(); now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, refuse("certificate is not valid now")
	}
	return c, nil
}

func (r *IPNReader) get(ctx context.Context, raw string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return b, nil
}

// confirm visits a SubscriptionConfirmation's SubscribeURL (allow-listed
// like the certificate's).
func (r *IPNReader) confirm(ctx context.Context, m SNSMessage) error {
	if _, err := r.allowed(m.SubscribeURL); err != nil {
		return err
	}
	if _, err := r.get(ctx, m.SubscribeURL); err != nil {
		return fmt.Errorf("bkash ipn: confirm subscription: %w", err)
	}
	r.log.InfoContext(ctx, "bkash IPN subscription confirmed", "topic", m.TopicArn)
	return nil
}

// IPN is the payload of a bKash notification (the SNS Message, a JSON
// object): trxID, merchantInvoiceNumber and amount (docs/gateways/bkash.md
// §12), and what else it carries.
type IPN struct {
	TrxID                 string
	PaymentID             string
	MerchantInvoiceNumber string
	Amount                domain.Money
	Currency              string
	TransactionStatus     string
	DateTime              string
}

// ParseIPN reads an SNS Message holding a bKash notification, accepting
// the field-name drift of docs/gateways/bkash.md §11.3.
func ParseIPN(message string) (IPN, error) {
	f, err := unmarshalFields([]byte(message))
	if err != nil {
		return IPN{}, err
	}
	d := decoder{f: f}
	n := IPN{
		TrxID: d.str("trxID", "trxId"), PaymentID: d.str("paymentID", "paymentId"),
		MerchantInvoiceNumber: d.str("merchantInvoiceNumber", "merchantInvoice"),
		Amount:                d.money("amount"), Currency: d.str("currency"),
		TransactionStatus: d.str("transactionStatus"), DateTime: d.str("dateTime"),
	}
	if d.err != nil {
		return IPN{}, d.err
	}
	if n.TrxID == "" || n.MerchantInvoiceNumber == "" {
		return IPN{}, errors.New("trxID or merchantInvoiceNumber missing")
	}
	return n, nil
}
