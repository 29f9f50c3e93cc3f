package sslcommerzsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// params reads a request's parameters: the query string first, then a
// urlencoded or multipart body (§9). Values the Node client sends for
// missing fields ("undefined") count as absent.
func params(r *http.Request) map[string]string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		_ = r.ParseMultipartForm(1 << 20)
	} else {
		_ = r.ParseForm()
	}
	out := map[string]string{}
	add := func(k string, vs []string) {
		if _, ok := out[k]; ok || len(vs) == 0 {
			return
		}
		if v := strings.TrimSpace(vs[0]); v != "undefined" {
			out[k] = vs[0]
		}
	}
	for k, vs := range r.URL.Query() {
		add(k, vs)
	}
	for k, vs := range r.PostForm {
		add(k, vs)
	}
	if r.MultipartForm != nil {
		for k, vs := range r.MultipartForm.Value {
			add(k, vs)
		}
	}
	return out
}

func (s *Simulator) authorized(p map[string]string) bool {
	return p["store_id"] == s.creds.StoreID && p["store_passwd"] == s.creds.StorePasswd
}

// serve runs one API call under its endpoint's fault.
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request, endpoint string, fn func() any) {
	s.stats.Inc(endpoint)
	f, faulty := s.faults.Take(endpoint)
	wrong := faulty && f.Mode == FaultWrongAmount
	op := func() simkit.Answer {
		v := fn()
		if wrong {
			v = plusOneTaka(v)
		}
		return func(w http.ResponseWriter) { simkit.WriteJSON(w, http.StatusOK, v) }
	}
	if !faulty {
		op()(w)
		return
	}
	if f.Mode == FaultWrongAmount {
		f.Mode = simkit.FaultNone
	}
	s.faults.Apply(w, r, f, op, func(w http.ResponseWriter, _ *http.Request, mode simkit.FaultMode) {
		if mode == simkit.FaultHTML {
			simkit.WriteHTML(w, http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		simkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "FAILED", "failedreason": "Service Unavailable"})
	})
}

// plusOneTaka raises "amount" and "currency_amount" of a record (or of each
// element of a query answer) by 1.00.
func plusOneTaka(v any) any {
	bump := func(m map[string]any) {
		for _, k := range []string{"amount", "currency_amount"} {
			if a, ok := m[k].(string); ok {
				if p, ok := simkit.ParsePaisa(a); ok {
					m[k] = simkit.FormatPaisa(p + 100)
				}
			}
		}
	}
	if m, ok := v.(map[string]any); ok {
		bump(m)
		if els, ok := m["element"].([]map[string]any); ok {
			for _, e := range els {
				bump(e)
			}
		}
	}
	return v
}

var requiredSession = []string{"total_amount", "currency", "tran_id", "success_url", "fail_url", "cancel_url",
	"cus_name", "cus_email", "cus_phone", "product_name", "product_category", "product_profile", "shipping_method"}

func (s *Simulator) serveSession(w http.ResponseWriter, r *http.Request) {
	p := params(r)
	base := s.publicURL(r)
	s.serve(w, r, EndpointSession, func() any {
		failed := func(reason string) any { return map[string]any{"status": "FAILED", "failedreason": reason} }
		if !s.authorized(p) {
			return failed(MessageBadCredentials)
		}
		for _, k := range requiredSession {
			if strings.TrimSpace(p[k]) == "" {
				return failed("Invalid Information! '" + k + "' is missing.")
			}
		}
		if len(p["tran_id"]) > 30 {
			return failed("Invalid Information! 'tran_id' is longer than 30 characters.")
		}
		paisa, ok := simkit.ParsePaisa(strings.TrimSpace(p["total_amount"]))
		if !ok || paisa < 10_00 || paisa > 500_000_00 {
			return failed("Invalid Information! 'total_amount' must be between 10.00 and 500000.00.")
		}
		cur := strings.ToUpper(p["currency"])
		key := strings.ToUpper(simkit.RandString("0123456789abcdef", 32))
		ss := &session{key: key, tranID: p["tran_id"], amount: paisa, currency: cur, form: p, created: s.now(), status: "PENDING"}
		s.mu.Lock()
		s.sessions[key] = ss
		s.mu.Unlock()
		page := base + PagePrefix + strings.ToLower(key)
		return map[string]any{
			"status": "SUCCESS", "failedreason": "", "sessionkey": key,
			"gw": map[string]string{
				"visa": "city_visa,ebl_visa,visacard", "master": "city_master,ebl_master,mastercard",
				"amex": "city_amex,amexcard", "othercards": "qcash,fastcash",
				"internetbanking": "city,bankasia,ibbl,mtbl", "mobilebanking": "dbblmobilebanking,bkash,nagad,upay",
			},
			"redirectGatewayURL":   base + LegacyPagePath + "?Q=REDIRECT&SESSIONKEY=" + key + "&cardname=",
			"directPaymentURLBank": "", "directPaymentURLCard": "", "directPaymentURL": "", "redirectGatewayURLFailed": "",
			"GatewayPageURL": page, "storeBanner": "", "storeLogo": "", "store_name": "paycore sandbox store",
			"is_direct_pay_enable": "0",
			"desc":                 channelDesc(base, key, p["multi_card_name"]),
		}
	})
}

