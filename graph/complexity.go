package graph

import (
	"time"

	"github.com/paycore/paycore/graph/generated"
	"github.com/paycore/paycore/graph/model"
)

// Query complexity (schema.graphqls header). gqlgen counts every field as 1
// plus its selection; the fields below return many items or read the
// database once per parent, and count what they may cost at most.
const (
	// perParentRead is the extra weight of a field that reads the database
	// once for each object it hangs off (N+1 in a list).
	perParentRead = 20
	// refundsBound is the most refunds one payment has (app.Config
	// MaxRefunds, 10 by default).
	refundsBound = 10
	// attemptsBound is what a payment's attempts are counted as: a customer
	// rarely tries more than a few times, and the list has no hard bound.
	attemptsBound = 10
	// webhookAttemptsBound is what a webhook delivery's attempts are
	// counted as: four tries (the first and retries after 1, 5 and 15
	// minutes), twice for a redelivery. They are read with the delivery.
	webhookAttemptsBound = 8
)

// setComplexity weights the list fields of c.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Payments = func(child int, _ *model.PaymentFilter, first *int32, _ *string) int {
		return 1 + pageWeight(first)*child
	}
	c.Payment.Refunds = func(child int) int { return 1 + perParentRead + refundsBound*child }
	c.Payment.Attempts = func(child int) int { return 1 + perParentRead + attemptsBound*child }
	c.Query.WebhookDeliveries = func(child int, _ *string, first *int32) int {
		return 1 + listWeight(first, defaultPageSize)*child
	}
	c.WebhookDelivery.Attempts = func(child int) int { return 1 + webhookAttemptsBound*child }
	c.Query.RequestLogs = func(child int, _ *string, _ *time.Time, first *int32) int {
		return 1 + listWeight(first, defaultRequestLogs)*child
	}
}

// pageWeight is the number of items a connection may return for first: the
// default for nil, and a value in 1..100 for one out of range (the resolver
// refuses it, but only after the complexity check).
func pageWeight(first *int32) int {
	return listWeight(first, defaultPageSize)
}

// listWeight is pageWeight for a list whose first defaults to def.
func listWeight(first *int32, def int) int {
	if first == nil {
		return def
	}
	return max(1, min(int(*first), maxPageSize))
}
