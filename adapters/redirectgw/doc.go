// Package redirectgw is paycore's client for the "redirect gateway": the
// closed-source PHP payment script described in
// docs/gateways/redirectgw.md. Its Client is the whole of the redirect
// gateway as the core sees it: ports.PaymentGateway (checkout → the
// customer pays on the gateway's page → the gateway sends the browser back
// to paycore → Confirm), ports.ReturnVerifier (the signed return, checked
// by VerifyReturn) and ports.Resolver (reconciliation asks verify again
// about the claimed transaction). Results an operator must look at carry
// ports.ConfirmResult.Review. The same code talks to the real gateway
// and to paycore's simulator (adapters/redirectgwsim): only Config.BaseURL,
// the API key and the client base URL differ.
//
// # Checkout (docs/gateways/redirectgw.md §2)
//
// Create sends POST {BaseURL}/api/v1/checkout with "Authorization: Bearer
// <api key>", client_base_url, the amount as a JSON number with exactly two
// decimals written from minor units (150.50; never through a float),
// meta_data as a JSON string {"attempt_id":"…"}, and success_url and
// cancel_url pointing at paycore's own routes (SuccessPath, CancelPath). The
// gateway's {"status":"error","message":"Domain mismatch. …"} is a
// *ConfigError: a configuration fault that retrying cannot fix. Checkout is
// never sent twice.
//
// # Why the return is signed, and what that does not prove (docs/gateways/redirectgw.md §3.2, §3.3)
//
// The document's flow marks an order paid when the browser arrives at
// success_url?transaction_id=…: anyone can type that URL. paycore therefore
// puts in success_url and cancel_url an HMAC-SHA256 (Config.ReturnKey) over
// the route kind, the attempt ID, the amount (minor units and currency) and an
// expiry (Config.ReturnTTL): att, amt, cur, exp, ret and mac (see
// CheckReturn). A return is then bound to the attempt and amount it was made
// for and cannot be forged, moved to another attempt, or used after expiry.
// It is still not proof that money moved: the customer's browser carries the
// URL, and transaction_id is unsigned.
//
// So Confirm asks the gateway. With a verify endpoint (Config.VerifyURL, the
// verify-payment shape of the gateway's relatives, docs/gateways/redirectgw.md §4.2) a payment
// succeeds only when the gateway reports it completed for this
// transaction_id, attempt and amount in BDT. Without one the return is an
// unverified claim (OutcomeUnknown, CodeUnverifiedClaim): paycore keeps the
// payment processing until an operator confirms it, unless
// Config.TrustSignedReturn accepts signed returns as payment, which is
// weaker and must be a deliberate choice.
//
// Single use is not the signature's job: the caller settles an attempt once
// under a row lock, and one transaction_id settles one attempt at most.
//
// # Secrets
//
// The API key and the return key are never logged nor put in errors; text
// taken from the gateway's answers is scrubbed of the API key.
package redirectgw
