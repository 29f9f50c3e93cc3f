package rest_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/rest"
)

// REST times are "YYYY-MM-DD HH:MM:SS" in Asia/Dhaka (UTC+06:00) without a
// zone designator — merchants parse that form, so it stays — and the
// document and docs say so where merchants read them.
func TestTimesAreDhakaAndSaySo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createPayment(t, asA, "ORD-TIME", "10")
	// The fake clock reads 2026-06-18 08:00:00 UTC: 14:00 in Dhaka.
	if p.CreatedAt != "2026-06-18 14:00:00" || p.UpdatedAt != "2026-06-18 14:00:00" {
		t.Errorf("created_at %q updated_at %q, want 2026-06-18 14:00:00 (Dhaka)", p.CreatedAt, p.UpdatedAt)
	}

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Description string `json:"description"`
				Properties  map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(rest.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"created_at", "updated_at"} {
		d := doc.Components.Schemas["Transaction"].Properties[field].Description
		if !strings.Contains(d, "Asia/Dhaka") || !strings.Contains(d, "UTC+06:00") {
			t.Errorf("openapi.json Transaction.%s description %q does not give its zone", field, d)
		}
	}
	md, err := os.ReadFile("../../docs/merchant-api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, times, _ := strings.Cut(string(md), "### 6.4 Times")
	times, _, _ = strings.Cut(times, "\n## ")
	for _, want := range []string{"UTC+06:00", "created_at", "without a zone", "GraphQL", "RFC 3339"} {
		if !strings.Contains(times, want) {
			t.Errorf("docs/merchant-api.md §6.4 does not say %q:\n%s", want, times)
		}
	}
}
