// Package bkashsim is an in-memory simulator of bKash Tokenized Checkout
// v1.2.0-beta in URL mode "0011" (checkout without agreement).
//
// It speaks the real wire format described in docs/gateways/bkash.md, so a
// bKash client written against the real API works against it when given only the simulator's base URL
// ({PublicURL}/v1.2.0-beta/tokenized/checkout) and the credentials served at
// {PublicURL}/credentials. paycore mounts it in
// sandbox mode under /sandbox/bkash with http.StripPrefix; paycore's bKash
// adapter tests drive it directly with httptest.
//
// # Routes (relative to the mount point)
//
//	POST /v1.2.0-beta/tokenized/checkout/token/grant          stats key "grant"
//	POST /v1.2.0-beta/tokenized/checkout/token/refresh        "refresh"
//	POST /v1.2.0-beta/tokenized/checkout/create               "create"
//	POST /v1.2.0-beta/tokenized/checkout/execute              "execute"
//	POST /v1.2.0-beta/tokenized/checkout/payment/status       "query"
//	POST /v1.2.0-beta/tokenized/checkout/general/searchTransaction  "search"
//	POST /v1.2.0-beta/tokenized/checkout/payment/refund       "refund" when the body has
//	     amount, "refund_status" when it has only paymentID and trxID (docs/gateways/bkash.md §3.2 table)
//	POST /v2/tokenized-checkout/refund/payment/transaction    "refund_v2"
//	POST /v2/tokenized-checkout/refund/payment/status         "refund_status_v2"
//	GET|POST /checkout?paymentId=…&hash=…   the wallet page (the bkashURL of create)
//	GET /sns/cert.pem                       the IPN signing certificate (SigningCertURL)
//	GET /sns/confirm?Token=…                the SubscribeURL of SubscriptionConfirmation
//	GET /stats, POST /stats/reset, GET /credentials, GET|POST|DELETE /faults
//
// Any other path or method gets 404 {"message":"Not Found"}. Paths are matched
// exactly: a trailing slash or a v2 path other than the two refund routes is an
// unknown route (docs/gateways/bkash.md §3.1).
//
// # Rules the sources leave open, as decided here (docs/gateways/bkash.md §13.2)
//
// Tokens (docs/gateways/bkash.md §3.3, §4):
//   - Bad credentials on grant or refresh: HTTP 200 statusCode "9999", as bKash
//     answers (docs/gateways/bkash.md §4.4): "Username does not exist" for an
//     unknown username header, "System Error." for a wrong password,
//     app_key or app_secret, or a body that is not JSON. Switch
//     Config.ForbiddenOnBadCredentials answers HTTP 403 {"message":"Forbidden"}
//     instead (the other shape seen).
//   - Switch Config.TokenCallsPerHour (0: off): more token calls (grant or
//     refresh with the right credentials) within an hour than it allows
//     block the merchant for an hour from the call that went over
//     (docs/gateways/bkash.md §4.3): every token call then answers HTTP 429
//     {"message":"Too Many Requests"}, and calls refused during the block do
//     not extend it. TokenBlockedUntil tells when it ends.
//   - Refresh with an unknown or expired refresh_token: HTTP 401
//     {"message":"Unauthorized"} (the only documented token-error shape, docs/gateways/bkash.md §4.4);
//     the client is expected to grant again (docs/gateways/bkash.md §2.3).
//   - Authorization takes the raw id_token (docs/gateways/bkash.md §3.3); "Bearer <token>" is also
//     accepted because the GO client sends it and works against bKash.
//   - Missing, unknown or expired id_token: HTTP 401 {"message":"Unauthorized"};
//     then a wrong X-APP-Key: HTTP 200 statusCode 2001.
//
// Create (docs/gateways/bkash.md §5.1): a field that is absent or JSON null gives 2065 "Mendatory
// field missing" (bKash's spelling); a present but invalid one gives its own code:
// mode 2063, payerReference "" or longer than 255 2048, callbackURL not an
// absolute http(s) URL 2049, amount 2006 (also under ৳1, MinAmount, and, with
// the switch Config.MaxAmount, above bKash's per-transaction maximum),
// currency 2007, intent 2008, merchantInvoiceNumber blank, longer than 255
// or containing "<", ">" or "&" 2031 (docs/gateways/bkash.md §5.3). A body that is not a JSON
// object gives 2025 on every endpoint. The amount may be a JSON string or a JSON
// number (KARIM sends a number); it is echoed exactly as sent.
//
// Wallet page (docs/gateways/bkash.md §6, §13.1, docs/platform.md §4): the six regular wallets and the
// two failure wallets are the only known wallets (others: 422, "2045 The MSISDN
// of the customer does not exist."). OTP must be 123456 (else 422 "2010"), PIN
// 12121 (else 422 "2014 Wrong PIN"; the third wrong PIN fails the payment with
// 2015 and redirects with status=failure). Both failure wallets are approved
// on the page, like regular wallets: their failure shows at execute, 2023 for
// 01823074817 and 2037 for 01823074818 (docs/gateways/bkash.md §13.1, §13.2: TS24 shows the execute
// response). A page for an unknown payment, a wrong hash, or a payment still
// Initiated after Config.PaymentTimeout answers 404; a page for a payment that
// was already approved, cancelled or failed answers 409.
//
// Execute (docs/gateways/bkash.md §7, §10.1): any payment on which execute already ran,
// whatever its outcome, gives 2117; a payment not approved on the page
// (Initiated, expired, cancelled or failed there) gives 2056; an unknown
// paymentID gives 2002. A failed execute (2023, 2037, 2029) leaves the payment
// Declined.
//
// Query (docs/gateways/bkash.md §8.1): an unknown paymentID gives 2002 "Invalid Payment ID".
// transactionStatus is Initiated (also when approved but not executed), Completed,
// Cancelled (cancelled on the page), Declined (failed on the page or at execute)
// or Expired (Initiated past Config.PaymentTimeout); the last three come from the
// [unverified] RS list of docs/gateways/bkash.md §8.3. verificationStatus is "Complete" only for
// Completed payments; trxID and paymentExecuteTime appear only once completed.
//
// Search (docs/gateways/bkash.md §8.2): only payment trxIDs are found; anything else gives 2033.
//
// Refund (docs/gateways/bkash.md §9, §10.1): validation order is amount (2072), sku (blank:
// 2073 "Invalid SKU", > 255: 2075), reason (blank: 2078, > 255: 2076), paymentID+trxID of a Completed
// payment (2077), refund window since execute (2071 "Refund not allowed after N
// days"), at most 10 refunds per payment (the 11th: 2074 "The transaction
// cannot be reversed"), cumulative amount ≤ paid amount (2072). Each refund gets
// a new trxID; a re-submitted refund is a new refund, as on bKash (RDOC).
// Refund status returns the latest refund in the refund response's shape plus
// a "refundTransactions" list of every refund, oldest first; an unknown
// paymentID, or a payment with no refund yet, gives 2002 "Invalid Payment ID"
// (WOO: "an invalid-payment error"); a trxID that does not match gives 2077.
//
// Refund v2 (docs/gateways/bkash.md §9.3, §9.5): the v1.2 id_token and X-APP-Key
// authorize it. The refund {paymentId, trxId, refundAmount, sku, reason}
// follows the v1 rules and codes above and answers originalTrxId,
// refundTrxId, refundTransactionStatus, originalTrxAmount, refundAmount,
// currency, completedTime, sku, reason. Refund status {paymentId, trxId}
// answers originalTrxId, originalTrxAmount, originalTrxCompletedTime and
// refundTransactions (every refund, oldest first; [] when none). Refusals
// are HTTP 400 {internalCode, externalCode, errorMessageEn, errorMessageBn}
// with the v1 code in both codes (the simulator's choice; an unknown
// paymentId 2002, a trxId that is not the payment's 2077).
//
// IPN (docs/gateways/bkash.md §12): the simulator signs AWS SNS messages
// with its own RSA key and self-signed certificate, made at first use and
// served at /sns/cert.pem (PublicURL must be set). IPN(paymentID) is the
// Notification of a completed payment (Message: dateTime, trxID,
// paymentID, transactionStatus, amount, currency, merchantInvoiceNumber,
// creditShortCode, debitMSISDN); SubscriptionConfirmation a confirmation
// whose SubscribeURL is /sns/confirm (SubscriptionConfirmed tells it was
// visited); SendIPN posts either as SNS does. Switch
// Config.IPNSignatureVersion: "1" (SHA1withRSA, the default) or "2"
// (SHA256withRSA). Tests tamper with a message themselves.
//
// Switches, in short: Config.ForbiddenOnBadCredentials,
// TokenCallsPerHour, MaxAmount, RefundWindow, DuplicateWindow,
// PaymentTimeout, IPNSignatureVersion, and the per-endpoint faults below.
//
// Money is parsed from decimal strings into int64 paisa; no float is used.
// Timestamps use bKash's layout "2025-11-24T21:20:00:123 GMT+0600" in
// Asia/Dhaka (docs/gateways/bkash.md §11.1), see FormatTime.
//
// Stats count every request that reaches an API route, including requests
// refused (401, 403, error codes) and requests hit by a fault. Faults (see
// Fault) make an endpoint slow, silent, dropped or answered by a 503/HTML page,
// before or after the operation takes effect. SetErrorBody makes an endpoint
// refuse with bKash's other error shape {"errorCode","errorMessage"}
// (docs/gateways/bkash.md §10.3) without the operation taking effect.
package bkashsim
