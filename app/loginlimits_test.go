package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// Login limits hold across nodes: failures and attempts counted on one node
// count on the others (the shared store), and a success clears the
// account's failures everywhere.
func TestLoginLimitsAcrossNodes(t *testing.T) {
	ctx := t.Context()
	store, clock := portstest.NewStore(), portstest.NewClock(t0)
	users := newMemUsers()
	var nodes []*app.Users
	for range 3 {
		u := app.NewUsers(users, users, clock, bcrypt.MinCost)
		u.CountLoginsIn(store)
		nodes = append(nodes, u)
	}
	if _, _, err := nodes[0].Create(ctx, "ops@example.com", domain.RoleAdmin, "", "right password"); err != nil {
		t.Fatal(err)
	}
	// Per account: 10 failures spread over three nodes, then every node refuses.
	for i := range app.LoginFailuresPerKey {
		if _, err := nodes[i%3].Login(ctx, "ops@example.com", "wrong password", "192.0.2.1"); !errors.Is(err, domain.ErrUnauthenticated) || isLimited(err) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	for i, u := range nodes {
		_, err := u.Login(ctx, "ops@example.com", "right password", "192.0.2.2")
		var rl *app.ErrLoginRateLimited
		if !errors.As(err, &rl) || rl.RetryAfter != app.LoginWindow {
			t.Fatalf("node %d after 10 failures elsewhere: %v", i, err)
		}
	}
	// Failures LoginWindow old no longer count, and a success clears the
	// account's failures.
	clock.Advance(app.LoginWindow)
	if _, err := nodes[1].Login(ctx, "ops@example.com", "right password", "192.0.2.2"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if _, err := nodes[2].Login(ctx, "ops@example.com", "wrong password", "192.0.2.2"); isLimited(err) {
		t.Fatalf("failures not cleared by the success: %v", err)
	}

	// Per address: 50 attempts spread over the nodes, whatever the account.
	clock.Advance(time.Hour)
	for i := range app.LoginAttemptsPerIP {
		if _, err := nodes[i%3].Login(ctx, "nobody@example.com", "x", "198.51.100.7"); isLimited(err) {
			t.Fatalf("attempt %d from the address refused: %v", i+1, err)
		}
		if i%app.LoginFailuresPerKey == app.LoginFailuresPerKey-1 {
			_ = store.ClearLoginAttempts(ctx, "email:nobody@example.com") // only the address's limit here
		}
	}
	if _, err := nodes[0].Login(ctx, "ops@example.com", "right password", "198.51.100.7"); !isLimited(err) {
		t.Fatalf("attempt 51 from the address: %v", err)
	}
	if _, err := nodes[0].Login(ctx, "ops@example.com", "right password", "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func isLimited(err error) bool {
	var rl *app.ErrLoginRateLimited
	return errors.As(err, &rl)
}

// memUsers is enough of a user and refresh token store for logins (the
// PostgreSQL stores are tested in cmd/paycore's console tests).
type memUsers struct {
	mu    sync.Mutex
	users map[string]*domain.User // by lower-case email
}

func newMemUsers() *memUsers { return &memUsers{users: map[string]*domain.User{}} }

func (m *memUsers) CreateUser(_ context.Context, u *domain.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := strings.ToLower(u.Email)
	if _, ok := m.users[k]; ok {
		return domain.ErrDuplicate
	}
	c := *u
	m.users[k] = &c
	return nil
}

func (m *memUsers) UserByEmail(_ context.Context, email string) (*domain.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[strings.ToLower(email)]
	if !ok {
		return nil, domain.ErrNotFound
	}
	c := *u
	return &c, nil
}

func (m *memUsers) UserByID(context.Context, string) (*domain.User, error) {
	return nil, domain.ErrNotFound
}
func (m *memUsers) SetUserDisabled(context.Context, string, bool, time.Time) error {
	return nil
}
func (m *memUsers) SetUserPassword(context.Context, string, string, time.Time) error { return nil }
func (m *memUsers) ListUsers(context.Context) ([]domain.User, error)                 { return nil, nil }
func (m *memUsers) CreateRefresh(context.Context, ports.RefreshToken) error          { return nil }
func (m *memUsers) RotateRefresh(context.Context, []byte, ports.RefreshToken, time.Time) (ports.RefreshToken, error) {
	return ports.RefreshToken{}, domain.ErrNotFound
}
func (m *memUsers) RevokeRefreshFamily(context.Context, []byte, time.Time) error { return nil }
