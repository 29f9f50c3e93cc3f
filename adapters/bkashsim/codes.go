package bkashsim

import "fmt"

// bKash statusCode values the simulator returns. Messages come from the ERR
// table (2001–2069) and RDOC/NET (2071–2127) quoted in docs/gateways/bkash.md §10.1.
const (
	codeSuccess           = "0000"
	codeInvalidAppKey     = "2001"
	codeInvalidPaymentID  = "2002"
	codeInvalidAmount     = "2006"
	codeInvalidCurrency   = "2007"
	codeInvalidIntent     = "2008"
	codeInvalidOTP        = "2010"
	codeWrongPIN          = "2014"
	codeWrongPINExceeded  = "2015"
	codeInsufficient      = "2023"
	codeInvalidBody       = "2025"
	codeDuplicate         = "2029"
	codeInvalidInvoice    = "2031"
	codeTrxNotFound       = "2033"
	codeDebitBlocked      = "2037"
	codeNoSuchMSISDN      = "2045"
	codeInvalidPayerRef   = "2048"
	codeInvalidCallback   = "2049"
	codeInvalidState      = "2056"
	codeInvalidMode       = "2063"
	codeMissingField      = "2065"
	codeRefundWindow      = "2071"
	codeRefundAmount      = "2072"
	codeCannotReverse     = "2074"
	codeSKUTooLong        = "2075"
	codeReasonTooLong     = "2076"
	codeInvalidTrxID      = "2077"
	codeInvalidReason     = "2078"
	codeInvalidSKU        = "2073"
	codeExecutedBefore    = "2117"
	codeSystemError       = "9999"
	messageSystemError    = "System Error."
	messageNoSuchUser     = "Username does not exist"
	messageTooManyTokens  = "Too Many Requests"
	codeMaintenance       = "503"
	messageMaintenance    = "System is undergoing maintenance. Please try again later"
	messageUnauthorized   = "Unauthorized"
	messageForbidden      = "Forbidden"
	messageRouteNotFound  = "Not Found"
	transactionTypeCharge = "bKash Tokenized Checkout via API"
)

var statusMessages = map[string]string{
	codeSuccess:          "Successful",
	codeInvalidAppKey:    "Invalid App Key",
	codeInvalidPaymentID: "Invalid Payment ID",
	codeInvalidAmount:    "Invalid amount",
	codeInvalidCurrency:  "Invalid currency",
	codeInvalidIntent:    "Invalid intent",
	codeInvalidOTP:       "Invalid OTP",
	codeWrongPIN:         "Wrong PIN",
	codeWrongPINExceeded: "Wrong PIN count exceeded",
	codeInsufficient:     "Insufficient Balance",
	codeInvalidBody:      "Invalid request body",
	codeDuplicate:        "Duplicate for all transactions",
	codeInvalidInvoice:   "Invalid merchant invoice number",
	codeTrxNotFound:      "Transaction not found",
	codeDebitBlocked:     "The account of the debit party is in a state which prohibits execution of this transaction",
	codeNoSuchMSISDN:     "The MSISDN of the customer does not exist.",
	codeInvalidPayerRef:  "Invalid Payer Reference",
	codeInvalidCallback:  "Invalid Merchant Callback URL",
	codeInvalidState:     "Invalid Payment State",
	codeInvalidMode:      "Mode is not valid as per request data",
	codeMissingField:     "Mendatory field missing",
	codeRefundAmount:     "Refund amount not valid",
	codeCannotReverse:    "The transaction cannot be reversed",
	codeSKUTooLong:       "SKU Character Limit Exceeded",
	codeReasonTooLong:    "Reason Character Limit Exceeded",
	codeInvalidTrxID:     "Invalid TrxID",
	codeInvalidReason:    "Invalid Reason",
	codeInvalidSKU:       "Invalid SKU",
	codeExecutedBefore:   "Payment execution already been called before",
	codeSystemError:      messageSystemError,
	codeMaintenance:      messageMaintenance,
}

// statusBody is bKash's error body: HTTP 200 with only statusCode and
// statusMessage (docs/gateways/bkash.md §7.2).
type statusBody struct {
	StatusCode    string `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
}

// messageBody is the gateway-level error body ({"message":"Unauthorized"},
// {"message":"Forbidden"}; docs/gateways/bkash.md §10.2).
type messageBody struct {
	Message string `json:"message"`
}

// status returns the error body for code with its bKash message.
func status(code string) statusBody {
	return statusBody{StatusCode: code, StatusMessage: statusMessages[code]}
}

// refundWindowStatus is 2071 with its parameterized message (docs/gateways/bkash.md §9.4).
func refundWindowStatus(days string) statusBody {
	return statusBody{StatusCode: codeRefundWindow, StatusMessage: fmt.Sprintf("Refund not allowed after %s days", days)}
}
