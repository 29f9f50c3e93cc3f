package smssim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/paycore/paycore/domain"
)

// BulkSMSBD response codes the simulator answers (docs/gateways/sms.md §3.2).
const (
	CodeSubmitted           = 202  // SMS Submitted Successfully
	CodeInvalidNumber       = 1001 // a number is not 8801XXXXXXXXX
	CodeSenderID            = 1002 // senderid is not the configured one
	CodeMissingField        = 1003 // a field is missing or type is unknown
	CodeInternalError       = 1005 // the "internal" fault (retryable)
	CodeInsufficientBalance = 1007 // the balance does not cover the message
	CodeUserNotFound        = 1011 // api_key matches no account
)

// bulkMessages are BulkSMSBD's texts for the codes above.
var bulkMessages = map[int]string{
	CodeSubmitted:           "SMS Submitted Successfully",
	CodeInvalidNumber:       "Invalid Number",
	CodeSenderID:            "sender id not correct/sender id is disabled",
	CodeMissingField:        "Please provide all required field/Type must be text or unicode",
	CodeInternalError:       "Internal Error",
	CodeInsufficientBalance: "Balance Insufficient",
	CodeUserNotFound:        "User Id not found",
}

// bulkReply is BulkSMSBD's JSON answer. HTTP status is 200 even on refusal.
type bulkReply struct {
	ResponseCode   int          `json:"response_code"`
	MessageID      int64        `json:"message_id,omitempty"`
	Balance        *json.Number `json:"balance,omitempty"`
	SuccessMessage string       `json:"success_message"`
	ErrorMessage   string       `json:"error_message"`
}

// bulkError is a BulkSMSBD refusal: HTTP 200 with an error response_code.
func bulkError(code int) reply {
	return reply{status: http.StatusOK, json: bulkReply{ResponseCode: code, ErrorMessage: bulkMessages[code]}}
}

// bulkInternal is the answer of the "internal" fault: 1005.
func bulkInternal(*http.Request, url.Values) reply { return bulkError(CodeInternalError) }

// bulkSend handles /api/smsapi: api_key, type (text|unicode), number
// (comma-separated 8801XXXXXXXXX), senderid, message.
func (s *Simulator) bulkSend(_ *http.Request, p url.Values) reply {
	key, typ, list, sender, text := p.Get("api_key"), p.Get("type"), p.Get("number"), p.Get("senderid"), p.Get("message")
	switch {
	case key == "":
		return bulkError(CodeMissingField)
	case key != s.creds.APIKey:
		return bulkError(CodeUserNotFound)
	case list == "" || sender == "" || text == "":
		return bulkError(CodeMissingField)
	case typ != "" && typ != "text" && typ != "unicode":
		return bulkError(CodeMissingField)
	case sender != s.creds.SenderID:
		return bulkError(CodeSenderID)
	}
	nums, ok := numbers(list)
	if !ok {
		return bulkError(CodeInvalidNumber)
	}
	enc, segs := domain.SMSSegments(text)
	cost := int64(segs) * s.price

	s.mu.Lock()
	defer s.mu.Unlock()
	total := cost * int64(len(nums))
	if s.balance == 0 || s.balance < total {
		return bulkError(CodeInsufficientBalance)
	}
	s.balance -= total
	id := s.nextID
	s.nextID++
	now := s.now()
	for _, n := range nums {
		s.messages = append(s.messages, Message{
			Provider: ProviderBulkSMSBD, MessageID: strconv.FormatInt(id, 10), To: n, Text: text,
			SenderID: sender, Type: typ, Encoding: enc, Segments: segs,
			TypeMismatch: typ != "unicode" && enc == domain.EncodingUCS2,
			CostPaisa:    cost, Time: now,
		})
	}
	return reply{status: http.StatusOK, json: bulkReply{
		ResponseCode: CodeSubmitted, MessageID: id, SuccessMessage: bulkMessages[CodeSubmitted],
	}}
}

// bulkBalance handles /api/getBalanceApi?api_key=…: the balance in Taka as
// a JSON number with two decimals.
func (s *Simulator) bulkBalance(_ *http.Request, p url.Values) reply {
	switch key := p.Get("api_key"); {
	case key == "":
		return bulkError(CodeMissingField)
	case key != s.creds.APIKey:
		return bulkError(CodeUserNotFound)
	}
	bal := json.Number(formatTaka(s.Balance()))
	return reply{status: http.StatusOK, json: bulkReply{ResponseCode: CodeSubmitted, Balance: &bal}}
}
