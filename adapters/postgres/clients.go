package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

type clientRow struct {
	bun.BaseModel `bun:"table:clients"`

	ID               string    `bun:"id,pk"`
	Name             string    `bun:"name"`
	Status           string    `bun:"status"`
	WebhookURL       string    `bun:"webhook_url"`
	CommissionBPS    int       `bun:"commission_bps"`
	Language         string    `bun:"language"`
	WebhookSecretEnc []byte    `bun:"webhook_secret_enc"`
	CreatedAt        time.Time `bun:"created_at"`
}

func (r *clientRow) toDomain() domain.Client {
	return domain.Client{
		ID: r.ID, Name: r.Name, Status: domain.ClientStatus(r.Status), WebhookURL: r.WebhookURL,
		CommissionBPS: r.CommissionBPS, Language: r.Language, CreatedAt: r.CreatedAt.UTC(),
	}
}

type clientRepo struct{ db bun.IDB }

func (r clientRepo) Get(ctx context.Context, id string) (domain.Client, error) {
	var row clientRow
	if err := r.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return domain.Client{}, mapErr(err)
	}
	return row.toDomain(), nil
}

type apiKeyRow struct {
	bun.BaseModel `bun:"table:api_keys"`

	Key       string     `bun:"key,pk"`
	ClientID  string     `bun:"client_id"`
	SecretEnc []byte     `bun:"secret_enc"`
	CreatedAt time.Time  `bun:"created_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

// NewClientParams describes a client to store with its first API key.
type NewClientParams struct {
	Client        domain.Client
	APIKey        string
	APISecret     []byte
	WebhookSecret []byte
}

// CreateClient stores a client and its first API key, sealing both secrets.
// domain.ErrDuplicate if the ID or key exists.
func (db *DB) CreateClient(ctx context.Context, p NewClientParams) error {
	c := p.Client
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	return mapErr(db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&clientRow{
			ID: c.ID, Name: c.Name, Status: string(c.Status), WebhookURL: c.WebhookURL,
			CommissionBPS: c.CommissionBPS, Language: c.Language,
			WebhookSecretEnc: db.box.Seal(p.WebhookSecret, []byte("client-webhook:"+c.ID)),
			CreatedAt:        c.CreatedAt,
		}).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&apiKeyRow{
			Key: p.APIKey, ClientID: c.ID, CreatedAt: c.CreatedAt,
			SecretEnc: db.box.Seal(p.APISecret, []byte("api-key:"+p.APIKey)),
		}).Exec(ctx)
		return err
	}))
}

// EnsureClient stores the client described by p unless a client with its ID
// already exists (the sandbox demo client, stored at every start:
// docs/platform.md §3).
func (db *DB) EnsureClient(ctx context.Context, p NewClientParams) error {
	exists, err := db.Bun.NewSelect().Model((*clientRow)(nil)).Where("id = ?", p.Client.ID).Exists(ctx)
	if err != nil {
		return err
	}
	if exists {
		return nil
	}
	if err := db.CreateClient(ctx, p); err != nil && !errors.Is(err, domain.ErrDuplicate) {
		return err
	}
	return nil
}

// WebhookSecret returns a client's webhook signing secret.
func (db *DB) WebhookSecret(ctx context.Context, clientID string) ([]byte, error) {
	var row clientRow
	if err := db.Bun.NewSelect().Model(&row).Column("webhook_secret_enc").Where("id = ?", clientID).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return db.box.Open(row.WebhookSecretEnc, []byte("client-webhook:"+clientID))
}

// LookupKey implements ports.KeyStore.
func (db *DB) LookupKey(ctx context.Context, key string) (ports.APIKey, error) {
	var row struct {
		apiKeyRow
		Status    string `bun:"status"`
		RateLimit *int   `bun:"rate_limit_per_minute"`
	}
	err := db.Bun.NewSelect().TableExpr("api_keys AS k").
		ColumnExpr("k.key, k.client_id, k.secret_enc, k.created_at, k.revoked_at, c.status, c.rate_limit_per_minute").
		Join("JOIN clients AS c ON c.id = k.client_id").
		Where("k.key = ?", key).Scan(ctx, &row)
	if err != nil {
		return ports.APIKey{}, mapErr(err)
	}
	secret, err := db.box.Open(row.SecretEnc, []byte("api-key:"+row.Key))
	if err != nil {
		return ports.APIKey{}, fmt.Errorf("api key %s: %w", row.Key, err)
	}
	k := ports.APIKey{
		Key: row.Key, ClientID: row.ClientID, Secret: secret, RevokedAt: row.RevokedAt,
		ClientActive: row.Status == string(domain.ClientActive),
	}
	if row.RateLimit != nil {
		k.RatePerMinute = *row.RateLimit
	}
	return k, nil
}

// KeyValid implements ports.CredentialStore.
func (db *DB) KeyValid(ctx context.Context, key string) (bool, *time.Time, error) {
	var row struct {
		RevokedAt *time.Time `bun:"revoked_at"`
		Status    string     `bun:"status"`
	}
	err := db.Bun.NewSelect().TableExpr("api_keys AS k").ColumnExpr("k.revoked_at, c.status").
		Join("JOIN clients AS c ON c.id = k.client_id").Where("k.key = ?", key).Scan(ctx, &row)
	if err != nil {
		return false, nil, mapErr(err)
	}
	return row.Status == string(domain.ClientActive), row.RevokedAt, nil
}

// ClientActive implements ports.CredentialStore.
func (db *DB) ClientActive(ctx context.Context, clientID string) (bool, int, error) {
	var row struct {
		Status    string `bun:"status"`
		RateLimit *int   `bun:"rate_limit_per_minute"`
	}
	err := db.Bun.NewSelect().TableExpr("clients").Column("status", "rate_limit_per_minute").
		Where("id = ?", clientID).Scan(ctx, &row)
	if err != nil {
		return false, 0, mapErr(err)
	}
	rate := 0
	if row.RateLimit != nil {
		rate = *row.RateLimit
	}
	return row.Status == string(domain.ClientActive), rate, nil
}

// UseNonce implements ports.NonceStore: the primary key (client_id, nonce)
// makes the first insert win on every node.
func (db *DB) UseNonce(ctx context.Context, clientID, nonce string, at time.Time) error {
	_, err := db.Bun.NewRaw("INSERT INTO api_nonces (client_id, nonce, used_at) VALUES (?, ?, ?)",
		clientID, nonce, at).Exec(ctx)
	return mapErr(err)
}

// PurgeNonces deletes nonces used before cutoff; returns how many. Nonces
// older than the signature window can never be replayed (the timestamp check
// refuses them first).
func (db *DB) PurgeNonces(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.Bun.NewDelete().TableExpr("api_nonces").Where("used_at < ?", cutoff).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RotateKey implements ports.KeyRotator. Rotations of one client are
// serialized on the client's row (SELECT … FOR UPDATE), so a rotation sees
// every key an earlier one inserted: afterwards the client has exactly one
// active key, the new one, plus at most one key in grace — the one that was
// active until now, which stops at revokeAt (now when there is no grace).
// Any older key still in its grace period stops now. domain.ErrNotFound for
// an unknown client.
func (db *DB) RotateKey(ctx context.Context, clientID, newKey string, newSecret []byte, revokeAt time.Time) error {
	now := time.Now().UTC()
	cut := now // earlier grace keys end here
	if revokeAt.Before(cut) {
		cut = revokeAt
	}
	return mapErr(db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var id string
		if err := tx.NewSelect().Model((*clientRow)(nil)).Column("id").Where("id = ?", clientID).
			For("UPDATE").Scan(ctx, &id); err != nil {
			return err
		}
		// Keys already in grace from an earlier rotation stop now.
		if _, err := tx.NewUpdate().Model((*apiKeyRow)(nil)).Set("revoked_at = ?", cut).
			Where("client_id = ? AND revoked_at > ?", clientID, cut).Exec(ctx); err != nil {
			return err
		}
		// The active key (the newest unrevoked one) gets the grace period;
		// any other unrevoked key, left by an earlier unserialized
		// rotation, stops now.
		if _, err := tx.NewRaw(`UPDATE api_keys SET revoked_at = CASE WHEN key = (
				SELECT key FROM api_keys WHERE client_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, key DESC LIMIT 1)
			THEN ?::timestamptz ELSE ?::timestamptz END
			WHERE client_id = ? AND revoked_at IS NULL`, clientID, revokeAt, cut, clientID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&apiKeyRow{
			Key: newKey, ClientID: clientID, CreatedAt: now,
			SecretEnc: db.box.Seal(newSecret, []byte("api-key:"+newKey)),
		}).Exec(ctx)
		return err
	}))
}

// CurrentKey implements ports.KeyRotator.
func (db *DB) CurrentKey(ctx context.Context, clientID string) (string, error) {
	var key string
	err := db.Bun.NewSelect().Model((*apiKeyRow)(nil)).Column("key").
		Where("client_id = ? AND revoked_at IS NULL", clientID).Order("created_at DESC").Limit(1).Scan(ctx, &key)
	return key, mapErr(err)
}

// HasClientOrKey reports whether client clientID or API key apiKey exists
// (revoked or not).
func (db *DB) HasClientOrKey(ctx context.Context, clientID, apiKey string) (bool, error) {
	var found bool
	err := db.Bun.NewRaw(`SELECT EXISTS (SELECT 1 FROM clients WHERE id = ?) OR EXISTS (SELECT 1 FROM api_keys WHERE key = ?)`,
		clientID, apiKey).Scan(ctx, &found)
	return found, err
}

// SetClientStatus suspends or reactivates a client.
func (db *DB) SetClientStatus(ctx context.Context, clientID string, st domain.ClientStatus) error {
	res, err := db.Bun.NewUpdate().Model((*clientRow)(nil)).Set("status = ?", string(st)).Where("id = ?", clientID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

var (
	_ ports.KeyStore        = (*DB)(nil)
	_ ports.CredentialStore = (*DB)(nil)
	_ ports.NonceStore      = (*DB)(nil)
	_ ports.KeyRotator      = (*DB)(nil)
)
