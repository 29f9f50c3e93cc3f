// Package console serves the web console at /console (issue 12): a
// single page of plain JavaScript modules, embedded in the binary (no
// build step, nothing to regenerate), speaking GraphQL to /graphql —
// queries and mutations over POST with the user's access token, the live
// feed (paymentEvents) over graphql-transport-ws. The refresh token stays
// in paycore's HttpOnly cookie; the page keeps the access token in memory
// only.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Handler serves the console under prefix ("/console"): the page for the
// prefix itself and any client-side route, the assets by name. Every
// response forbids framing and any script, style or connection not from
// this origin.
func Handler(prefix string) http.Handler {
	files, _ := fs.Sub(static, "static")
	assets := http.StripPrefix(prefix+"/", http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest := strings.TrimPrefix(r.URL.Path, prefix)
		if rest == "" || rest == "/" || rest == "/index.html" || !strings.Contains(rest, ".") {
			page, err := static.ReadFile("static/index.html")
			if err != nil {
				http.Error(w, "console missing", http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page)
			return
		}
		assets.ServeHTTP(w, r)
	})
}
