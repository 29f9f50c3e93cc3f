package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
)

// The customer pages speak Bangla and English. Which one a page uses is,
// in order: the shopper's own choice (?lang=, kept in a cookie), the
// merchant's language (domain.Client.Language), the browser's
// Accept-Language, English.
const (
	langEN     = "en"
	langBN     = "bn"
	langCookie = "paycore_lang"
	langParam  = "lang"
)

// locale is one language's catalogue and formatting.
type locale struct {
	Code  string // "en" | "bn": the page's lang attribute
	msgs  map[string]string
	other *locale // the language the switch offers
}

// T returns the message key with args put in (fmt verbs); an unknown key
// is returned as is, so a missing translation shows up on the page.
func (l *locale) T(key string, args ...any) string {
	s, ok := l.msgs[key]
	if !ok {
		s, ok = catalogEN[key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Bangla reports whether the page is in Bangla.
func (l *locale) Bangla() bool { return l.Code == langBN }

// Amount formats m for this language (domain.Money.FormatBD: ৳ with
// lakh/crore grouping, Bangla digits on Bangla pages).
func (l *locale) Amount(m domain.Money) string { return m.FormatBD(l.Code) }

// Digits writes the digits of s in this language's script.
func (l *locale) Digits(s string) string {
	if l.Bangla() {
		return domain.BanglaDigits(s)
	}
	return s
}

// Other is the language the page's switch offers.
func (l *locale) Other() *locale { return l.other }

// Name is the language's name in itself, for the switch.
func (l *locale) Name() string { return l.msgs["lang.name"] }

// Remaining writes how long is left until the deadline as H:MM:SS in this
// language's digits (0:00:00 once past).
func (l *locale) Remaining(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	return l.Digits(fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60))
}

var (
	localeEN = &locale{Code: langEN, msgs: catalogEN}
	localeBN = &locale{Code: langBN, msgs: catalogBN}
)

func init() { localeEN.other, localeBN.other = localeBN, localeEN }

func localeFor(code string) *locale {
	if code == langBN {
		return localeBN
	}
	if code == langEN {
		return localeEN
	}
	return nil
}

// pickLocale chooses the page's language (see the consts above) and, when
// the shopper chose one with ?lang=, remembers the choice in a cookie.
func pickLocale(w http.ResponseWriter, r *http.Request, clientLang string) *locale {
	if l := localeFor(r.URL.Query().Get(langParam)); l != nil {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := localeFor(c.Value); l != nil {
			return l
		}
	}
	if l := localeFor(clientLang); l != nil {
		return l
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage picks Bangla or English from an Accept-Language header by
// quality, first listed winning ties; English when neither is there.
func acceptLanguage(h string) *locale {
	best, bestQ := localeEN, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if l := localeFor(base); l != nil && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// withLang returns path?query with lang set, for the language switch.
func withLang(r *http.Request, code string) string {
	q := r.URL.Query()
	q.Set(langParam, code)
	return r.URL.Path + "?" + q.Encode()
}

// gatewayText is what the hosted page says about a gateway: its name and
// what the shopper will be asked for there. Gateways without an entry show
// their code and no hint.
type gatewayText struct{ Name, Hint string }

var gatewayTexts = map[string]map[domain.Gateway]gatewayText{
	langEN: {
		domain.GatewayBkash: {"bKash", "You will be asked for your bKash account number, " +
			"a verification code (OTP) sent to your phone and your bKash PIN."},
		domain.GatewayNagad: {"Nagad", "You will be asked for your Nagad account number, " +
			"a verification code (OTP) sent to your phone and your Nagad PIN."},
		domain.GatewayRedirectGW: {"another mobile wallet", "On a secure checkout page you will be asked for " +
			"a mobile wallet number (bKash, Nagad or Rocket), a verification code (OTP) and your PIN."},
		"sslcommerz": {"card or internet banking (SSLCommerz)", "On SSLCommerz's page you will be asked for " +
			"your card number, expiry date and CVV, or your mobile or internet banking login; " +
			"your bank may send a one-time code."},
	},
	langBN: {
		domain.GatewayBkash: {"বিকাশ", "আপনার বিকাশ অ্যাকাউন্ট নম্বর, ফোনে আসা ভেরিফিকেশন কোড (OTP) " +
			"আর বিকাশ পিন লাগবে।"},
		domain.GatewayNagad: {"নগদ", "আপনার নগদ অ্যাকাউন্ট নম্বর, ফোনে আসা ভেরিফিকেশন কোড (OTP) " +
			"আর নগদ পিন লাগবে।"},
		domain.GatewayRedirectGW: {"অন্য মোবাইল ওয়ালেট", "একটি নিরাপদ চেকআউট পেজে মোবাইল ওয়ালেট নম্বর " +
			"(বিকাশ, নগদ বা রকেট), ভেরিফিকেশন কোড (OTP) আর পিন চাওয়া হবে।"},
		"sslcommerz": {"কার্ড বা ইন্টারনেট ব্যাংকিং (SSLCommerz)", "SSLCommerz-এর পেজে কার্ডের নম্বর, " +
			"মেয়াদ ও CVV, অথবা মোবাইল বা ইন্টারনেট ব্যাংকিংয়ের লগইন চাওয়া হবে; " +
			"আপনার ব্যাংক একটি ওটিপি পাঠাতে পারে।"},
	},
}

func (l *locale) gateway(g domain.Gateway) gatewayText {
	if t, ok := gatewayTexts[l.Code][g]; ok {
		return t
	}
	return gatewayText{Name: string(g)}
}

var catalogEN = map[string]string{
	"lang.name":   "English",
	"lang.switch": "বাংলায় দেখুন",
	"test.banner": "Test mode: this is paycore's sandbox. No real money moves.",
	"skip":        "Skip to the payment",

	"pay.title":      "Pay %s",
	"pay.heading":    "You are paying %s",
	"pay.order":      "Order",
	"pay.amount":     "Amount",
	"pay.time_left":  "Time left to pay",
	"pay.choose":     "Choose how to pay",
	"pay.with":       "Pay with %s",
	"pay.last":       "Your last attempt did not go through (%s). No money was taken; you can try again.",
	"pay.cancel":     "Cancel and go back to %s",
	"pay.back":       "Back to %s",
	"pay.none":       "No payment method is available for this payment right now. Please try again later or contact %s.",
	"pay.done.paid":  "This order is already paid.",
	"pay.done.wait":  "We are still confirming a payment for this order. Please wait a moment, then check again.",
	"pay.done.exp":   "This payment link has expired. Go back to the shop to place the order again.",
	"pay.done.other": "This payment can no longer be paid.",

	"res.ok":           "Payment successful",
	"res.ok.msg":       "%s has received your payment of %s.",
	"res.ok.next":      "Keep the transaction ID below in case you need to contact the shop.",
	"res.ok.auto":      "Taking you back to %s in 5 seconds…",
	"res.wait":         "We are confirming your payment",
	"res.wait.msg":     "The payment gateway has not confirmed it yet. Please do not pay again: you will not be charged twice, and %s is told as soon as it is settled.",
	"res.wait.again":   "Check again",
	"res.cancel":       "Payment cancelled",
	"res.cancel.msg":   "You cancelled the payment. No money was taken.",
	"res.fail":         "Payment failed",
	"res.fail.msg":     "The payment did not go through and no money was taken.",
	"res.fail.reason":  "%s said: %s",
	"res.fail.next":    "Check your balance or use another account, then try again.",
	"res.exp":          "Payment link expired",
	"res.exp.msg":      "The time to pay for this order has run out. No money was taken. Go back to the shop to order again.",
	"res.refunded":     "Payment refunded",
	"res.refunded.msg": "This payment was refunded to you.",
	"res.other":        "Payment status: %s",
	"res.retry.next":   "You can try again, or go back to the shop.",
	"res.retry":        "Try again",
	"res.txn":          "Transaction ID",
	"res.trx":          "%s transaction ID",

	"err.notfound":       "Payment not found",
	"err.notfound.msg":   "There is no such payment. Check the link the shop gave you.",
	"err.suspended":      "Payment unavailable",
	"err.suspended.msg":  "This merchant cannot take payments at the moment. No money was taken.",
	"err.notpayable":     "Payment not payable",
	"err.notpayable.msg": "This payment can no longer be paid.",
	"err.gateway":        "Payment method unavailable",
	"err.gateway.msg":    "This payment method is not available. Go back and choose another one.",
	"err.start":          "Payment could not be started",
	"err.start.msg":      "The payment gateway did not answer as expected. No money was taken; please try again.",
	"err.back":           "Back to the payment",
}

var catalogBN = map[string]string{
	"lang.name":   "বাংলা",
	"lang.switch": "View in English",
	"test.banner": "টেস্ট মোড: এটি paycore-এর স্যান্ডবক্স। কোনো আসল টাকা লেনদেন হবে না।",
	"skip":        "সরাসরি পেমেন্টে যান",

	"pay.title":      "%s — পেমেন্ট",
	"pay.heading":    "আপনি %s-কে পেমেন্ট করছেন",
	"pay.order":      "অর্ডার",
	"pay.amount":     "টাকার পরিমাণ",
	"pay.time_left":  "পেমেন্টের জন্য সময় বাকি",
	"pay.choose":     "কীভাবে পেমেন্ট করবেন, বেছে নিন",
	"pay.with":       "%s দিয়ে পেমেন্ট করুন",
	"pay.last":       "আপনার আগের চেষ্টাটি সফল হয়নি (%s)। কোনো টাকা কাটা হয়নি; আবার চেষ্টা করতে পারেন।",
	"pay.cancel":     "বাতিল করে %s-এ ফিরে যান",
	"pay.back":       "%s-এ ফিরে যান",
	"pay.none":       "এই মুহূর্তে এই পেমেন্টের জন্য কোনো পেমেন্ট পদ্ধতি চালু নেই। একটু পরে আবার চেষ্টা করুন বা %s-এর সঙ্গে যোগাযোগ করুন।",
	"pay.done.paid":  "এই অর্ডারের টাকা আগেই পরিশোধ করা হয়েছে।",
	"pay.done.wait":  "এই অর্ডারের একটি পেমেন্ট এখনো যাচাই করা হচ্ছে। একটু অপেক্ষা করে আবার দেখুন।",
	"pay.done.exp":   "এই পেমেন্ট লিংকের মেয়াদ শেষ হয়ে গেছে। আবার অর্ডার করতে দোকানে ফিরে যান।",
	"pay.done.other": "এই পেমেন্টটি আর পরিশোধ করা যাবে না।",

	"res.ok":           "পেমেন্ট সফল হয়েছে",
	"res.ok.msg":       "%s আপনার %s পেমেন্ট পেয়েছে।",
	"res.ok.next":      "দোকানের সঙ্গে যোগাযোগের দরকার হলে নিচের ট্রানজেকশন আইডিটি রেখে দিন।",
	"res.ok.auto":      "৫ সেকেন্ডের মধ্যে আপনাকে %s-এ ফিরিয়ে নেওয়া হচ্ছে…",
	"res.wait":         "আপনার পেমেন্ট যাচাই করা হচ্ছে",
	"res.wait.msg":     "পেমেন্ট গেটওয়ে এখনো নিশ্চিত করেনি। দয়া করে আবার পেমেন্ট করবেন না: আপনার কাছ থেকে দুবার টাকা কাটা হবে না, আর নিষ্পত্তি হলেই %s-কে জানানো হবে।",
	"res.wait.again":   "আবার দেখুন",
	"res.cancel":       "পেমেন্ট বাতিল হয়েছে",
	"res.cancel.msg":   "আপনি পেমেন্টটি বাতিল করেছেন। কোনো টাকা কাটা হয়নি।",
	"res.fail":         "পেমেন্ট সফল হয়নি",
	"res.fail.msg":     "পেমেন্টটি সম্পন্ন হয়নি, কোনো টাকা কাটা হয়নি।",
	"res.fail.reason":  "%s জানিয়েছে: %s",
	"res.fail.next":    "ব্যালেন্স দেখে নিন বা অন্য অ্যাকাউন্ট দিয়ে আবার চেষ্টা করুন।",
	"res.exp":          "পেমেন্ট লিংকের মেয়াদ শেষ",
	"res.exp.msg":      "এই অর্ডারের পেমেন্টের সময় শেষ হয়ে গেছে। কোনো টাকা কাটা হয়নি। আবার অর্ডার করতে দোকানে ফিরে যান।",
	"res.refunded":     "টাকা ফেরত দেওয়া হয়েছে",
	"res.refunded.msg": "এই পেমেন্টের টাকা আপনাকে ফেরত দেওয়া হয়েছে।",
	"res.other":        "পেমেন্টের অবস্থা: %s",
	"res.retry.next":   "চাইলে আবার চেষ্টা করতে পারেন, অথবা দোকানে ফিরে যেতে পারেন।",
	"res.retry":        "আবার চেষ্টা করুন",
	"res.txn":          "ট্রানজেকশন আইডি",
	"res.trx":          "%s ট্রানজেকশন আইডি",

	"err.notfound":       "পেমেন্ট পাওয়া যায়নি",
	"err.notfound.msg":   "এমন কোনো পেমেন্ট নেই। দোকান থেকে পাওয়া লিংকটি আবার দেখুন।",
	"err.suspended":      "পেমেন্ট এখন নেওয়া যাচ্ছে না",
	"err.suspended.msg":  "এই মার্চেন্ট এই মুহূর্তে পেমেন্ট নিতে পারছে না। কোনো টাকা কাটা হয়নি।",
	"err.notpayable":     "পেমেন্ট করা যাবে না",
	"err.notpayable.msg": "এই পেমেন্টটি আর পরিশোধ করা যাবে না।",
	"err.gateway":        "পেমেন্ট পদ্ধতি চালু নেই",
	"err.gateway.msg":    "এই পেমেন্ট পদ্ধতিটি এখন চালু নেই। ফিরে গিয়ে অন্য একটি বেছে নিন।",
	"err.start":          "পেমেন্ট শুরু করা যায়নি",
	"err.start.msg":      "পেমেন্ট গেটওয়ে ঠিকমতো সাড়া দেয়নি। কোনো টাকা কাটা হয়নি; আবার চেষ্টা করুন।",
	"err.back":           "পেমেন্টে ফিরে যান",
}
