package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Dashboard users, their refresh tokens and the audit log (issue 12).

var (
	_ ports.UserStore    = (*DB)(nil)
	_ ports.RefreshStore = (*DB)(nil)
	_ ports.AuditLog     = (*DB)(nil)
)

type userRow struct {
	bun.BaseModel `bun:"table:dashboard_users"`

	ID           string    `bun:"id,pk"`
	Email        string    `bun:"email"`
	Role         string    `bun:"role"`
	ClientID     *string   `bun:"client_id"`
	PasswordHash string    `bun:"password_hash"`
	Disabled     bool      `bun:"disabled"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func (r *userRow) toDomain() *domain.User {
	u := &domain.User{ID: r.ID, Email: r.Email, Role: domain.Role(r.Role), PasswordHash: r.PasswordHash,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ClientID != nil {
		u.ClientID = *r.ClientID
	}
	return u
}

// CreateUser implements ports.UserStore.
func (db *DB) CreateUser(ctx context.Context, u *domain.User) error {
	row := &userRow{ID: u.ID, Email: strings.ToLower(u.Email), Role: string(u.Role), PasswordHash: u.PasswordHash,
		Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.ClientID != "" {
		row.ClientID = &u.ClientID
	}
	_, err := db.Bun.NewInsert().Model(row).Exec(ctx)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return fmt.Errorf("%w: client %s", domain.ErrNotFound, u.ClientID)
	}
	return mapErr(err)
}

// UserByEmail implements ports.UserStore.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	var row userRow
	if err := db.Bun.NewSelect().Model(&row).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// UserByID implements ports.UserStore.
func (db *DB) UserByID(ctx context.Context, id string) (*domain.User, error) {
	var row userRow
	if err := db.Bun.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// ListUsers implements ports.UserStore.
func (db *DB) ListUsers(ctx context.Context) ([]domain.User, error) {
	var rows []userRow
	if err := db.Bun.NewSelect().Model(&rows).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].toDomain()
	}
	return out, nil
}

// SetUserDisabled implements ports.UserStore.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool, now time.Time) error {
	return db.updateUser(ctx, id, now, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("disabled = ?", disabled)
	}, disabled)
}

// SetUserPassword implements ports.UserStore.
func (db *DB) SetUserPassword(ctx context.Context, id, hash string, now time.Time) error {
	return db.updateUser(ctx, id, now, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("password_hash = ?", hash)
	}, true)
}

func (db *DB) updateUser(ctx context.Context, id string, now time.Time, set func(*bun.UpdateQuery) *bun.UpdateQuery, revoke bool) error {
	return mapErr(db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := set(tx.NewUpdate().Table("dashboard_users")).Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.ErrNotFound
		}
		if !revoke {
			return nil
		}
		_, err = tx.NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", now).
			Where("user_id = ? AND revoked_at IS NULL", id).Exec(ctx)
		return err
	}))
}

type refreshRow struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	TokenHash []byte     `bun:"token_hash,pk"`
	FamilyID  string     `bun:"family_id"`
	UserID    string     `bun:"user_id"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

// CreateRefresh implements ports.RefreshStore.
func (db *DB) CreateRefresh(ctx context.Context, t ports.RefreshToken) error {
	_, err := db.Bun.NewInsert().Model(&refreshRow{TokenHash: t.Hash, FamilyID: t.FamilyID, UserID: t.UserID,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}).Exec(ctx)
	return mapErr(err)
}

// RotateRefresh implements ports.RefreshStore.
func (db *DB) RotateRefresh(ctx context.Context, oldHash []byte, next ports.RefreshToken, now time.Time) (ports.RefreshToken, error) {
	reused := false
	err := db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var old refreshRow
		if err := tx.NewSelect().Model(&old).Where("token_hash = ?", oldHash).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		switch {
		case old.UsedAt != nil:
			reused = true
			_, err := tx.NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", now).
				Where("family_id = ? AND revoked_at IS NULL", old.FamilyID).Exec(ctx)
			return err
		case old.RevokedAt != nil, !now.Before(old.ExpiresAt):
			return sql.ErrNoRows
		}
		if _, err := tx.NewUpdate().Table("refresh_tokens").Set("used_at = ?", now).
			Where("token_hash = ?", oldHash).Exec(ctx); err != nil {
			return err
		}
		next.FamilyID, next.UserID = old.FamilyID, old.UserID
		_, err := tx.NewInsert().Model(&refreshRow{TokenHash: next.Hash, FamilyID: next.FamilyID, UserID: next.UserID,
			CreatedAt: next.CreatedAt, ExpiresAt: next.ExpiresAt}).Exec(ctx)
		return err
	})
	if err != nil {
		return ports.RefreshToken{}, mapErr(err)
	}
	if reused {
		return ports.RefreshToken{}, ports.ErrRefreshReused
	}
	return next, nil
}

// RevokeRefreshFamily implements ports.RefreshStore.
func (db *DB) RevokeRefreshFamily(ctx context.Context, hash []byte, now time.Time) error {
	_, err := db.Bun.NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", now).
		Where("revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?)", hash).Exec(ctx)
	return mapErr(err)
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64           `bun:"id,pk,autoincrement"`
	ActorID    string          `bun:"actor_id"`
	ActorEmail string          `bun:"actor_email"`
	ActorRole  string          `bun:"actor_role"`
	Action     string          `bun:"action"`
	Target     string          `bun:"target"`
	ClientID   string          `bun:"client_id"`
	Before     json.RawMessage `bun:"before,type:jsonb,nullzero"`
	After      json.RawMessage `bun:"after,type:jsonb,nullzero"`
	At         time.Time       `bun:"at"`
}

// AppendAudit implements ports.AuditLog.
func (db *DB) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	_, err := db.Bun.NewInsert().Model(&auditRow{ActorID: e.ActorID, ActorEmail: e.ActorEmail, ActorRole: e.ActorRole,
		Action: e.Action, Target: e.Target, ClientID: e.ClientID, Before: e.Before, After: e.After, At: e.At}).Exec(ctx)
	return mapErr(err)
}

// ListAudit implements ports.AuditLog.
func (db *DB) ListAudit(ctx context.Context, f ports.AuditFilter) ([]domain.AuditEntry, error) {
	var rows []auditRow
	q := db.Bun.NewSelect().Model(&rows).Order("id DESC").Limit(int64(max(1, min(f.Limit, 200))))
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ClientID != "" {
		q = q.Where("client_id = ?", f.ClientID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = domain.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorEmail: r.ActorEmail, ActorRole: r.ActorRole,
			Action: r.Action, Target: r.Target, ClientID: r.ClientID, Before: r.Before, After: r.After, At: r.At.UTC()}
	}
	return out, nil
}
