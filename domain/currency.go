package domain

import (
	"fmt"
	"strings"
)

// Currency is an ISO 4217 currency: its alphabetic code and the number of
// decimals of its minor unit (BDT 2: 1 taka = 100 paisa; JPY 0; KWD 3).
type Currency struct {
	Code     string
	Decimals int
}

// iso4217 lists the active ISO 4217 codes with their minor-unit exponents
// (ISO 4217 list one, funds and precious metals left out). Codes not listed
// have 2 decimals; exceptions are in iso4217Decimals.
var iso4217 = strings.Fields(`
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS
INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD
LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`)

// iso4217Decimals holds the codes whose minor unit is not 2 decimals.
var iso4217Decimals = map[string]int{
	"BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0,
	"JOD": 3, "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3,
	"PYG": 0, "RWF": 0, "TND": 3, "UGX": 0, "UYU": 2, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
}

var currencies = func() map[string]Currency {
	m := make(map[string]Currency, len(iso4217))
	for _, c := range iso4217 {
		d, ok := iso4217Decimals[c]
		if !ok {
			d = 2
		}
		m[c] = Currency{Code: c, Decimals: d}
	}
	return m
}()

// BDT is the Bangladeshi taka: 2 decimals (paisa). bKash and Nagad accept it
// only (docs/merchant-api.md §6.1).
var BDT = Currency{Code: "BDT", Decimals: 2}

// LookupCurrency returns the ISO 4217 currency for an upper-case alphabetic
// code such as "BDT". It returns ErrUnknownCurrency for anything else,
// including lower-case spellings.
func LookupCurrency(code string) (Currency, error) {
	c, ok := currencies[code]
	if !ok {
		return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	return c, nil
}
