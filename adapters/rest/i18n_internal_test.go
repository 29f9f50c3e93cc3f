package rest

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                         "en",
		"bn":                       "bn",
		"bn-BD,bn;q=0.9,en;q=0.8":  "bn",
		"en-US,en;q=0.9,bn;q=0.8":  "en",
		"fr, bn;q=0.5":             "bn",
		"en;q=0.2, bn-IN;q=0.7":    "bn",
		"bn;q=0":                   "en",
		"de-DE":                    "en",
		"BN-bd":                    "bn",
		"bn;q=0.5, en;q=0.5":       "bn",
		"garbage;;q=x, ,bn;q=0.3 ": "bn",
	} {
		if got := acceptLanguage(h).Code; got != want {
			t.Errorf("Accept-Language %q → %s, want %s", h, got, want)
		}
	}
}

func TestPickLocaleOrder(t *testing.T) {
	r := httptest.NewRequest("GET", "/pay/txn_x", nil)
	r.Header.Set("Accept-Language", "bn")
	if got := pickLocale(httptest.NewRecorder(), r, "en").Code; got != "en" {
		t.Errorf("client language en with Accept-Language bn → %s", got)
	}
	if got := pickLocale(httptest.NewRecorder(), r, "").Code; got != "bn" {
		t.Errorf("no client language, Accept-Language bn → %s", got)
	}
	r = httptest.NewRequest("GET", "/pay/txn_x?lang=bn", nil)
	if got := pickLocale(httptest.NewRecorder(), r, "en").Code; got != "bn" {
		t.Errorf("?lang=bn → %s", got)
	}
}

// Every English message has a Bangla one and the other way round.
func TestCataloguesMatch(t *testing.T) {
	for k := range catalogEN {
		if _, ok := catalogBN[k]; !ok {
			t.Errorf("no Bangla for %q", k)
		}
	}
	for k := range catalogBN {
		if _, ok := catalogEN[k]; !ok {
			t.Errorf("no English for %q", k)
		}
	}
	for g := range gatewayTexts[langEN] {
		if _, ok := gatewayTexts[langBN][g]; !ok {
			t.Errorf("no Bangla text for gateway %s", g)
		}
	}
}

func TestRemaining(t *testing.T) {
	if got := localeBN.Remaining(23*time.Hour + 59*time.Minute + 5*time.Second); got != "২৩:৫৯:০৫" {
		t.Errorf("bn %q", got)
	}
	if got := localeEN.Remaining(-time.Second); got != "0:00:00" {
		t.Errorf("past %q", got)
	}
}
