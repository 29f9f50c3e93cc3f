package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Every command's --help (and -h) prints its help and exits 0, with no
// database, key or server: the environment is emptied.
func TestEveryCommandHelp(t *testing.T) {
	t.Parallel()
	bin := t.TempDir() + "/paycore"
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for cmd := range commandHelp {
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}} {
			c := exec.Command(bin, args...)
			c.Env = env
			out, err := c.CombinedOutput()
			if err != nil {
				t.Errorf("paycore %s: %v\n%s", strings.Join(args, " "), err, out)
				continue
			}
			if !strings.Contains(string(out), "usage: paycore "+cmd) {
				t.Errorf("paycore %s printed:\n%s", strings.Join(args, " "), out)
			}
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}, {"clients", "create", "--help"}, {"review", "list", "-h"}} {
		c := exec.Command(bin, args...)
		c.Env = env
		if out, err := c.CombinedOutput(); err != nil || !strings.Contains(string(out), "usage: paycore") {
			t.Errorf("paycore %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// Every command has help.
	for _, cmd := range []string{"serve", "migrate", "sandbox", "demo", "clients", "logs", "search", "review", "sms-balance", "admin-token"} {
		if _, ok := commandHelp[cmd]; !ok {
			t.Errorf("no help for %s", cmd)
		}
	}
}
