package domain

import "unicode/utf8"

// SMS encodings reported by SMSSegments.
const (
	// EncodingGSM7 is the GSM 03.38 7-bit default alphabet: 160 septets in a
	// single-part SMS, 153 per part of a concatenated one.
	EncodingGSM7 = "GSM-7"
	// EncodingUCS2 is UCS-2 (UTF-16 on the handsets that matter): 70 code
	// units in a single-part SMS, 67 per part of a concatenated one.
	EncodingUCS2 = "UCS-2"
)

// SMS part sizes (docs/gateways/sms.md §7). A concatenated message spends 6 bytes of
// every part on the user data header, hence the smaller per-part sizes.
const (
	// GSM7SingleSeptets is the capacity of a single-part GSM-7 SMS, in septets.
	GSM7SingleSeptets = 160
	// GSM7PartSeptets is the capacity of one part of a concatenated GSM-7 SMS,
	// in septets.
	GSM7PartSeptets = 153
	// UCS2SingleUnits is the capacity of a single-part UCS-2 SMS, in UTF-16
	// code units.
	UCS2SingleUnits = 70
	// UCS2PartUnits is the capacity of one part of a concatenated UCS-2 SMS,
	// in UTF-16 code units.
	UCS2PartUnits = 67
)

// gsm7Basic is the GSM 03.38 default alphabet (one septet each), without the
// escape code 0x1B.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension is the GSM 03.38 extension table: each character is sent as
// the escape septet plus one, so it costs two septets.
const gsm7Extension = "\f^{}\\[~]|€"

var gsm7Septets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// SMSSegments reports how body travels as SMS: its encoding (EncodingGSM7 or
// EncodingUCS2) and the number of segments (SMS parts) it takes, which is
// what providers bill.
//
// A body made only of GSM-7 characters is GSM-7: each character of the basic
// set costs one septet and each extension character (`^{}\[~]|€` and form
// feed) two; up to 160 septets fit in one segment, longer bodies take parts
// of 153 septets. Any other character (Bangla, `৳`, curly quotes, emoji, a
// tab, a backtick) makes the whole body UCS-2: each character costs its
// UTF-16 length (2 for characters outside the BMP, such as most emoji); up to
// 70 units fit in one segment, longer bodies take parts of 67 units.
//
// When a body is split, a character is never cut between two parts: an
// extension character's escape pair and a surrogate pair each stay in one
// part, as handsets and gateways do, so a part may carry one unit less than
// its capacity. An empty body has 0 segments. Invalid UTF-8 bytes count as
// U+FFFD (UCS-2).
func SMSSegments(body string) (encoding string, segments int) {
	if body == "" {
		return EncodingGSM7, 0
	}
	encoding, single, part := EncodingGSM7, GSM7SingleSeptets, GSM7PartSeptets
	cost := func(r rune) int { return gsm7Septets[r] }
	for _, r := range body {
		if gsm7Septets[r] == 0 {
			encoding, single, part = EncodingUCS2, UCS2SingleUnits, UCS2PartUnits
			cost = func(r rune) int {
				if r > 0xFFFF && r <= utf8.MaxRune {
					return 2
				}
				return 1
			}
			break
		}
	}
	total := 0
	for _, r := range body {
		total += cost(r)
	}
	if total <= single {
		return encoding, 1
	}
	segments, used := 1, 0
	for _, r := range body {
		c := cost(r)
		if used+c > part {
			segments, used = segments+1, 0
		}
		used += c
	}
	return encoding, segments
}
