package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Dashboard users and their sessions (issue 12). A user logs in with email
// and password (bcrypt) and gets a Session: the principal to put in a
// short-lived access token (the edge signs it) and a refresh token, stored
// hashed. Each refresh rotates the refresh token; presenting a rotated one
// again revokes the whole family (a stolen token is useless once either
// party uses it). Disabling a user or resetting the password revokes every
// refresh token; Sessions refuses the user's access tokens within seconds.

// Login limits: failed attempts per account and attempts per address, per
// LoginWindow: counted in PostgreSQL for every node at once when Deps.Logins
// is set (app/loginlimits.go), else in this node's memory.
const (
	LoginWindow         = 15 * time.Minute
	LoginFailuresPerKey = 10
	LoginAttemptsPerIP  = 50
	// RefreshTTL is how long a refresh token lives unused.
	RefreshTTL = 7 * 24 * time.Hour
	// MinPasswordLength is the shortest password accepted.
	MinPasswordLength = 10
)

// ErrLoginRateLimited refuses a login over the limits: errors.Is
// domain.ErrUnauthenticated; RetryAfter says when to try again.
type ErrLoginRateLimited struct{ RetryAfter time.Duration }

func (e *ErrLoginRateLimited) Error() string { return "too many login attempts" }

// Is makes the error a domain.ErrUnauthenticated.
func (e *ErrLoginRateLimited) Is(target error) bool { return target == domain.ErrUnauthenticated }

// errBadLogin is the one answer to a wrong email, a wrong password and a
// disabled user alike.
var errBadLogin = &AuthError{"invalid email or password"}

// Session is what a login or a refresh gives: the user's principal and a
// new refresh token (shown once).
type Session struct {
	User          domain.User
	Principal     Principal
	RefreshToken  string
	RefreshExpiry time.Time
}

// Users manages dashboard users and their sessions.
type Users struct {
	store   ports.UserStore
	refresh ports.RefreshStore
	clock   ports.Clock
	cost    int

	limits loginLimiter // memLimiter, or storeLimiter (shared by every node)
	dummy  []byte       // hashed against when the email is unknown
}

// loginLimiter counts login attempts: "email:…" failed logins, "ip:…"
// every attempt.
type loginLimiter interface {
	// limited reports how long key must wait (0: it may try) given limit
	// attempts per LoginWindow; count counts this attempt (per-address
	// limits count every attempt).
	limited(ctx context.Context, key string, limit int, count bool) (time.Duration, error)
	// fail counts a failed attempt of key.
	fail(ctx context.Context, key string)
	// clear forgets key's failures (a successful login).
	clear(ctx context.Context, key string)
}