// channels are the hosted page's payment channels (§2 desc[]).
var channels = []struct{ gw, name, typ, group string }{
	{"visacard", "VISA", "visa", "visacard"},
	{"mastercard", "MasterCard", "master", "mastercard"},
	{"amexcard", "AMEX", "amex", "amexcard"},
	{"qcash", "QCash", "othercards", "othercard"},
	{"bkash", "bKash", "mobilebanking", "mobilebank"},
	{"nagad", "Nagad", "mobilebanking", "mobilebank"},
	{"dbblmobilebanking", "Rocket", "mobilebanking", "mobilebank"},
	{"upay", "upay", "mobilebanking", "mobilebank"},
	{"city", "City Touch", "internetbanking", "internetbank"},
	{"ibbl", "IBBL iBanking", "internetbanking", "internetbank"},
}

// offered filters channels by multi_card_name (groups or gateway keys; ""
// offers all).
func offered(multi string) []int {
	want := map[string]bool{}
	for _, k := range strings.FieldsFunc(strings.ToLower(multi), func(r rune) bool { return r == ',' || r == ' ' }) {
		want[k] = true
	}
	var out []int
	for i, c := range channels {
		if len(want) == 0 || want[c.gw] || want[c.group] {
			out = append(out, i)
		}
	}
	return out
}

func channelDesc(base, key, multi string) []map[string]string {
	var out []map[string]string
	for _, i := range offered(multi) {
		c := channels[i]
		out = append(out, map[string]string{"name": c.name, "type": c.typ, "logo": "", "gw": c.gw, "r_flag": "1",
			"redirectGatewayURL": base + LegacyPagePath + "?Q=REDIRECT&SESSIONKEY=" + key + "&cardname=" + c.gw})
	}
	return out
}

// record is a session's transaction fields (§4, §5), as strings.
func (s *Simulator) record(ss *session) map[string]any {
	risk, title := "0", "Safe"
	if ss.risky {
		risk, title = "1", "Risky"
	}
	amt := simkit.FormatPaisa(ss.amount)
	store := simkit.FormatPaisa(ss.amount - ss.amount*25/1000)
	m := map[string]any{
		"status": ss.status, "tran_date": ss.tranDate, "tran_id": ss.tranID, "val_id": ss.valID,
		"amount": amt, "store_amount": store, "currency": "BDT", "bank_tran_id": ss.bankTranID,
		"card_type": ss.cardType, "card_no": "", "card_issuer": "", "card_brand": brand(ss.cardType),
		"card_issuer_country": "Bangladesh", "card_issuer_country_code": "BD",
		"currency_type": ss.currency, "currency_amount": amt, "currency_rate": "1.0000", "base_fair": "0.00",
		"value_a": ss.form["value_a"], "value_b": ss.form["value_b"], "value_c": ss.form["value_c"], "value_d": ss.form["value_d"],
		"emi_instalment": "0", "emi_amount": "0.00", "emi_description": "", "emi_issuer": "", "account_details": "",
		"risk_title": title, "risk_level": risk, "discount_percentage": "0", "discount_amount": "0.00", "discount_remarks": "",
		"APIConnect": "DONE", "validated_on": "", "gw_version": "",
	}
	if ss.errText != "" {
		m["error"] = ss.errText
	}
	return m
}

func brand(cardType string) string {
	switch {
	case strings.HasPrefix(cardType, "VISA"):
		return "VISA"
	case strings.HasPrefix(cardType, "MASTER"):
		return "MASTERCARD"
	case strings.HasPrefix(cardType, "AMEX"):
		return "AMEX"
	case cardType == "":
		return ""
	}
	return "MOBILEBANKING"
}

