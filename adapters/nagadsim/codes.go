package nagadsim

import "net/http"

// Reasons the simulator answers in {"reason","message","devMessage"}, with
// the integration guide's messages (docs/gateways/nagad.md §9.2). Which condition gives which
// reason is listed in the package doc.
const (
	ReasonMerchantIDInvalid = "16_0006_004" // Provided merchant ID is invalid
	ReasonPurchaseState     = "16_0006_017" // Purchase information state is invalid
	ReasonInvalidPaymentRef = "16_0006_055" // Invalid Payment Reference Id
	ReasonDecryptionFailed  = "16_0006_057" // Decryption failed
	ReasonSignature         = "16_0006_058" // Failed to verify signature
	ReasonInvalidSensitive  = "16_0006_059" // Invalid Sensitive Data
	ReasonHeaderMissing     = "16_0006_064" // Mandatory Header Missing
	ReasonInvalidOrderID    = "16_0006_068" // Invalid Order Id
	ReasonNotEncoded        = "16_0006_069" // Data not encoded
	ReasonDateTimeWindow    = "16_0006_076" // Transaction Date Time Not in allowed window
	ReasonInvalidCurrency   = "16_0006_080" // Invalid Currency Code
	ReasonDateTimeFormat    = "16_0006_081" // Invalid Date Time Format
	ReasonDuplicateOrderID  = "16_0006_083" // Duplicate Order ID in same day
	ReasonInvalidRequest    = "16_0006_999" // Invalid Request
)

// Reasons lists every reason the simulator can answer, for tests that check
// a client maps each of them.
func Reasons() []string {
	return []string{
		ReasonMerchantIDInvalid, ReasonPurchaseState, ReasonInvalidPaymentRef, ReasonDecryptionFailed,
		ReasonSignature, ReasonInvalidSensitive, ReasonHeaderMissing, ReasonInvalidOrderID, ReasonNotEncoded,
		ReasonDateTimeWindow, ReasonInvalidCurrency, ReasonDateTimeFormat, ReasonDuplicateOrderID, ReasonInvalidRequest,
	}
}

var reasonMessages = map[string]string{
	ReasonMerchantIDInvalid: "Provided merchant ID is invalid",
	ReasonPurchaseState:     "Purchase information state is invalid",
	ReasonInvalidPaymentRef: "Invalid Payment Reference Id",
	ReasonDecryptionFailed:  "Decryption failed",
	ReasonSignature:         "Failed to verify signature",
	ReasonInvalidSensitive:  "Invalid Sensitive Data",
	ReasonHeaderMissing:     "Mandatory Header Missing",
	ReasonInvalidOrderID:    "Invalid Order Id",
	ReasonNotEncoded:        "Data not encoded",
	ReasonDateTimeWindow:    "Transaction Date Time Not in allowed window",
	ReasonInvalidCurrency:   "Invalid Currency Code",
	ReasonDateTimeFormat:    "Invalid Date Time Format",
	ReasonDuplicateOrderID:  "Duplicate Order ID in same day",
	ReasonInvalidRequest:    "Invalid Request",
}

// Payment statuses the simulator reports (docs/gateways/nagad.md §7.3, [G] §5.2.7).
const (
	StatusOrderInitiated   = "OrderInitiated"   // initialized, not completed
	StatusReady            = "Ready"            // completed: the payment page waits for the customer
	StatusInProgress       = "InProgress"       // the customer opened the payment page
	StatusSuccess          = "Success"          // paid
	StatusAborted          = "Aborted"          // cancelled on the page, or abandoned past PaymentTimeout
	StatusFailed           = "Failed"           // refused on the page (over the limit, third wrong PIN)
	StatusPartialCancelled = "PartialCancelled" // paid, then partly refunded
	StatusCancelled        = "Cancelled"        // paid, then fully refunded
)

// Status codes in callbacks (status_code) and in verify (statusCode).
// Nagad's real codes are known only for success and the over-limit failure
// (docs/gateways/nagad.md §7.1, §9.3); the others are the simulator's own.
const (
	CallbackCodeSuccess   = "00_0000_000" // status_code of a successful payment
	VerifyCodeSuccess     = "000"         // statusCode of a successful payment
	CodeAborted           = "ABORTED_SIM" // invented: no real Aborted code is known (docs/gateways/nagad.md §7.3)
	CodeOverLimit         = "50_0026_851" // amount above Config.TransactionLimit
	CodeWrongPINExhausted = "16_0006_001" // third wrong PIN ([G]'s "Invalid Pin Provided")
)

const (
	messageSuccess   = "Successful Transaction"
	messageAborted   = "Transaction Aborted by Customer"
	messageOverLimit = "E Com Trx Failed. Transaction over limit."
	messageWrongPIN  = "Invalid Pin Provided"
)

// errorBody is Nagad's error answer (docs/gateways/nagad.md §9.1); devMessage is optional
// ([N] reads it) and says what exactly was wrong.
type errorBody struct {
	Reason     string `json:"reason"`
	Message    string `json:"message"`
	DevMessage string `json:"devMessage,omitempty"`
}

// refusal is an API answer refusing a request with a reason.
func refusal(reason, dev string) (int, any) {
	return http.StatusBadRequest, errorBody{Reason: reason, Message: reasonMessages[reason], DevMessage: dev}
}
