package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/paycore/paycore/app"
)

// introspectionGate serves __schema and __type in sandbox mode (always)
// and otherwise to admins only (an admin user or an operator's admin
// token): merchants, support users, customers' tokens and anonymous
// callers get gqlgen's "introspection disabled" (issue 12).
type introspectionGate struct{ always bool }

func (introspectionGate) ExtensionName() string                   { return "IntrospectionGate" }
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }

func (g introspectionGate) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if g.always {
		rc.DisableIntrospection = false
		return nil
	}
	if pr, err := principal(ctx); err == nil && app.Authorize(pr, app.ActIntrospect, app.Resource{}) == nil {
		rc.DisableIntrospection = false
	}
	return nil
}
