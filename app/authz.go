package app

import "github.com/paycore/paycore/domain"

// Authorization in one place (issue 12): who may do what to whose records.
// Every operator (console) use case asks Authorize before it reads or
// writes; the merchant API's own fields keep Principal.CanSee, which is the
// same rule for clients and payment-scoped tokens.
//
//	admin user                 everything (the only one to ActManageGateway)
//	support user, admin token  read everything; write only Redeliver and DecideReview
//	merchant user, HMAC client its own client's records only (read, refund, its keys,
//	                           redeliver its webhooks); never operators' actions
//	payment-scoped token       read its one payment only
//
// A record of another client answers domain.ErrNotFound (its existence is
// not revealed); an action the role may not take, domain.ErrForbidden.

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
	switch {
	case pr.Admin && pr.Role == domain.RoleAdmin:
		return nil
	case pr.Admin: // support user, or an operator's admin token
		if supportMay[act] {
			return nil
		}
		return domain.ErrForbidden
	case pr.ClientID == "":
		return domain.ErrUnauthenticated
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