func (s *Simulator) serveValidation(w http.ResponseWriter, r *http.Request) {
	p := params(r)
	s.serve(w, r, EndpointValidation, func() any {
		if !s.authorized(p) {
			return map[string]any{"status": "INVALID_TRANSACTION", "APIConnect": "INVALID_REQUEST", "error": MessageBadCredentials}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		ss := s.byVal[p["val_id"]]
		if ss == nil || ss.status != "VALID" && ss.status != "VALIDATED" {
			return map[string]any{"status": "INVALID_TRANSACTION", "APIConnect": "DONE"}
		}
		rec := s.record(ss)
		if ss.validated {
			rec["status"] = "VALIDATED"
		} else {
			rec["status"] = "VALID"
			ss.validated = true
		}
		rec["validated_on"] = s.now().In(domain.Dhaka).Format(time.DateTime)
		return rec
	})
}

// serveQuery dispatches the shared path (§9): refund, refund query,
// query by sessionkey, query by tran_id.
func (s *Simulator) serveQuery(w http.ResponseWriter, r *http.Request) {
	p := params(r)
	switch {
	case p["bank_tran_id"] != "" && p["refund_amount"] != "":
		s.serve(w, r, EndpointRefund, func() any { return s.refund(p) })
	case p["refund_ref_id"] != "":
		s.serve(w, r, EndpointRefundQuery, func() any { return s.refundQuery(p) })
	default:
		s.serve(w, r, EndpointQuery, func() any { return s.query(p) })
	}
}

func queryStatus(ss *session) string {
	switch {
	case ss.status == "VALID" && ss.validated:
		return "VALIDATED"
	case ss.status == "VALID":
		return "VALID"
	}
	return ss.status
}

func (s *Simulator) query(p map[string]string) any {
	if !s.authorized(p) {
		return map[string]any{"APIConnect": "INVALID_REQUEST", "status": "FAILED", "error": MessageBadCredentials}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key := p["sessionkey"]; key != "" {
		ss := s.sessions[strings.ToUpper(key)]
		if ss == nil {
			return map[string]any{"APIConnect": "DONE", "status": "INVALID", "sessionkey": key}
		}
		rec := s.record(ss)
		rec["status"], rec["sessionkey"] = queryStatus(ss), ss.key
		return rec
	}
	var els []map[string]any
	keys := make([]*session, 0)
	for _, ss := range s.sessions {
		if ss.tranID == p["tran_id"] && p["tran_id"] != "" {
			keys = append(keys, ss)
		}
	}
	for _, ss := range keys {
		rec := s.record(ss)
		rec["status"], rec["bank_gw"] = queryStatus(ss), ss.cardType
		delete(rec, "APIConnect")
		els = append(els, rec)
	}
	if len(els) == 0 {
		return map[string]any{"APIConnect": "DONE", "no_of_trans_found": 0,
			"element": []map[string]any{{"status": "INVALID", "tran_id": p["tran_id"]}}}
	}
	return map[string]any{"APIConnect": "DONE", "no_of_trans_found": len(els), "element": els}
}

func (s *Simulator) refund(p map[string]string) any {
	out := func(status, reason string, rf *refund) any {
		m := map[string]any{"APIConnect": "DONE", "bank_tran_id": p["bank_tran_id"], "trans_id": "", "refund_ref_id": "",
			"status": status, "errorReason": reason}
		if rf != nil {
			m["trans_id"], m["refund_ref_id"] = rf.transID, rf.ref
		}
		return m
	}
	if !s.authorized(p) {
		return map[string]any{"APIConnect": "INVALID_REQUEST", "status": "failed", "errorReason": MessageBadCredentials}
	}
	paisa, ok := simkit.ParsePaisa(strings.TrimSpace(p["refund_amount"]))
	if !ok || paisa <= 0 {
		return out("failed", "Invalid refund amount", nil)
	}
	if strings.TrimSpace(p["refund_remarks"]) == "" {
		return out("failed", "Refund remarks are required", nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.byBank[p["bank_tran_id"]]
	if ss == nil || ss.status != "VALID" {
		return out("failed", "Invalid bank_tran_id or the transaction is not refundable", nil)
	}
	if id := p["refund_trans_id"]; id != "" {
		for _, rf := range s.refunds {
			if rf.bankTranID == ss.bankTranID && rf.refundTransID == id {
				return out("processing", "Refund request already initiated", rf)
			}
		}
	}
	if ss.refunded+paisa > ss.amount {
		return out("failed", "Refund amount exceeds the refundable amount", nil)
	}
	ss.refunded += paisa
	rf := &refund{ref: simkit.RandString("0123456789abcdef", 13), bankTranID: ss.bankTranID, transID: ss.tranID,
		refundTransID: p["refund_trans_id"], amount: paisa, initiated: s.now()}
	s.refunds[rf.ref] = rf
	return out("success", "", rf)
}

// refundQuery answers processing on the first query of a refund and
// refunded afterwards (§9).
func (s *Simulator) refundQuery(p map[string]string) any {
	if !s.authorized(p) {
		return map[string]any{"APIConnect": "INVALID_REQUEST", "status": "", "errorReason": MessageBadCredentials}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rf := s.refunds[p["refund_ref_id"]]
	if rf == nil {
		return map[string]any{"APIConnect": "INVALID_REQUEST", "status": "", "errorReason": "Invalid refund_ref_id",
			"refund_ref_id": p["refund_ref_id"]}
	}
	rf.queries++
	status, refundedOn := "processing", ""
	if rf.queries > 1 {
		status, refundedOn = "refunded", s.now().In(domain.Dhaka).Format(time.DateTime)
	}
	return map[string]any{"APIConnect": "DONE", "bank_tran_id": rf.bankTranID, "tran_id": rf.transID,
		"refund_ref_id": rf.ref, "initiated_on": rf.initiated.In(domain.Dhaka).Format(time.DateTime),
		"refunded_on": refundedOn, "status": status, "errorReason": ""}
}