// memLimiter counts in this node's memory.
type memLimiter struct {
	clock    ports.Clock
	mu       sync.Mutex
	failures map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// NewUsers wires Users; bcryptCost 0 → bcrypt.DefaultCost (tests pass
// bcrypt.MinCost). It panics on nil dependencies.
func NewUsers(store ports.UserStore, refresh ports.RefreshStore, clock ports.Clock, bcryptCost int) *Users {
	if store == nil || refresh == nil || clock == nil {
		panic("app.NewUsers: nil dependency")
	}
	if bcryptCost == 0 {
		bcryptCost = bcrypt.DefaultCost
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a password"), bcryptCost)
	return &Users{store: store, refresh: refresh, clock: clock, cost: bcryptCost,
		limits: &memLimiter{clock: clock, failures: map[string]*window{}}, dummy: dummy}
}

// CountLoginsIn makes u count login attempts in attempts, shared by every
// node (PostgreSQL), instead of in this node's memory. Call it before u is
// used.
func (u *Users) CountLoginsIn(attempts ports.LoginAttempts) {
	u.limits = &storeLimiter{store: attempts, clock: u.clock}
}

// GeneratePassword returns a random password of 20 characters.
func GeneratePassword() string {
	return domain.RandomString(20, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
}

// Create adds a user; password "" → a generated one. It returns the user
// and the password (to show once).
func (u *Users) Create(ctx context.Context, email string, role domain.Role, clientID, password string) (*domain.User, string, error) {
	user, err := domain.NewUser(email, role, clientID, u.clock.Now())
	if err != nil {
		return nil, "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	if user.PasswordHash, err = u.hash(password); err != nil {
		return nil, "", err
	}
	if err := u.store.CreateUser(ctx, user); err != nil {
		return nil, "", err
	}
	return user, password, nil
}

// SetDisabled disables (or enables again) the user with email; disabling
// ends its sessions.
func (u *Users) SetDisabled(ctx context.Context, email string, disabled bool) (*domain.User, error) {
	user, err := u.store.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if err := u.store.SetUserDisabled(ctx, user.ID, disabled, u.clock.Now()); err != nil {
		return nil, err
	}
	user.Disabled = disabled
	return user, nil
}

// ResetPassword sets a new password (password "" → generated), ending the
// user's sessions; it returns the password.
func (u *Users) ResetPassword(ctx context.Context, email, password string) (string, error) {
	user, err := u.store.UserByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	h, err := u.hash(password)
	if err != nil {
		return "", err
	}
	return password, u.store.SetUserPassword(ctx, user.ID, h, u.clock.Now())
}

// Get returns a user by ID.
func (u *Users) Get(ctx context.Context, id string) (*domain.User, error) {
	return u.store.UserByID(ctx, id)
}

// List returns every user.
func (u *Users) List(ctx context.Context) ([]domain.User, error) { return u.store.ListUsers(ctx) }

func (u *Users) hash(password string) (string, error) {
	if len(password) < MinPasswordLength || len(password) > 72 {
		var ve domain.ValidationError
		ve.Add("password", fmt.Sprintf("must be %d to 72 characters", MinPasswordLength))
		return "", &ve
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), u.cost)
	return string(h), err
}

// Login checks email and password and opens a session. Wrong email, wrong
// password and disabled user get the same AuthError; over the limits
// (per account, per address ip) ErrLoginRateLimited without checking.
func (u *Users) Login(ctx context.Context, email, password, ip string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	for _, l := range []struct {
		key   string
		limit int
		count bool
	}{{"email:" + email, LoginFailuresPerKey, false}, {"ip:" + ip, LoginAttemptsPerIP, true}} {
		retry, err := u.limits.limited(ctx, l.key, l.limit, l.count)
		if err != nil {
			return Session{}, err
		}
		if retry > 0 {
			return Session{}, &ErrLoginRateLimited{RetryAfter: retry}
		}
	}
	user, err := u.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(u.dummy, []byte(password)) // same time as a known email
		u.limits.fail(ctx, "email:"+email)
		return Session{}, errBadLogin
	case err != nil:
		return Session{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(password)) != nil || user.Disabled {
		u.limits.fail(ctx, "email:"+email)
		return Session{}, errBadLogin
	}
	u.limits.clear(ctx, "email:"+email)
	tok, hash := newRefreshToken()
	now := u.clock.Now()
	rt := ports.RefreshToken{Hash: hash, FamilyID: domain.NewID("rtf_"), UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)}
	if err := u.refresh.CreateRefresh(ctx, rt); err != nil {
		return Session{}, err
	}
	return Session{User: *user, Principal: UserPrincipal(user), RefreshToken: tok, RefreshExpiry: rt.ExpiresAt}, nil
}

// Refresh rotates a refresh token: a new session for the same user, or an
// AuthError (unknown, expired, revoked, reused: the family is then
// revoked; the user disabled).
func (u *Users) Refresh(ctx context.Context, refreshToken string) (Session, error) {
	old, ok := hashRefresh(refreshToken)
	if !ok {
		return Session{}, &AuthError{"invalid refresh token"}
	}
	tok, hash := newRefreshToken()
	now := u.clock.Now()
	rt, err := u.refresh.RotateRefresh(ctx, old, ports.RefreshToken{Hash: hash, CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)}, now)
	switch {
	case errors.Is(err, ports.ErrRefreshReused):
		return Session{}, &AuthError{"refresh token reused: session revoked"}
	case errors.Is(err, domain.ErrNotFound):
		return Session{}, &AuthError{"invalid refresh token"}
	case err != nil:
		return Session{}, err
	}
	user, err := u.store.UserByID(ctx, rt.UserID)
	if err != nil {
		return Session{}, err
	}
	if user.Disabled {
		_ = u.refresh.RevokeRefreshFamily(ctx, hash, now)
		return Session{}, &AuthError{"user disabled"}
	}
	return Session{User: *user, Principal: UserPrincipal(user), RefreshToken: tok, RefreshExpiry: rt.ExpiresAt}, nil
}

// Logout revokes the refresh token's family; an unknown token is no error.
func (u *Users) Logout(ctx context.Context, refreshToken string) error {
	h, ok := hashRefresh(refreshToken)
	if !ok {
		return nil
	}
	return u.refresh.RevokeRefreshFamily(ctx, h, u.clock.Now())
}

// UserPrincipal is the principal a user acts as: operators are Admin with
// no client; a merchant user acts for its client.
func UserPrincipal(u *domain.User) Principal {
	pr := Principal{UserID: u.ID, Email: u.Email, Role: u.Role}
	if u.Role.Operator() {
		pr.Admin = true
	} else {
		pr.ClientID = u.ClientID
	}
	return pr
}

func (m *memLimiter) limited(_ context.Context, key string, limit int, count bool) (time.Duration, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.failures) > 100000 {
		for k, w := range m.failures {
			if now.Sub(w.start) >= LoginWindow {
				delete(m.failures, k)
			}
		}
	}
	w := m.failures[key]
	if w == nil || now.Sub(w.start) >= LoginWindow {
		w = &window{start: now}
		m.failures[key] = w
	}
	if w.n >= limit {
		return w.start.Add(LoginWindow).Sub(now), nil
	}
	if count {
		w.n++
	}
	return 0, nil
}

func (m *memLimiter) fail(_ context.Context, key string) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.failures[key]
	if w == nil || now.Sub(w.start) >= LoginWindow {
		w = &window{start: now}
		m.failures[key] = w
	}
	w.n++
}

func (m *memLimiter) clear(_ context.Context, key string) {
	m.mu.Lock()
	delete(m.failures, key)
	m.mu.Unlock()
}

// refreshPrefix starts every refresh token.
const refreshPrefix = "rt_"

func newRefreshToken() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := refreshPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(tok))
	return tok, h[:]
}

func hashRefresh(tok string) ([]byte, bool) {
	if !strings.HasPrefix(tok, refreshPrefix) || len(tok) != len(refreshPrefix)+43 {
		return nil, false
	}
	h := sha256.Sum256([]byte(tok))
	return h[:], true
}
