package domain

import (
	"net/mail"
	"strings"
	"time"
)

// PrefixUser starts a dashboard user's ID.
const PrefixUser = "usr_"

// Role is what a dashboard user may do (issue 12).
type Role string

// Roles of dashboard users.
const (
	// RoleAdmin is an operator who sees and does everything.
	RoleAdmin Role = "admin"
	// RoleSupport is an operator who reads everything and may only
	// redeliver webhooks and decide reviews.
	RoleSupport Role = "support"
	// RoleMerchant is a merchant's user, bound to one client.
	RoleMerchant Role = "merchant"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSupport || r == RoleMerchant }

// Operator reports whether r is an operator's role (admin or support).
func (r Role) Operator() bool { return r == RoleAdmin || r == RoleSupport }

// User is a dashboard user. A merchant user acts for ClientID only;
// operators have none. PasswordHash is opaque to the domain.
type User struct {
	ID           string
	Email        string
	Role         Role
	ClientID     string
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewUser validates and returns a new enabled user (without its password).
func NewUser(email string, role Role, clientID string, now time.Time) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var ve ValidationError
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		ve.Add("email", "must be an email address")
	}
	if !role.Valid() {
		ve.Add("role", "must be admin, support or merchant")
	}
	if role.Valid() && (role == RoleMerchant) != (clientID != "") {
		ve.Add("client_id", "a merchant user needs a client, an operator none")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	return &User{ID: NewID(PrefixUser), Email: email, Role: role, ClientID: clientID,
		CreatedAt: now, UpdatedAt: now}, nil
}

// AuditEntry is one operator action as written to the audit log.
type AuditEntry struct {
	ID         int64
	ActorID    string
	ActorEmail string
	ActorRole  string
	Action     string
	Target     string
	ClientID   string
	Before     []byte // JSON or nil
	After      []byte // JSON or nil
	At         time.Time
}
