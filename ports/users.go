package ports

import (
	"context"
	"errors"
	"time"

	"github.com/paycore/paycore/domain"
)

// ErrRefreshReused: a refresh token that was already rotated (or revoked)
// was presented again; its whole family has been revoked.
var ErrRefreshReused = errors.New("refresh token reused")

// UserStore keeps dashboard users (issue 12).
type UserStore interface {
	// CreateUser stores u; domain.ErrDuplicate if its email is taken
	// (case-insensitively), domain.ErrNotFound if its client does not exist.
	CreateUser(ctx context.Context, u *domain.User) error
	// UserByEmail and UserByID return a user; domain.ErrNotFound if none.
	UserByEmail(ctx context.Context, email string) (*domain.User, error)
	UserByID(ctx context.Context, id string) (*domain.User, error)
	// SetUserDisabled enables or disables a user; disabling revokes every
	// refresh token of the user.
	SetUserDisabled(ctx context.Context, id string, disabled bool, now time.Time) error
	// SetUserPassword replaces the password hash and revokes every refresh
	// token of the user.
	SetUserPassword(ctx context.Context, id, hash string, now time.Time) error
	// ListUsers returns every user, oldest first.
	ListUsers(ctx context.Context) ([]domain.User, error)
}

// RefreshToken is one stored refresh token: only its hash is kept.
type RefreshToken struct {
	Hash      []byte
	FamilyID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RefreshStore keeps rotating refresh tokens.
type RefreshStore interface {
	// CreateRefresh stores a new token (the first of a family at login).
	CreateRefresh(ctx context.Context, t RefreshToken) error
	// RotateRefresh uses the token whose hash is oldHash once and stores
	// next in its family (next.FamilyID and next.UserID are filled from it),
	// atomically. domain.ErrNotFound if the token is unknown, expired or
	// revoked; ErrRefreshReused (after revoking the family) if it was used
	// before.
	RotateRefresh(ctx context.Context, oldHash []byte, next RefreshToken, now time.Time) (RefreshToken, error)
	// RevokeRefreshFamily revokes the family of the token hashed hash
	// (logout); nothing if unknown.
	RevokeRefreshFamily(ctx context.Context, hash []byte, now time.Time) error
}

// AuditFilter selects audit log entries, newest first.
type AuditFilter struct {
	ActorID  string // "" → any
	ClientID string // "" → any
	Action   string // "" → any
	Before   int64  // entries with an ID below this (paging); 0 → from the newest
	Limit    int
}

// AuditLog keeps every operator action.
type AuditLog interface {
	AppendAudit(ctx context.Context, e domain.AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]domain.AuditEntry, error)
}
