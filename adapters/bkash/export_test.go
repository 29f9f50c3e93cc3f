package bkash

import "context"

// EscapeControlInStrings exposes the adapter's reading of bKash's raw
// control characters (docs/gateways/bkash.md §4.4) to the external fuzz
// test, whose oracle must read answers the same way.
var EscapeControlInStrings = escapeControlInStrings

// IDTokenForTest is the token look-up every API call starts with.
func (c *Client) IDTokenForTest(ctx context.Context) (Token, error) { return c.idToken(ctx) }

// LastTokenForTest is the id_token this client last read, stored or used.
func (c *Client) LastTokenForTest() string {
	if t := c.last.Load(); t != nil {
		return t.IDToken
	}
	return ""
}
