// Package nagad is paycore's client for Nagad's online payment gateway
// (hosted checkout). Its Client is the whole of Nagad as the core sees it:
// ports.PaymentGateway (initialize and complete → the customer pays on
// Nagad's page → verify), ports.CallbackVerifier (every callback is
// verified, whatever it claims), ports.Resolver (reconciliation's verify)
// and ports.Refunder (purchase cancel, and verify after a lost answer); it
// also offers Verify and Refund directly. Mismatched Success answers carry
// ports.ConfirmResult.Review, so paycore opens an operator review.
//
// It follows docs/gateways/nagad.md ("§n" below is a section of it). The same
// code talks to the real Nagad and to paycore's simulator
// (adapters/nagadsim): only Config.BaseURL and the credentials differ.
//
// # Wire (docs/gateways/nagad.md §2–§4)
//
//	POST {BaseURL}/check-out/initialize/{merchantId}/{orderId}   Create, step 1
//	POST {BaseURL}/check-out/complete/{paymentReferenceId}       Create, step 2
//	GET  {BaseURL}/verify/payment/{paymentRefId}                 Verify, Confirm
//	POST {BaseURL}/purchase/cancel?paymentRefId=…&orderId=…      Refund
//
// Every call carries X-KM-Api-Version (v-0.2.0), X-KM-IP-V4 and
// X-KM-Client-Type. Requests carry sensitiveData = base64(RSA PKCS#1 v1.5
// encryption of a compact JSON under the PG public key) and signature =
// base64(SHA256withRSA of the same bytes with the merchant private key);
// encrypted answers are decrypted with the merchant key and their signature
// verified with the PG public key before anything in them is used. The
// golden vectors of docs/gateways/nagad.md §4.6 (Nagad's public sandbox keys and a real sandbox
// exchange) are this package's crypto tests. Keys are read from PEM or bare
// base64, PKCS#8, PKCS#1 or SPKI, by trying parsers, never by trusting the
// PEM label (ParsePrivateKey, ParsePublicKey).
//
// initialize's datetime is Dhaka wall time, yyyyMMddHHmmss (docs/gateways/nagad.md §10.1); its
// challenge is 40 random hex characters; complete echoes the server's
// challenge (docs/gateways/nagad.md §6.1). The orderId is derived from the attempt ID (OrderID),
// so Confirm and Refund find it again without storage.
//
// # Outcomes (docs/gateways/nagad.md §7.5, §11.3)
//
// The browser's return to paycore is never trusted: Confirm verifies the
// attempt's own paymentReferenceId server to server and succeeds only for
// status Success with the attempt's orderId, merchantId and amount (compared
// as decimals). See Confirm for every case. A payment whose customer never
// comes back is reconciled by calling Verify (or Confirm) later.
//
// # Errors (docs/gateways/nagad.md §9, §11.1)
//
// Nagad's {reason, message} refusals are *Error, classed by reason
// (ErrConfig, ErrDuplicateOrder, ErrDateTime, ErrInvalidData,
// ErrUnknownPayment, ErrPaymentState, ErrUnavailable) and unwrapping to a
// *ports.GatewayError. The firewall's HTML "Request Rejected … Support ID"
// page is a *RejectedError (ErrConfig) carrying the Support ID. Anything
// unheard is ErrNoAnswer.
//
// # Secrets
//
// Keys are never logged nor put in errors; decrypted data is not logged
// either, only references (order ID, payment reference, transaction IDs),
// statuses and amounts.
package nagad
