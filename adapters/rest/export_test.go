package rest

import "github.com/go-chi/chi/v5"

// RoutesOf exposes the API's router to the external tests (chi.Walk).
func RoutesOf(a *API) chi.Routes { return a.mux }
