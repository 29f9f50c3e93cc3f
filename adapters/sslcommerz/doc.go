// Package sslcommerz is paycore's client for SSLCommerz's v4 hosted
// checkout. Its Client is the whole of SSLCommerz as the core sees it:
// ports.PaymentGateway (session → the customer pays on SSLCommerz's page →
// validation), ports.CallbackVerifier and ports.CallbackAuthenticator (every
// browser return and IPN is checked with verify_sign, then confirmed with
// the validation API), ports.Resolver and ports.AbandonChecker (the
// transaction query by tran_id), and ports.Refunder (refund API, then refund
// status by refund_ref_id). Answers that do not fit the attempt, and risky
// payments, carry ports.ConfirmResult.Review so that paycore opens an
// operator review.
//
// It follows docs/gateways/sslcommerz.md ("§n" below is a section of it).
// The same code talks to the real SSLCommerz and to paycore's simulator
// (adapters/sslcommerzsim): only Config.BaseURL and the credentials differ.
//
// # Wire (§2, §5–§7)
//
//	POST {BaseURL}/gwprocess/v4/api.php                          Create (form fields)
//	GET  {BaseURL}/validator/api/validationserverAPI.php         Validate (val_id)
//	GET  {BaseURL}/validator/api/merchantTransIDvalidationAPI.php
//	     ?tran_id= | ?sessionkey=                                QueryTransaction, QuerySession
//	     ?bank_tran_id=&refund_amount=…                          Refund
//	     ?refund_ref_id=                                         RefundStatus
//
// Every call carries store_id and store_passwd; SSLCommerz answers HTTP 200
// and says what happened in status and APIConnect (§8).
//
// # Identifiers
//
// tran_id is the attempt ID (unique, at most 30 characters), and it is also
// the attempt's gateway reference: the browser return and the IPN carry
// tran_id, and the transaction query finds every try by it. The payment's
// transaction ID is SSLCommerz's bank_tran_id, which refunds need.
//
// # Secrets
//
// store_passwd is never logged nor put in errors.
package sslcommerz
