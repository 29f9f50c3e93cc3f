package rest

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the OpenAPI 3 description of REST v1, served at
// GET /api/v1/openapi.json and checked against real responses by the tests.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(OpenAPI)
}
