package nagadsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/ports/portstest"
)

// TestCredentials: /credentials serves Credentials() with the four keys of
// docs/platform.md §4, and the embedded keys make them the same for every
// simulator.
func TestCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.creds != e.sim.Credentials() {
		t.Fatal("/credentials differs from Credentials()")
	}
	_, raw := e.do(t, "GET", "/credentials", nil, nil)
	var m map[string]string
	_ = json.Unmarshal(raw, &m)
	if len(m) != 4 || m["merchant_id"] != nagadsim.DefaultMerchantID || m["merchant_number"] != nagadsim.DefaultMerchantNumber {
		t.Errorf("credentials %v", m)
	}
	other, err := nagadsim.New(nagadsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if other.Credentials() != e.creds {
		t.Error("credentials differ between simulators")
	}
	if e.merchant.PublicKey.Equal(e.pg) {
		t.Error("PG and merchant keys must be different pairs")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	_, err := nagadsim.New(nagadsim.Config{MerchantID: "123", MerchantNumber: "0170", PGPrivateKey: "nope"})
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"MerchantID", "MerchantNumber", "PGPrivateKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// TestStats: every API call counts, refused ones included.
func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref, _ := e.open(t, "statsOrd1", "10")
	e.verify(t, ref)
	e.do(t, "GET", "/api/dfs/verify/payment/Ym9ndXM=", nil, nil)
	e.do(t, "POST", "/api/dfs/purchase/cancel", nil, "{}")
	want := map[string]int{"initialize": 1, "complete": 1, "verify": 2, "cancel": 1}
	if got := e.sim.Stats(); !mapsEqual(got, want) {
		t.Fatalf("Stats = %v, want %v", got, want)
	}
	_, raw := e.do(t, "GET", "/stats", nil, nil)
	var got map[string]int
	_ = json.Unmarshal(raw, &got)
	if !mapsEqual(got, want) {
		t.Errorf("/stats = %s", raw)
	}
	e.do(t, "POST", "/stats/reset", nil, nil)
	if got := e.sim.Stats(); got["verify"] != 0 || len(got) != 4 {
		t.Errorf("after reset: %v", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestFaultRoutes: POST /faults validates and sets, GET lists, DELETE clears.
func TestFaultRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, bad := range []string{`{"endpoint":"pay","mode":"drop"}`, `{"endpoint":"verify","mode":"explode"}`, `{"endpoint":"verify","delay_ms":-1}`, `nope`} {
		if status, raw := e.do(t, "POST", "/faults", nil, bad); status != 400 {
			t.Errorf("POST /faults %s: %d %s", bad, status, raw)
		}
	}
	if status, raw := e.do(t, "POST", "/faults", nil, `{"endpoint":"verify","mode":"html","times":2}`); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	_, raw := e.do(t, "GET", "/faults", nil, nil)
	if string(raw) != `[{"endpoint":"verify","mode":"html","after":false,"delay_ms":0,"times":2}]`+"\n" {
		t.Errorf("GET /faults = %s", raw)
	}
	if f := e.sim.Faults()["verify"]; f.Mode != nagadsim.FaultHTML || f.Times != 2 {
		t.Errorf("Faults() = %+v", f)
	}
	e.do(t, "DELETE", "/faults", nil, nil)
	if len(e.sim.Faults()) != 0 {
		t.Error("faults not cleared")
	}
}

// TestFaultModes: what each mode puts on the wire.
func TestFaultModes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref, _ := e.open(t, "faultOrd1", "10")
	verifyURL := e.public + "/api/dfs/verify/payment/" + ref

	e.sim.SetFault(nagadsim.EndpointVerify, nagadsim.Fault{Mode: nagadsim.FaultHTML, Times: 1})
	resp, err := http.Get(verifyURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!regexp.MustCompile(`Request Rejected.*Your support ID is: \d{19}`).Match(body) {
		t.Errorf("WAF page: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	e.sim.SetFault(nagadsim.EndpointVerify, nagadsim.Fault{Mode: nagadsim.Fault503, Times: 1})
	if resp, err := http.Get(verifyURL); err != nil || resp.StatusCode != 503 {
		t.Errorf("503 fault: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}

	e.sim.SetFault(nagadsim.EndpointVerify, nagadsim.Fault{Mode: nagadsim.FaultDrop, Times: 1})
	if _, err := http.Get(verifyURL); err == nil {
		t.Error("drop fault answered")
	}

	// no_answer holds the request until ClearFaults.
	e.sim.SetFault(nagadsim.EndpointVerify, nagadsim.Fault{Mode: nagadsim.FaultNoAnswer})
	var wg sync.WaitGroup
	wg.Add(1)
	var holdErr error
	go func() {
		defer wg.Done()
		_, holdErr = http.Get(verifyURL)
	}()
	portstest.WaitFor(t, "no_answer holding the request", func() bool { return e.sim.HeldRequests() == 1 })
	e.sim.ClearFaults()
	wg.Wait()
	if holdErr == nil {
		t.Error("no_answer: a released request got an answer")
	}
	if _, v := e.verify(t, ref); v["status"] != "Ready" {
		t.Errorf("after faults: %v", v)
	}
}

// TestFaultAfter: with After the operation happens and only the answer is
// lost: initializing again gives 16_0006_083.
func TestFaultAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.SetFault(nagadsim.EndpointInitialize, nagadsim.Fault{Mode: nagadsim.Fault503, After: true, Times: 1})
	path := "/api/dfs/check-out/initialize/" + e.creds.MerchantID + "/afterOrd1"
	if status, _ := e.do(t, "POST", path, kmHeaders(), e.initBody(t, e.initPlain("afterOrd1"))); status != 503 {
		t.Fatalf("status %d", status)
	}
	status, raw := e.do(t, "POST", path, kmHeaders(), e.initBody(t, e.initPlain("afterOrd1")))
	if reason(t, status, raw) != nagadsim.ReasonDuplicateOrderID {
		t.Fatalf("%s", raw)
	}

	// Without After, nothing happened: the order is free.
	e.sim.SetFault(nagadsim.EndpointInitialize, nagadsim.Fault{Mode: nagadsim.Fault503, Times: 1})
	path = "/api/dfs/check-out/initialize/" + e.creds.MerchantID + "/afterOrd2"
	e.do(t, "POST", path, kmHeaders(), e.initBody(t, e.initPlain("afterOrd2")))
	e.initialize(t, "afterOrd2")
}

// TestConcurrentCheckouts runs many payments at once (go test -race).
func TestConcurrentCheckouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("group", func(t *testing.T) {
		for i := range 16 {
			order := "conc" + strings.Repeat("x", 1+i%8) + string(rune('A'+i))
			t.Run(order, func(t *testing.T) {
				t.Parallel()
				ref, page := e.open(t, order, "10")
				if status, _, _ := submit(t, page, payForm()); status != http.StatusSeeOther {
					t.Errorf("pay %d", status)
				}
				if _, v := e.verify(t, ref); v["status"] != "Success" {
					t.Errorf("status %v", v["status"])
				}
			})
		}
	})
	if got := e.sim.Stats()["initialize"]; got != 16 {
		t.Errorf("initialize calls %d", got)
	}
}
