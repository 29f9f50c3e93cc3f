package rest_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports/portstest"
)

// The OpenAPI document is valid OpenAPI 3 (kin-openapi's loader and
// validator: the linter CI runs with make test) and describes exactly the
// routes the API serves under /api/v1, method by method.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rest.OpenAPI)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers %v, want the one server /api/v1", doc.Servers)
	}

	store, clock := portstest.NewStore(), portstest.NewClock(start)
	a := app.New(app.Config{Sandbox: true}, app.Deps{Tx: store, Clock: clock})
	api := rest.NewAPI(rest.APIConfig{App: a, Auth: app.NewAuthenticator(portstest.NewKeys(), portstest.NewNonces(), clock)})

	served := map[string]bool{}
	err = chi.Walk(rest.RoutesOf(api), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path, ok := strings.CutPrefix(route, "/api/v1")
		if !ok {
			t.Errorf("%s %s: a route outside /api/v1", method, route)
			return nil
		}
		served[method+" "+path] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s is served but not in openapi.json", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(documented)
	for _, op := range documented {
		if !served[op] {
			t.Errorf("openapi.json documents %s, which is not served", op)
		}
	}
	if len(served) < 13 {
		t.Fatalf("walked only %d routes: %v", len(served), served)
	}
}
