package domain_test

import (
	"strings"
	"testing"

	"github.com/paycore/paycore/domain"
)

func TestSMSSegments(t *testing.T) {
	t.Parallel()
	const bangla = "পেমেন্ট গৃহীত হয়েছে" // 19 code points, all in the BMP
	rep := strings.Repeat
	tests := []struct {
		name     string
		body     string
		encoding string
		segments int
	}{
		{"empty", "", domain.EncodingGSM7, 0},
		{"one char", "a", domain.EncodingGSM7, 1},
		{"english alert", "Payment of 250.00 BDT for order 42 at Shop received. TrxID ABC123. Thank you.", domain.EncodingGSM7, 1},
		{"gsm 160", rep("a", 160), domain.EncodingGSM7, 1},
		{"gsm 161", rep("a", 161), domain.EncodingGSM7, 2},
		{"gsm 306", rep("a", 306), domain.EncodingGSM7, 2},
		{"gsm 307", rep("a", 307), domain.EncodingGSM7, 3},
		{"gsm 459", rep("a", 459), domain.EncodingGSM7, 3},
		{"gsm 460", rep("a", 460), domain.EncodingGSM7, 4},
		{"gsm basic specials", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n", domain.EncodingGSM7, 1},
		{"extension chars cost 2", rep("€", 80), domain.EncodingGSM7, 1},
		{"extension 81 euros", rep("€", 81), domain.EncodingGSM7, 2},
		{"extension 159 plus one", rep("a", 159) + "^", domain.EncodingGSM7, 2},
		{"every extension char", "^{}\\[~]|€\f", domain.EncodingGSM7, 1},
		{"every extension char ×8 = 160", rep("^{}\\[~]|€\f", 8), domain.EncodingGSM7, 1},
		{"every extension char ×8 + a", rep("^{}\\[~]|€\f", 8) + "a", domain.EncodingGSM7, 2},
		// 152 septets + one escape pair would make 154 in part 1: the pair
		// moves to part 2 (152 | 2+151 | 1) → 3 parts, though 306 ≤ 2×153.
		{"escape pair not split", rep("a", 152) + "€" + rep("a", 152), domain.EncodingGSM7, 3},
		{"escape pair fits exactly", rep("a", 151) + "€" + rep("a", 153), domain.EncodingGSM7, 2},
		{"bangla", bangla, domain.EncodingUCS2, 1},
		{"taka sign", "Tk ৳ 100", domain.EncodingUCS2, 1},
		{"curly quote", "it’s paid", domain.EncodingUCS2, 1},
		{"backtick is not GSM", "a`b", domain.EncodingUCS2, 1},
		{"tab is not GSM", "a\tb", domain.EncodingUCS2, 1},
		{"lowercase ç is not GSM", "ç", domain.EncodingUCS2, 1},
		{"ucs2 70", rep("অ", 70), domain.EncodingUCS2, 1},
		{"ucs2 71", rep("অ", 71), domain.EncodingUCS2, 2},
		{"ucs2 134", rep("অ", 134), domain.EncodingUCS2, 2},
		{"ucs2 135", rep("অ", 135), domain.EncodingUCS2, 3},
		{"70 ascii stays GSM", rep("a", 70), domain.EncodingGSM7, 1},
		{"71 ascii plus bangla", rep("a", 70) + "অ", domain.EncodingUCS2, 2},
		{"emoji", "paid 👍", domain.EncodingUCS2, 1},
		{"35 emoji = 70 units", rep("😀", 35), domain.EncodingUCS2, 1},
		{"36 emoji = 72 units", rep("😀", 36), domain.EncodingUCS2, 2},
		{"67 units then emoji", rep("অ", 66) + "😀", domain.EncodingUCS2, 1},
		// 66 units + a surrogate pair would make 68 in part 1: the pair
		// moves to part 2 (66 | 2+64 | …) instead of being split.
		{"surrogate pair not split", rep("অ", 66) + "😀" + rep("অ", 66), domain.EncodingUCS2, 3},
		{"surrogate pair fits exactly", rep("অ", 65) + "😀" + rep("অ", 67), domain.EncodingUCS2, 2},
		{"invalid utf8", "a\xffb", domain.EncodingUCS2, 1},
		{"app bangla template", "Shop-এ অর্ডার 42-এর 250.00 BDT পেমেন্ট গৃহীত হয়েছে। TrxID ABC123। ধন্যবাদ।", domain.EncodingUCS2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, n := domain.SMSSegments(tt.body)
			if enc != tt.encoding || n != tt.segments {
				t.Errorf("SMSSegments(%q) = %s, %d; want %s, %d", tt.body, enc, n, tt.encoding, tt.segments)
			}
		})
	}
}

// TestSMSSegmentsMatchesCeil checks that, without characters costing 2,
// the part count is the plain ceiling of the length over the part size.
func TestSMSSegmentsMatchesCeil(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 700; n++ {
		wantG := 1
		if n > 160 {
			wantG = (n + 152) / 153
		}
		if _, got := domain.SMSSegments(strings.Repeat("x", n)); got != wantG {
			t.Fatalf("GSM-7 length %d: %d segments, want %d", n, got, wantG)
		}
		wantU := 1
		if n > 70 {
			wantU = (n + 66) / 67
		}
		if _, got := domain.SMSSegments(strings.Repeat("ক", n)); got != wantU {
			t.Fatalf("UCS-2 length %d: %d segments, want %d", n, got, wantU)
		}
	}
}
