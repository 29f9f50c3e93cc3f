package domain

import "time"

// ClientStatus says whether a client (merchant) may use the API.
type ClientStatus string

// Client statuses.
const (
	ClientActive    ClientStatus = "active"
	ClientSuspended ClientStatus = "suspended"
)

// Client is a merchant of the platform. Its API secret and webhook signing
// secret live in the key store, never here.
type Client struct {
	ID            string // cli_…
	Name          string
	Status        ClientStatus
	WebhookURL    string // default webhook_url for its payments
	CommissionBPS int    // platform commission in basis points (150 = 1.50 %)
	Language      string // SMS language: "en" or "bn"
	CreatedAt     time.Time
}

// Active reports whether the client may call the API.
func (c Client) Active() bool { return c.Status == ClientActive }

// Commission returns the client's commission on amount in basis points,
// rounded half up to the minor unit: 100000 paisa at 150 bps → 1500 paisa.
func (c Client) Commission(amount Money) Money {
	m, _ := NewMoney((amount.Minor()*int64(c.CommissionBPS)+5000)/10000, amount.Currency().Code)
	return m
}
