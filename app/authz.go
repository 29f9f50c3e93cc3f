package app

import "github.com/paycore/paycore/domain"

// Authorization in one place (issue 12): who may do what to whose records.
// Every operator (console) use case asks Authorize before it reads or
// writes, and so does each GraphQL field before it calls a use case (the
// edge-level actions below); whether a client owns one payment is
// Principal.CanSee, the same rule for clients and payment-scoped tokens.
//
//	admin user                 everything (the only one to ActManageGateway)
//	support user, admin token  read everything; write only Redeliver and DecideReview
//	merchant user, HMAC client its own client's records only (read, refund, its keys,
//	                           redeliver its webhooks); never operators' actions
//	payment-scoped token       read its one payment only
//
// A record of another client answers domain.ErrNotFound (its existence is
// not revealed); an action the role may not take, domain.ErrForbidden.
//
// The merchant API's fields (GraphQL; REST's HMAC routes are clients by
// construction):
//
//	ActMerchant   a client acting for its whole client (HMAC key, merchant
//	              user): create payments, its profile, dashboard, keys,
//	              refunds; operators and payment-scoped tokens FORBIDDEN
//	ActList       lists beyond one payment (webhook deliveries, gateways):
//	              anyone authenticated but a payment-scoped token (FORBIDDEN);
//	              the use case scopes what each list holds
//	ActPayment    one payment (Resource.PaymentID) through the merchant API:
//	              read, start, follow; a token scoped to another payment
//	              NOT_FOUND (no read needed); operators FORBIDDEN (the console
//	              reads payments with ActRead); ownership: Principal.CanSee
//	ActIntrospect the GraphQL schema outside sandbox: admin users and admin
//	              tokens (not support)

// Action is what a principal wants to do.
type Action string

// Actions.
const (
	ActRead          Action = "read"           // read a client's or a payment's records
	ActRefund        Action = "refund"         // refund a payment
	ActRedeliver     Action = "redeliver"      // redeliver a webhook
	ActDecideReview  Action = "review.decide"  // confirm or reject a review
	ActRotateKeys    Action = "keys.rotate"    // regenerate a client's API keys
	ActManageClient  Action = "client.manage"  // create, suspend, change a client
	ActOperate       Action = "operate"        // operators' views: every client, jobs, audit log, reviews, SMS balance
	ActManageGateway Action = "gateway.manage" // enable or disable a gateway (admins only)

	ActMerchant   Action = "merchant"   // the merchant API's own fields (above)
	ActList       Action = "list"       // lists beyond one payment (above)
	ActPayment    Action = "payment"    // one payment through the merchant API (above)
	ActIntrospect Action = "introspect" // the GraphQL schema outside sandbox (above)
)

// Resource is what an action touches: a client's records, one payment of
// that client, or nothing in particular (ClientID "": every client's, or
// platform-wide).
type Resource struct {
	ClientID  string
	PaymentID string
}

// supportMay are the writes a support user (and a legacy admin token) may do.
var supportMay = map[Action]bool{ActRead: true, ActRedeliver: true, ActDecideReview: true, ActOperate: true}

// Authorize returns nil when pr may do act on res.
func Authorize(pr Principal, act Action, res Resource) error {
	if pr.ClientID == "" && !pr.Admin {
		return domain.ErrUnauthenticated
	}
	switch act {
	case ActMerchant:
		if pr.Admin || pr.TransactionID != "" {
			return domain.ErrForbidden
		}
		return nil
	case ActList:
		if pr.TransactionID != "" {
			return domain.ErrForbidden
		}
		return nil
	case ActPayment:
		switch {
		case pr.Admin:
			return domain.ErrForbidden
		case pr.TransactionID != "" && pr.TransactionID != res.PaymentID:
			return domain.ErrNotFound
		}
		return nil
	case ActIntrospect:
		if pr.Admin && pr.Role != domain.RoleSupport {
			return nil
		}
		return domain.ErrForbidden
	}
	switch {
	case pr.Admin && pr.Role == domain.RoleAdmin:
		return nil
	case pr.Admin: // support user, or an operator's admin token
		if supportMay[act] {
			return nil
		}
		return domain.ErrForbidden
	}
	// A client: HMAC key, merchant user, or a token scoped to one payment.
	if act == ActOperate || act == ActManageClient || act == ActDecideReview || act == ActManageGateway {
		return domain.ErrForbidden
	}
	if res.ClientID == "" || res.ClientID != pr.ClientID {
		return domain.ErrNotFound
	}
	if pr.TransactionID != "" {
		if act != ActRead || res.PaymentID != pr.TransactionID {
			return domain.ErrNotFound
		}
	}
	return nil
}

// ScopeClient is the client whose records pr may list: "" for an operator
// (every client's, or want when given), pr's own client otherwise (want
// naming another client → domain.ErrNotFound). A payment-scoped token may
// list nothing.
func ScopeClient(pr Principal, want string) (string, error) {
	if pr.Admin {
		return want, nil
	}
	if pr.ClientID == "" {
		return "", domain.ErrUnauthenticated
	}
	if pr.TransactionID != "" {
		return "", domain.ErrForbidden
	}
	if want != "" && want != pr.ClientID {
		return "", domain.ErrNotFound
	}
	return pr.ClientID, nil
}
