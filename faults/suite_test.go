//go:build faults

package faults

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"
)

// gatewayFault is a gateway misbehaving on its confirm call (bKash
// execute, Nagad and redirect gateway verify) through the simulator's
// switch, without any kill: the outcome must follow the gateway's rules
// (docs/gateways/*.md) end to end.
type gatewayFault struct {
	gw, mode string
	after    bool
	delay    time.Duration
	want     string
	rule     string
}

func gatewayFaults() []scenario {
	fs := []gatewayFault{
		{"bkash", "no_answer", true, 0, "success", "bKash executed, no answer (30 s timeout) → query → Completed (bkash.md §2.7)"},
		{"bkash", "", true, 35 * time.Second, "success", "bKash executed, answer after 35 s, past the 30 s timeout → query → Completed"},
		{"bkash", "503", false, 0, "expired", "503 before bKash acted = no answer → query → Initiated → attempt failed, payment expires unpaid (§7.4)"},
		{"bkash", "html", true, 0, "success", "bKash executed, HTML page instead of JSON = no answer → query → Completed (§7.4)"},
		{"nagad", "no_answer", false, 0, "success", "verify unknown (30 s timeout) → attempt unresolved → reconciliation verifies again (nagad.md §7.6)"},
		{"nagad", "503", false, 0, "success", "verify 503 → unknown → reconciliation verifies again"},
		{"nagad", "html", false, 0, "success", "verify HTML firewall page → unknown → reconciliation verifies again"},
		{"redirectgw", "no_answer", false, 0, "success", "verify no answer → unresolved → reconciliation verifies the claimed transaction_id (redirectgw.md §4)"},
		{"redirectgw", "503", false, 0, "success", "verify 503 → unresolved → reconciliation verifies again"},
		{"redirectgw", "", false, 35 * time.Second, "success", "verify slower than the 30 s timeout → unresolved → reconciliation verifies again"},
	}
	var out []scenario
	for _, f := range fs {
		mode := f.mode
		switch {
		case mode == "" && f.delay > 0:
			mode = fmt.Sprintf("slow %s", f.delay)
		case mode == "":
			mode = "none"
		}
		when := "before the gateway acts"
		if f.after {
			when = "after the gateway acted"
		}
		endpoint := confirmEndpoint(f.gw)
		env := append([]string{"PAYCORE_CONFIRM_WAIT=40s"}, shortTTL...) // nothing is killed: a confirm in flight is alive
		out = append(out, scenario{name: fmt.Sprintf("%s: %s %s", f.gw, endpoint, mode), gw: f.gw, env: env,
			where: fmt.Sprintf("switch %s on %s, once, %s; %s", mode, endpoint, when, f.rule),
			run: func(r *rig, s scenario) outcome {
				c := r.created(s.gw)
				cb := r.approve(r.startAttempt(c.txn, s.gw), s.gw)
				r.fault(s.gw, endpoint, f.mode, f.after, f.delay, 1)
				if code := r.callback(cb); code != http.StatusSeeOther {
					r.t.Fatalf("callback: %d", code)
				}
				return r.settle(c, s.gw, f.want, 90*time.Second)
			}})
	}
	return out
}

// TestFaultSuite is `make faults`: every kill scenario and every gateway
// fault, then the table (also written to $FAULTS_TABLE when set).
func TestFaultSuite(t *testing.T) {
	scs := append(killScenarios(), gatewayFaults()...)
	rows := runScenarios(t, scs)
	out := table(rows)
	t.Logf("\n%s", out)
	fmt.Println(out)
	if p := os.Getenv("FAULTS_TABLE"); p != "" {
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Error(err)
		}
	}
}
