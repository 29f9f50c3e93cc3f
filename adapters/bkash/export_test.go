package bkash

// EscapeControlInStrings exposes the adapter's reading of bKash's raw
// control characters (docs/gateways/bkash.md §4.4) to the external fuzz
// test, whose oracle must read answers the same way.
var EscapeControlInStrings = escapeControlInStrings
