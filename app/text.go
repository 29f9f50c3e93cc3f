package app

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
)

// storableText reports whether s is valid UTF-8 without NUL: text a
// database can hold and a log can show. Input that is not is refused with a
// 422 naming its field, on every edge (docs/merchant-api.md §5.3).
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// checkText adds a validation error for each named field whose value is not
// storable text.
func checkText(v *domain.ValidationError, fields map[string]string) {
	for name, value := range fields {
		if !storableText(value) {
			v.Add(name, name+" must be valid UTF-8 without NUL characters")
		}
	}
}

// storableJSON reports whether a JSON document holds no NUL, raw or escaped
// (PostgreSQL's jsonb refuses \u0000).
func storableJSON(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 && !bytes.Contains(b, []byte(`\u0000`))
}
