package main

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildOut  []byte
)

// paycoreBinary builds this command once per test run.
func paycoreBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paycore-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = dir + "/paycore"
		buildOut, buildErr = exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build: %v\n%s", buildErr, buildOut)
	}
	return builtBin
}

// paycore clients create --webhook-url takes what a payment's webhook_url
// takes (app.CheckWebhookURL): plain-http loopback in sandbox mode, HTTPS
// to a public host otherwise.
func TestClientsCreateWebhookURL(t *testing.T) {
	t.Parallel()
	bin := paycoreBinary(t)
	_, dsn := pgtest.New(t)
	const masterKey = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f701"
	for _, tc := range []struct {
		sandbox bool
		url     string
		wantErr string // "" → created
	}{
		{true, "http://127.0.0.1:9999/hooks", ""},
		{true, "http://localhost/hooks", ""},
		{true, "https://shop.example.com/hooks", ""},
		{true, "http://shop.example.com/hooks", "webhook_url must use HTTPS"},
		{true, "/hooks", "webhook_url must be an absolute URL"},
		{false, "http://127.0.0.1:9999/hooks", "webhook_url must use HTTPS"},
		{false, "https://10.1.2.3/hooks", "internal address"},
		{false, "https://127.0.0.1/hooks", "internal address"},
	} {
		sandbox, env := "0", []string{"PAYCORE_MASTER_KEY=" + masterKey, "PAYCORE_TOKEN_KEY=" + strings.Repeat("k", 40),
			"BKASH_BASE_URL=https://bkash.example.com"}
		if tc.sandbox {
			sandbox, env = "1", nil
		}
		c := exec.Command(bin, "clients", "create", "--name", "Hook Shop", "--webhook-url", tc.url)
		c.Env = append(env, "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir(), "DATABASE_URL="+dsn, "PAYCORE_SANDBOX="+sandbox)
		out, err := c.CombinedOutput()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("sandbox=%v %s refused: %v\n%s", tc.sandbox, tc.url, err, out)
		case tc.wantErr != "" && (err == nil || !strings.Contains(string(out), tc.wantErr)):
			t.Errorf("sandbox=%v %s: %v\n%s\nwant an error saying %q", tc.sandbox, tc.url, err, out, tc.wantErr)
		}
	}
}
