package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/domain"
)

// Text paycore can neither store (PostgreSQL text holds no NUL and only
// valid UTF-8) nor show is refused at the edge with a 422 naming the field,
// so it never reaches a use case as an internal error.

// badText is why s cannot be taken as text, or "".
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL characters"
	}
	return ""
}

// fieldName is name if it can be shown, else a placeholder.
func fieldName(name, fallback string) string {
	if badText(name) != "" || name == "" {
		return fallback
	}
	return name
}

// checkParams is middleware for the authenticated routes: every query
// parameter (name and values) and path parameter must be valid UTF-8
// without NUL, else 422 naming it.
func (a *API) checkParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v domain.ValidationError
		q := r.URL.Query()
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			field := fieldName(k, "query")
			if why := badText(k); why != "" {
				v.Add(field, "query parameter names "+why)
				continue
			}
			for _, val := range q[k] {
				if why := badText(val); why != "" {
					v.Add(field, field+" "+why)
					break
				}
			}
		}
		if rc := chi.RouteContext(r.Context()); rc != nil {
			for i, k := range rc.URLParams.Keys {
				// "*" is the part of the path a mounted router matches, not
				// a parameter: its named parameters are checked themselves.
				if k != "*" && i < len(rc.URLParams.Values) {
					if why := badText(rc.URLParams.Values[i]); why != "" {
						v.Add(k, k+" "+why)
					}
				}
			}
		}
		if err := v.Err(); err != nil {
			a.failErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkJSONText finds the first string (or key) in each top-level field of
// a JSON object body that is not valid UTF-8 or holds NUL (written raw or
// as \u0000); it names the top-level field. A body that is not a JSON
// object is left to the decoder.
func checkJSONText(body []byte) *domain.ValidationError {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		if !utf8.Valid(body) {
			var v domain.ValidationError
			v.Add("body", "body must be valid UTF-8")
			return &v
		}
		return nil
	}
	var v domain.ValidationError
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := top[k]
		field := fieldName(k, "body")
		if badText(k) != "" {
			v.Add(field, "field names must be valid UTF-8 without NUL")
			continue
		}
		if !utf8.Valid(raw) {
			v.Add(field, field+" must be valid UTF-8")
			continue
		}
		if bytes.IndexByte(raw, 0) >= 0 || hasNUL(raw) {
			v.Add(field, field+" must not contain NUL characters")
		}
	}
	if len(v.Fields) == 0 && !utf8.Valid(body) {
		// Only a field name is bad (decoding replaced it).
		v.Add("body", "field names must be valid UTF-8")
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return &v
}

// hasNUL reports whether a valid JSON value holds a NUL in any string or
// key once decoded (\u0000).
func hasNUL(raw json.RawMessage) bool {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return false
	}
	var x any
	if json.Unmarshal(raw, &x) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(x any) bool {
		switch t := x.(type) {
		case string:
			return strings.IndexByte(t, 0) >= 0
		case []any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range t {
				if strings.IndexByte(k, 0) >= 0 || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(x)
}
