// Package smssim is an in-memory SMS gateway simulator speaking the real wire
// formats of BulkSMSBD and GreenWeb described in
// docs/gateways/sms.md. An SMS client written against the
// real API works against it when given the simulator's base URL (where
// Handler is mounted, e.g. http://127.0.0.1:8080/sandbox/sms) and the
// credentials served at {base}/credentials. paycore mounts it in sandbox mode
// under /sandbox/sms with http.StripPrefix; GET /sandbox/sms/messages lists
// what it received (docs/platform.md §4).
//
// # Routes (relative to the mount point)
//
//	GET|POST /api/smsapi          BulkSMSBD send             stats key "send"
//	GET|POST /api/getBalanceApi   BulkSMSBD balance          "balance"
//	GET|POST /api.php[?json]      GreenWeb send              "greenweb_send"
//	GET|POST /g_api.php           GreenWeb balance/expiry/rate  "greenweb_balance"
//	GET /messages[?to=…][&provider=…]   recorded messages, oldest first (newest last)
//	DELETE /messages              forget them
//	GET /account, POST /account {"balance":"<Taka>"}   balance and price; set the balance
//	GET /stats, POST /stats/reset, GET /credentials, GET|POST|DELETE /faults
//
// Any other path or method gets 404 {"message":"Not Found"}.
//
// API parameters are read from the query and from an urlencoded, multipart
// or JSON body, so GET and POST clients both work. Texts are decoded as
// UTF-8 and recorded intact (Bangla included).
//
// # BulkSMSBD (docs/gateways/sms.md §3)
//
// Send takes api_key, type (text|unicode), number (8801XXXXXXXXX, 01… or
// +8801…, comma-separated for several), senderid and message, and always
// answers HTTP 200 with JSON {"response_code", "message_id",
// "success_message", "error_message"}. Checks, in order: api_key missing 1003,
// unknown 1011 "User Id not found"; number, senderid or message missing, or
// type other than text/unicode/absent 1003; senderid not the configured one
// 1002; any number not a Bangladeshi mobile 1001; balance below the cost, or
// zero, 1007 (nothing is sent). Otherwise 202 with a new numeric message_id,
// one Message recorded per number, and the balance lowered by segments ×
// price per segment × numbers. The segment count and encoding come from
// domain.SMSSegments; type=text with a UCS-2 text is accepted but flagged
// (Message.TypeMismatch), since a real gateway would garble it.
//
// Balance takes api_key and answers {"response_code":202,"balance":<Taka>},
// the balance a JSON number with two decimals; a missing or unknown api_key
// gets 1003 or 1011 as for send.
//
// # GreenWeb (docs/gateways/sms.md §4)
//
// Send takes token, to (comma-separated) and message; each recipient is
// handled on its own and gets an element {"to","message","status",
// "statusmsg"} of the JSON array answered when the query has the json flag:
// status "SENT" when accepted (recorded and charged as above), else "FAILED"
// with statusmsg "Invalid Token", "Message is empty", "Invalid Number" or
// "Insufficient Balance". Without the json flag the answer is one text line
// per recipient, "Ok: …" or "Error: …" (a guess: docs/gateways/sms.md §4 does not give the
// text form). Account (g_api.php) takes token and the flags balance, expiry
// and rate, and answers [{"response":…}] per flag in the flags' order:
// balance in Taka, an expiry date a year from now, the price per segment in
// Taka; a bad token gets [{"response":"Invalid Token"}].
//
// # Money
//
// Balance and prices are int64 paisa internally (Config.Balance,
// Config.PricePerSegment) and decimal Taka strings on the wire; no float is
// used.
//
// # Faults
//
// Stats count every request that reaches an API route, refused ones and
// those hit by a fault included. Faults (see Fault, SetFault, POST /faults
// {"endpoint":"send","mode":"internal","delay_ms":0,"times":1,"after":false})
// delay an endpoint, answer the provider's transient error ("internal":
// BulkSMSBD 1005, which clients retry), answer HTTP 503 with an HTML page
// ("down"), hold the request without answering ("no_answer") or drop the
// connection ("drop"), before or after the message is sent.
package smssim
