package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
)

// paycore serve in sandbox mode (make run) ends its start-up saying what to
// open next: the sandbox, the storefront, the demo credentials, make demo.
func TestServeSandboxSaysWhatNext(t *testing.T) {
	t.Parallel()
	bin := paycoreBinary(t)
	_, dsn := pgtest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only its free port was wanted
	c := exec.Command(bin, "serve")
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "DATABASE_URL=" + dsn,
		"PAYCORE_SANDBOX=1", "PAYCORE_ADDR=" + addr, "PAYCORE_LOG_LEVEL=warn"}
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var got strings.Builder
	deadline := time.After(30 * time.Second)
	for !strings.Contains(got.String(), "make demo") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve stopped; it printed:\n%s", got.String())
			}
			got.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("no 'make demo' after 30 s; printed:\n%s", got.String())
		}
	}
	base := "http://" + addr
	for _, want := range []string{base + "/sandbox", base + "/sandbox/shop/", base + "/graphql",
		"demo_key", "demo_secret", "demo_webhook_secret", "make demo"} {
		if !strings.Contains(got.String(), want) {
			t.Errorf("start-up does not name %q:\n%s", want, got.String())
		}
	}
}
