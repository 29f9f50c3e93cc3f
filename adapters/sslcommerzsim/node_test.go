package sslcommerzsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/paycore/paycore/adapters/sslcommerzsim"
)

// TestNodeClient drives SSLCommerz's own Node client (npm sslcommerz-lts
// 1.2.0), its URLs pointed at the simulator: init, validate, refund, refund
// query and both transaction queries must work as against SSLCommerz.
// It skips unless node is installed and the package is installed in
// testdata/node (cd adapters/sslcommerzsim/testdata/node && npm install) or
// SSLCOMMERZ_NODE_DIR names a folder holding node_modules/sslcommerz-lts.
func TestNodeClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the official SSLCommerz Node client check")
	}
	dir, _ := filepath.Abs("testdata/node")
	if d := os.Getenv("SSLCOMMERZ_NODE_DIR"); d != "" {
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "sslcommerz-lts")); err != nil {
		t.Skipf("sslcommerz-lts is not installed in %s: run npm install there (or set SSLCOMMERZ_NODE_DIR) to check the official Node client", dir)
	}
	script, _ := filepath.Abs("testdata/node/drive.js")
	sim := sslcommerzsim.New(sslcommerzsim.Config{})
	srv := httptest.NewServer(http.StripPrefix("/sandbox/sslcommerz", sim.Handler()))
	defer srv.Close()
	base := srv.URL + "/sandbox/sslcommerz"
	cr := sim.Credentials()
	run := func(step, arg string) map[string]any {
		t.Helper()
		cmd := exec.Command(node, script, base, cr.StoreID, cr.StorePasswd, step, arg)
		cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v %s", step, err, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%s: %s", step, out)
		}
		return m
	}
	s := run("init", "NODE-TRAN-1")
	key, _ := s["sessionkey"].(string)
	page, _ := s["GatewayPageURL"].(string)
	if s["status"] != "SUCCESS" || key == "" || page == "" {
		t.Fatalf("init: %v", s)
	}
	// The shopper pays on the hosted page.
	resp, err := http.PostForm(page, url.Values{"method": {"card"}, "card_no": {sslcommerzsim.CardVisa}, "action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 1<<16)
	n, _ := resp.Body.Read(body)
	_ = resp.Body.Close()
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindSubmatch(body[:n])
		if m == nil {
			t.Fatalf("no %s in the return form", name)
		}
		return string(m[1])
	}
	valID, bank := field("val_id"), field("bank_tran_id")
	if v := run("validate", valID); v["status"] != "VALID" || v["tran_id"] != "NODE-TRAN-1" || v["amount"] != "100.00" {
		t.Fatalf("validate: %v", v)
	}
	if v := run("validate", valID); v["status"] != "VALIDATED" {
		t.Fatalf("validate again: %v", v)
	}
	r := run("refund", bank)
	ref, _ := r["refund_ref_id"].(string)
	if r["APIConnect"] != "DONE" || r["status"] != "success" || ref == "" {
		t.Fatalf("refund: %v", r)
	}
	if q := run("refundquery", ref); q["status"] != "processing" {
		t.Fatalf("refund query: %v", q)
	}
	if q := run("refundquery", ref); q["status"] != "refunded" {
		t.Fatalf("refund query again: %v", q)
	}
	q := run("query", "NODE-TRAN-1")
	els, _ := q["element"].([]any)
	if q["APIConnect"] != "DONE" || len(els) != 1 || els[0].(map[string]any)["status"] != "VALIDATED" {
		t.Fatalf("query by tran_id: %v", q)
	}
	if q := run("session", key); q["status"] != "VALIDATED" || q["tran_id"] != "NODE-TRAN-1" {
		t.Fatalf("query by session: %v", q)
	}
}
