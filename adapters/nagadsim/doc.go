// Package nagadsim is an in-memory simulator of Nagad's online payment
// gateway (hosted checkout: initialize, complete, payment page, verify,
// purchase cancel), with Nagad's real RSA crypto.
//
// It speaks the wire format of docs/gateways/nagad.md (cited below by
// section), so a Nagad client written against the real API works
// against it when given only the simulator's base URL
// ({PublicURL}/api/dfs) and the credentials served at {PublicURL}/credentials:
// merchant_id, merchant_number, pg_public_key (SPKI PEM) and
// merchant_private_key (PKCS#8 PEM). paycore mounts it in sandbox mode under
// /sandbox/nagad with http.StripPrefix.
//
// The simulator signs and encrypts with its own PG key pair (Nagad's PG
// private key is not public). It also holds the sandbox merchant's key pair,
// hands out the private half and verifies request signatures with the
// public half. Both pairs are fixed sandbox keys embedded in the package, so
// credentials survive restarts; Config can replace them.
//
// # Routes (relative to the mount point)
//
//	POST /api/dfs/check-out/initialize/{merchantId}/{orderId}  stats key "initialize"
//	POST /api/dfs/check-out/complete/{paymentReferenceId}      "complete"
//	GET  /api/dfs/verify/payment/{paymentRefId}                "verify"
//	POST /api/dfs/purchase/cancel?paymentRefId=…&orderId=…     "cancel" (refund)
//	GET|POST /check-out/{paymentReferenceId}   the payment page (complete's callBackUrl)
//	GET /stats, POST /stats/reset, GET /credentials, GET|POST|DELETE /faults
//
// The API is also served under /remote-payment-gateway-1.0/api/dfs, the
// older sandbox's context path (docs/gateways/nagad.md §2.1). References are standard base64
// and may hold "/": the reference routes take the rest of the path, escaped
// or not. Unknown routes get 404 {"reason":"16_0006_999",…}.
//
// # Crypto (docs/gateways/nagad.md §4)
//
// Requests: sensitiveData is RSA PKCS#1 v1.5 under the PG public key,
// signature SHA256withRSA with the merchant key over the decrypted bytes
// (key order and spacing do not matter). Answers of initialize and cancel are
// {sensitiveData, signature}: encrypted under the merchant public key and
// signed with the PG key. complete and verify answer plain JSON.
//
// # Checks, in order, and the reasons they answer (HTTP 400 {reason, message, devMessage})
//
// initialize: X-KM-Api-Version ("v-…"), X-KM-IP-V4 (one IPv4) and
// X-KM-Client-Type (PC_WEB, MOBILE_WEB, MOBILE_APP, WALLET_WEB_VIEW,
// BILL_KEY) → 16_0006_064; merchantId in the path → 004; orderId
// [A-Za-z0-9]{5,20} → 068; body not a JSON object → 999; sensitiveData or
// signature missing → 059, not base64 → 069; not decryptable with the PG
// key → 057; signature not valid → 058; plaintext not JSON, "dateTime"
// instead of "datetime", merchantId or orderId not the path's, no challenge
// → 059; datetime not yyyyMMddHHmmss → 081; datetime more than
// Config.DateTimeWindow from the clock (Asia/Dhaka) → 076; orderId already
// initialized the same Dhaka day → 083. The answer's paymentReferenceId is
// base64 of "MMddHHmmssSSS.{merchantId}.{orderId}.{challenge}", the challenge
// 20 lower-case hex characters (docs/gateways/nagad.md §5.3).
//
// complete: headers → 064; unknown reference → 055; body → 999; crypto →
// 069/057/058; merchantId or orderId not the payment's → 059; currencyCode
// not "050" → 080; amount not a positive decimal with ≤ 2 decimals and ≤ 15
// characters → 059; challenge not the server's from initialize → 059;
// merchantCallbackURL not an absolute http(s) URL of 10–255 characters, or
// additionalMerchantInfo over 2048 characters → 999; a payment already
// completed, or aborted → 017. It answers
// {"callBackUrl":"{PublicURL}/check-out/{ref}","status":"Success"}.
//
// verify needs no headers; an unknown reference → 055. It answers the
// fields of docs/gateways/nagad.md §7.4; amount is whole taka without decimals ("1250") or
// with two ("499.50"); dates are "2006-01-02 15:04:05.0" in Dhaka.
//
// cancel: headers → 064; no payment for paymentRefId (or, when only orderId
// is given as in [S], the latest payment of that orderId) → 055; orderId
// not the payment's → 068; body → 999; crypto → 069/057/058; merchantId or
// orderId not the payment's, referenceNo empty → 059; payment not Success
// or PartialCancelled → 017; originalRequestDate not today's Dhaka date
// (the request's own date, whatever day the payment was made; yesterday's
// within DateTimeWindow after midnight), originalAmount not the amount
// paid, cancelAmount not a positive decimal → 059; cancelAmount above what is left → 999. The
// decrypted answer is {status: "Refunded"|"PartialRefunded", code: "000",
// originalAmount, cancelAmount, cancelTrxId}; verify then reports
// PartialCancelled or Cancelled with cancelIssuerRefNo and
// cancelIssuerDateTime.
//
// # Payment page and statuses (docs/gateways/nagad.md §7.1, §7.3, §12; docs/platform.md §5)
//
// Statuses move OrderInitiated (initialize) → Ready (complete) → InProgress
// (page opened) → Success | Failed | Aborted. Any 01XXXXXXXXX wallet is
// accepted, OTP SandboxOTP, PIN SandboxPIN. POST with action=cancel aborts;
// a wrong wallet or OTP, or one of the first two wrong PINs, shows the form
// again with HTTP 422; the third wrong PIN fails the payment
// (CodeWrongPINExhausted), as does an amount above Config.TransactionLimit
// (CodeOverLimit, "Transaction over limit"). A payment not finished within
// Config.PaymentTimeout of initialize reports Aborted. A finished payment
// redirects with 303 to merchantCallbackURL + "/?" (Nagad inserts the
// slash) + merchant, order_id, payment_ref_id, status, status_code, message,
// payment_dt and, once paid, issuer_payment_ref (8 characters, also verify's
// issuerPaymentRefNo). status_code is 00_0000_000 on success.
//
// Stats count every request that reaches an API route, including refused
// ones and those hit by a fault. Faults (see Fault) make an endpoint slow,
// silent, dropped, answered by a 503 page, or answered by the firewall's
// "Request Rejected … support ID" HTML page, before or after the operation
// takes effect.
package nagadsim
