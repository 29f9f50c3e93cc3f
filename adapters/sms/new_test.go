package sms_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/ports"
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestNew(t *testing.T) {
	t.Parallel()
	full := sms.Config{APIKey: testKey, SenderID: testSender, AccountSID: testSID}
	tests := []struct {
		name     string
		cfg      sms.Config
		provider string
		balance  bool
		err      bool
	}{
		{"", sms.Config{}, "log", false, false},
		{"log", sms.Config{}, "log", false, false},
		{"BulkSMSBD", full, "bulksmsbd", true, false},
		{" greenweb ", full, "greenweb", true, false},
		{"twilio", full, "twilio", false, false},
		{"bulksmsbd", sms.Config{APIKey: testKey}, "", false, true},
		{"greenweb", sms.Config{}, "", false, true},
		{"twilio", sms.Config{APIKey: testKey, SenderID: "x"}, "", false, true},
		{"sslwireless", full, "", false, true},
	}
	for _, tt := range tests {
		s, err := sms.New(tt.name, tt.cfg)
		if tt.err {
			if err == nil {
				t.Errorf("New(%q) = %v; want an error", tt.name, s)
			} else if strings.Contains(err.Error(), testKey) {
				t.Errorf("New(%q) error names the key", tt.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("New(%q): %v", tt.name, err)
		}
		if s.Provider() != tt.provider {
			t.Errorf("New(%q).Provider() = %q", tt.name, s.Provider())
		}
		if _, ok := s.(sms.BalanceChecker); ok != tt.balance {
			t.Errorf("New(%q) BalanceChecker = %v; want %v", tt.name, ok, tt.balance)
		}
	}
}

func TestNewLogUsesLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, err := sms.New("log", sms.Config{Log: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(sms.LogSender); !ok {
		t.Fatalf("New(log) = %T; want sms.LogSender", s)
	}
	ref, err := s.Send(ctx, ports.SMS{ID: "ntf_1", To: testTo, Body: bangla})
	if err != nil || ref != "log-ntf_1" || !strings.Contains(buf.String(), "ntf_1") {
		t.Errorf("Send = %q, %v; log %q", ref, err, buf.String())
	}
}

func TestConfigHidesKey(t *testing.T) {
	t.Parallel()
	cfg := sms.Config{BaseURL: "http://x", APIKey: testKey, SenderID: testSender}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "sms", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%v", &cfg), buf.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("%q shows the key", s)
		}
		if !strings.Contains(s, testSender) {
			t.Errorf("%q lost the sender", s)
		}
	}
}
