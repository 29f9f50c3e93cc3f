// Package bkash is paycore's client for bKash Tokenized Checkout v1.2.0-beta
// in URL mode "0011" (checkout without agreement). It implements
// ports.PaymentGateway (create → customer pays on the bKash page → execute)
// and adds query, search, refund and refund status.
//
// It follows docs/gateways/bkash.md: its §2.n are bKash's acceptance rules,
// the rest the wire facts, each with its public source. The same code talks
// to the real bKash and to paycore's simulator (adapters/bkashsim): only
// Config.BaseURL and the credentials differ.
//
// # Tokens (docs/gateways/bkash.md §2.1–§2.3, §2.8)
//
// One id_token serves every call and every customer. It lives in a
// TokenStore shared by all paycore nodes (PostgreSQL in production,
// MemoryTokenStore in tests and on a single node). A call reads the stored
// token without a lock and uses it while it has more than 5 minutes left
// (an id_token lives 3600 s, so it is renewed at about the 55th minute).
// Otherwise one goroutine per process takes the store's shared lock, looks
// again (another node may have renewed it), and refreshes it with the
// refresh_token, or grants a new pair when the refresh_token is within
// 10 minutes of its 28-day life (counted from the first grant: refreshing
// does not extend it) or bKash refuses the refresh. A 401
// {"message":"Unauthorized"} on an API call forces one grant, and only query,
// search and refund status are then sent again (create, execute and refund
// are never sent twice).
//
// # Outcomes (docs/gateways/bkash.md §2.5–§2.7)
//
// Confirm calls execute once. statusCode "0000" with transactionStatus
// "Completed", the same paymentID, invoice, currency BDT and an amount equal
// as a decimal to the attempt's is a success; any other statusCode is a
// failure carrying bKash's statusMessage, except 2117/2062/2068 (already
// executed): answers too, so no query, but money may have moved, so the
// attempt is left to an operator's review (OutcomeUnknown, AwaitOperator).
// An {"errorCode","errorMessage"} body is a refusal like any other
// statusCode (docs/gateways/bkash.md §10.3). Only when execute gives no
// answer (timeout, connection error, HTTP 5xx, a body that is not JSON or
// holds only "message") does Confirm query the payment: Completed is a
// success, Initiated a failure ("start again"), anything else, or no answer
// again, OutcomeUnknown. Confirm never guesses.
//
// Refund is sent once. When it gets no answer the client asks refund status
// (never a second refund); if that does not settle it the error wraps
// ErrNoAnswer and the outcome is unknown.
//
// # Answers
//
// The exported answer types (CreateResponse, ExecuteResponse, QueryResult,
// SearchResult, RefundResult, TokenResponse) are read with their
// UnmarshalJSON, which accepts the field-name drift of docs/gateways/bkash.md §11.3 (paymentId,
// trxId, bKashURL, merchantInvoice, the v2 refund names); their json tags
// name bKash's v1 fields. Amounts become domain.Money in BDT (paisa), read
// exactly from "500", "500.00" or 500, so they compare as decimals. Times
// are read from bKash's "2025-11-24T21:20:00:123 GMT+0600" (see ParseTime).
// An absent amount is the zero domain.Money, an absent time the zero time.
//
// # Secrets
//
// Errors and log lines never contain the password, app_secret, id_token or
// refresh_token: text taken from bKash's answers is scrubbed of them (and of
// anything shaped like a JWT) before use.
package bkash
