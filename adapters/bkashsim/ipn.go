package bkashsim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SNS SignatureVersion 1 is SHA1withRSA.
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// IPN routes (relative to the mount point): the simulator's signing
// certificate and the SubscribeURL of its SubscriptionConfirmation.
const (
	IPNCertPath    = "/sns/cert.pem"
	IPNConfirmPath = "/sns/confirm"
	// IPNTopicArn is the simulated SNS topic.
	IPNTopicArn = "arn:aws:sns:ap-southeast-1:000000000000:bkashsim-ipn"
)

// ipnSigner is the simulator's SNS signing key and self-signed certificate,
// made on first use (a 2048-bit key takes a moment).
type ipnSigner struct {
	once      sync.Once
	key       *rsa.PrivateKey
	certPEM   []byte
	err       error
	mu        sync.Mutex
	confirmed map[string]bool // subscription tokens confirmed
}

func (g *ipnSigner) init() error {
	g.once.Do(func() {
		g.key, g.err = rsa.GenerateKey(rand.Reader, 2048)
		if g.err != nil {
			return
		}
		now := time.Now() // certificate validity is real time, as the client checks it
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()),
			Subject:   pkix.Name{CommonName: "sns.bkashsim.invalid", Organization: []string{"bkashsim"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &g.key.PublicKey, g.key)
		if err != nil {
			g.err = err
			return
		}
		g.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	})
	return g.err
}

// snsMessage is an SNS HTTP message as SNS posts it.
type snsMessage struct {
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

// stringToSign is SNS's canonical string (see adapters/bkash SNSMessage).
func (m snsMessage) stringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == "Notification" {
		if m.Subject != "" {
			add("Subject", m.Subject)
		}
	} else {
		add("SubscribeURL", m.SubscribeURL)
	}
	add("Timestamp", m.Timestamp)
	if m.Type != "Notification" {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// sign fills SignatureVersion, Signature and SigningCertURL.
func (s *Simulator) sign(m *snsMessage) error {
	if s.cfg.PublicURL == "" {
		return errors.New("bkashsim: IPNs need Config.PublicURL (their SigningCertURL)")
	}
	if err := s.ipn.init(); err != nil {
		return err
	}
	m.SignatureVersion = s.cfg.IPNSignatureVersion
	if m.SignatureVersion == "" {
		m.SignatureVersion = "1"
	}
	m.SigningCertURL = s.cfg.PublicURL + IPNCertPath
	var (
		sig []byte
		err error
	)
	if m.SignatureVersion == "2" {
		d := sha256.Sum256([]byte(m.stringToSign()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.ipn.key, crypto.SHA256, d[:])
	} else {
		d := sha1.Sum([]byte(m.stringToSign())) //nolint:gosec // SignatureVersion 1.
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.ipn.key, crypto.SHA1, d[:])
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	return err
}

// ipnPayload is the Message of a notification: what bKash's IPN carries
// (trxID, merchantInvoiceNumber, amount: docs/gateways/bkash.md §12) and
// the simulator's additions, paymentID and transactionStatus.
type ipnPayload struct {
	DateTime              string `json:"dateTime"`
	TrxID                 string `json:"trxID"`
	PaymentID             string `json:"paymentID"`
	TransactionStatus     string `json:"transactionStatus"`
	Amount                string `json:"amount"`
	Currency              string `json:"currency"`
	MerchantInvoiceNumber string `json:"merchantInvoiceNumber"`
	CreditShortCode       string `json:"creditShortCode"`
	DebitMSISDN           string `json:"debitMSISDN"`
}

// IPN returns the signed SNS Notification bKash would send for the
// completed payment paymentID (Config.IPNSignatureVersion: "1", the
// default, SHA1withRSA; "2" SHA256withRSA), signed with the simulator's
// certificate served at PublicURL + IPNCertPath.
func (s *Simulator) IPN(paymentID string) ([]byte, error) {
	s.mu.Lock()
	p := s.payments[paymentID]
	var pl ipnPayload
	if p != nil && p.state == stateCompleted {
		pl = ipnPayload{DateTime: FormatTime(p.executedAt), TrxID: p.trxID, PaymentID: p.id, TransactionStatus: "Completed",
			Amount: p.amount, Currency: currencyBDT, MerchantInvoiceNumber: p.invoice,
			CreditShortCode: organizationShortCode, DebitMSISDN: p.wallet}
	}
	s.mu.Unlock()
	if pl.TrxID == "" {
		return nil, fmt.Errorf("bkashsim: no completed payment %q", paymentID)
	}
	msg, _ := json.Marshal(pl)
	m := snsMessage{Type: "Notification", MessageID: newUUID(), TopicArn: IPNTopicArn, Message: string(msg),
		Timestamp: s.now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if err := s.sign(&m); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// SubscriptionConfirmation returns a signed SNS SubscriptionConfirmation
// whose SubscribeURL is PublicURL + IPNConfirmPath?Token=…; visiting it
// confirms the subscription (SubscriptionConfirmed).
func (s *Simulator) SubscriptionConfirmation() (msg []byte, token string, err error) {
	token = randB64(32)
	m := snsMessage{Type: "SubscriptionConfirmation", MessageID: newUUID(), Token: token, TopicArn: IPNTopicArn,
		Message:      "You have chosen to subscribe to the topic " + IPNTopicArn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: s.cfg.PublicURL + IPNConfirmPath + "?Action=ConfirmSubscription&TopicArn=" + IPNTopicArn + "&Token=" + token,
		Timestamp:    s.now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if err := s.sign(&m); err != nil {
		return nil, "", err
	}
	msg, err = json.Marshal(m)
	return msg, token, err
}

// SubscriptionConfirmed reports whether the SubscribeURL with token was
// visited.
func (s *Simulator) SubscriptionConfirmed(token string) bool {
	s.ipn.mu.Lock()
	defer s.ipn.mu.Unlock()
	return s.ipn.confirmed[token]
}

// SendIPN POSTs a signed message (IPN or SubscriptionConfirmation) to
// target as SNS does (Content-Type text/plain, x-amz-sns-message-type) and
// returns the HTTP status it got.
func (s *Simulator) SendIPN(ctx context.Context, target string, msg []byte) (int, error) {
	var m snsMessage
	_ = json.Unmarshal(msg, &m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(msg))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", m.Type)
	req.Header.Set("x-amz-sns-message-id", m.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", m.TopicArn)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Simulator) serveIPNCert(w http.ResponseWriter, _ *http.Request) {
	if err := s.ipn.init(); err != nil {
		simkit.WriteJSON(w, http.StatusInternalServerError, messageBody{err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(s.ipn.certPEM)
}

func (s *Simulator) serveIPNConfirm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("Token")
	if tok == "" {
		simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"Token is required"})
		return
	}
	s.ipn.mu.Lock()
	if s.ipn.confirmed == nil {
		s.ipn.confirmed = map[string]bool{}
	}
	s.ipn.confirmed[tok] = true
	s.ipn.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>%s:%s</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>", IPNTopicArn, newUUID())
}

// newUUID returns a random UUID (version 4), as SNS MessageIds are.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
