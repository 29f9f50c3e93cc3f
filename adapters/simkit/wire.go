package simkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxBody bounds the request bodies the simulators read, in bytes; their
// requests are at most a few kilobytes.
const MaxBody = 1 << 20

// ReadAll reads r's whole body, at most MaxBody bytes. An error means the
// client is gone or sent too much.
func ReadAll(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
}

// internalError is WriteJSON's answer when a value cannot be encoded.
const internalError = `{"message":"Internal Server Error"}`

// WriteJSON writes v as the JSON body of an HTTP code answer, with
// Content-Type application/json and a Content-Length. HTML escaping is off,
// so URLs keep a literal "&" and Bangla stays as is, as on the gateways'
// wire. If v cannot be encoded, the answer is HTTP 500
// {"message":"Internal Server Error"} instead.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	WriteJSONFallback(w, code, v, internalError)
}

// WriteJSONFallback is WriteJSON with the gateway's own HTTP 500 body,
// fallback (JSON text), for a v that cannot be encoded.
func WriteJSONFallback(w http.ResponseWriter, code int, v any, fallback string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(fallback)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// StaticJSON returns a handler that answers every request HTTP 200 with v
// as JSON (see WriteJSON); simulators serve their credentials with it.
func StaticJSON(v any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, v)
	})
}

// WriteHTML writes page as a text/html (UTF-8) body of an HTTP code answer.
// Headers set on w before the call are sent too.
func WriteHTML(w http.ResponseWriter, code int, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, page)
}

// SeeOther redirects the browser to location with HTTP 303 and
// Cache-Control no-store, as a wallet page does when the customer is done.
func SeeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// MountURL returns the absolute URL a simulator's handler is mounted at,
// without a trailing slash, as seen by the client of r: the scheme (https
// for TLS, or X-Forwarded-Proto when it is http or https), r.Host, and the
// path prefix http.StripPrefix removed (the original path is still in
// r.RequestURI), kept escaped as the client sent it.
func MountURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		prefix = strings.TrimSuffix(u.EscapedPath(), r.URL.EscapedPath())
	}
	return scheme + "://" + r.Host + strings.TrimRight(prefix, "/")
}
