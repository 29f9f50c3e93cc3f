package bkashsim

import "testing"

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		paisa int64
		ok    bool
	}{
		{"250.00", 25000, true},
		{"500", 50000, true},
		{"10.5", 1050, true},
		{"0.01", 1, true},
		{"0", 0, true},
		{"999999999999.99", 99999999999999, true},
		{"1000000000000", 0, false},
		{"1.005", 0, false},
		{"10.", 0, false},
		{".5", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1e3", 0, false},
		{"1,000", 0, false},
		{" 5", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseAmount(tt.in)
		if got != tt.paisa || ok != tt.ok {
			t.Errorf("parseAmount(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.paisa, tt.ok)
		}
	}
}

func TestFormatPaisa(t *testing.T) {
	t.Parallel()
	for paisa, want := range map[int64]string{0: "0.00", 1: "0.01", 1050: "10.50", 25000: "250.00", 99999999999999: "999999999999.99"} {
		if got := formatPaisa(paisa); got != want {
			t.Errorf("formatPaisa(%d) = %q; want %q", paisa, got, want)
		}
	}
}

func TestAppendQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://s.test/cb":           "https://s.test/cb?a=1",
		"https://s.test/cb?o=2":       "https://s.test/cb?o=2&a=1",
		"https://s.test/cb?":          "https://s.test/cb?a=1",
		"https://s.test/cb?o=2&":      "https://s.test/cb?o=2&a=1",
		"https://s.test/cb?o=2#frag":  "https://s.test/cb?o=2&a=1#frag",
		"https://s.test/cb#frag?nope": "https://s.test/cb?a=1#frag?nope",
	} {
		if got := appendQuery(in, "a=1"); got != want {
			t.Errorf("appendQuery(%q) = %q; want %q", in, got, want)
		}
	}
}
