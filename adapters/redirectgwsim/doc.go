// Package redirectgwsim is an in-memory simulator of the "redirect gateway":
// the closed-source PHP payment script described in
// docs/gateways/redirectgw.md. A merchant server calls
// checkout, sends the customer's browser to the payment_url it gets back, and
// the gateway sends the browser to success_url with transaction_id appended
// once the customer has paid, or to cancel_url.
//
// It speaks the document's wire format, so a client written against the real
// gateway works against it when given only the simulator's base URL
// ({PublicURL}) and the credentials served at {PublicURL}/credentials.
// paycore mounts it in sandbox mode under /sandbox/redirectgw with
// http.StripPrefix; the adapter's tests (adapters/redirectgw) drive it
// directly with httptest.
//
// # Routes (relative to the mount point)
//
//	POST /api/v1/checkout            stats key "checkout" (docs/gateways/redirectgw.md §2)
//	POST /api/v1/verify-payment      stats key "verify": server-side lookup of a
//	                                 transaction_id, in the verify-payment shape of
//	                                 the gateway's relatives (docs/gateways/redirectgw.md §4.2); the
//	                                 document itself shows no verify endpoint
//	GET|POST /checkout?trx_id=…      the payment page (the payment_url of checkout)
//	GET /stats, POST /stats/reset, GET /credentials, GET|POST|DELETE /faults
//
// Any other path or method gets 404 {"status":"error","message":"Not Found"}.
//
// # Rules the document leaves open, as decided here
//
// The document gives no HTTP status codes. Every error answer has the
// document's shape {"status":"error","message":…}; the simulator uses 401 for
// a missing or wrong "Authorization: Bearer <api key>", 403 for the domain
// mismatch (with the document's exact message, MessageDomainMismatch), 400 for
// a body that is not a JSON object and for missing or invalid fields, and 404
// for an unknown transaction_id on verify.
//
// Checkout checks, in order: the Bearer key; a JSON object body;
// client_base_url present and equal, byte for byte, to Config.ClientBaseURL;
// amount a JSON number (a string is refused) greater than zero with at most 2
// decimals, read exactly (no float); success_url and cancel_url absolute
// http(s) URLs; customer_name and customer_email strings when present;
// meta_data a JSON string when present (an object is refused: the document
// wants a string holding JSON).
//
// Payment page: any 01XXXXXXXXX wallet (spaces, dashes and a +88 prefix are
// dropped), OTP 123456 and PIN 12121 (docs/platform.md §5); a wrong one shows the
// form again with HTTP 422. action=pay pays and answers 303 to success_url
// with transaction_id (10 upper-case alphanumerics, like a bKash trxID)
// appended with "?" or "&"; action=cancel answers 303 to cancel_url as given
// (the document names no parameter). A page for an unknown trx_id answers 404;
// one already paid or cancelled 409.
//
// Verify takes {"transaction_id":"…"} and answers, for a paid session,
// {"status":"COMPLETED","transaction_id":…,"trx_id":…,"amount":"150.50",
// "currency":"BDT","metadata":…,"customer_name":…,"customer_email":…,
// "payment_method":"bkash","sender_number":…,"date":"2025-11-24 21:20:00"}.
// The amount is a decimal string (as UddoktaPay's verify answers); metadata is
// the object meta_data held, or the string itself when it did not hold a JSON
// object, or null when none was sent. Only paid sessions have a
// transaction_id, so verify answers COMPLETED or 404.
//
// Stats count every request that reaches an API route, including refused ones
// and those hit by a fault. Faults (see Fault) make an endpoint slow, silent,
// dropped, answered by a 503 or an HTML page, or, on verify only, report an
// amount 1.00 higher than the one paid (FaultWrongAmount).
package redirectgwsim
