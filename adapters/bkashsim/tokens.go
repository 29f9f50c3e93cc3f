package bkashsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// tokenResponse is the grant and refresh answer (docs/gateways/bkash.md §4.1 and the grant
// fixture); expires_in is a JSON number.
type tokenResponse struct {
	StatusCode    string `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
	IDToken       string `json:"id_token"`
	TokenType     string `json:"token_type"`
	ExpiresIn     int    `json:"expires_in"`
	RefreshToken  string `json:"refresh_token"`
}

// grant handles POST …/token/grant: headers username and password, body
// app_key and app_secret (docs/gateways/bkash.md §3.2, §4.1). Every grant issues a new id_token and
// a new refresh_token.
func (s *Simulator) grant(r *http.Request, body []byte) (int, any) {
	if _, bad := s.tokenCallAllowed(r, body); bad != "" {
		return s.badCredentials(bad)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, v, blocked := s.tokenCallBlocked(now); blocked {
		return code, v
	}
	s.pruneTokens(now)
	id := s.issueIDToken(now)
	refresh := "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ." +
		randB64(256) + "." + randB64(12) + "." + randB64(96) + "." + randB64(16)
	s.refreshTokens[refresh] = now.Add(RefreshTokenLifetime)
	s.grantsPerHour[now.Unix()/3600]++
	return http.StatusOK, tokenAnswer(id, refresh)
}

// refresh handles POST …/token/refresh: grant's credentials plus
// refresh_token. It returns a new id_token and the same refresh_token, whose
// expiry stays 28 days after its first issue (docs/gateways/bkash.md §4.2, §2.3). Older
// id_tokens stay valid until their own expiry. An unknown or expired
// refresh_token gets 401 {"message":"Unauthorized"}.
func (s *Simulator) refresh(r *http.Request, body []byte) (int, any) {
	f, bad := s.tokenCallAllowed(r, body)
	if bad != "" {
		return s.badCredentials(bad)
	}
	rt, _, _ := f.Text("refresh_token")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, v, blocked := s.tokenCallBlocked(now); blocked {
		return code, v
	}
	s.pruneTokens(now)
	if exp, known := s.refreshTokens[rt]; rt == "" || !known || !now.Before(exp) {
		return http.StatusUnauthorized, messageBody{messageUnauthorized}
	}
	return http.StatusOK, tokenAnswer(s.issueIDToken(now), rt)
}

func tokenAnswer(id, refresh string) tokenResponse {
	return tokenResponse{
		StatusCode:    codeSuccess,
		StatusMessage: statusMessages[codeSuccess],
		IDToken:       id,
		TokenType:     "Bearer",
		ExpiresIn:     int(IDTokenLifetime / time.Second),
		RefreshToken:  refresh,
	}
}

// tokenCallAllowed checks the username/password headers and the
// app_key/app_secret body of a token call. bad is "" when they are right,
// else the statusMessage of bKash's 9999 answer: "Username does not exist"
// for an unknown username, "System Error." for anything else wrong
// (docs/gateways/bkash.md §4.4).
func (s *Simulator) tokenCallAllowed(r *http.Request, body []byte) (f simkit.Fields, bad string) {
	f, ok := simkit.ParseFields(body)
	if !ok {
		return nil, messageSystemError
	}
	if r.Header.Get("username") != s.creds.Username {
		return f, messageNoSuchUser
	}
	key, _, _ := f.Text("app_key")
	secret, _, _ := f.Text("app_secret")
	if r.Header.Get("password") != s.creds.Password || key != s.creds.AppKey || secret != s.creds.AppSecret {
		return f, messageSystemError
	}
	return f, ""
}

// issueIDToken mints a JWT-shaped id_token valid for IDTokenLifetime from now.
// Its payload carries iat and exp on the simulator's clock, like bKash's
// Cognito token (docs/gateways/bkash.md §4.2: exp − iat = 3600); the signature is random. s.mu
// must be held.
func (s *Simulator) issueIDToken(now time.Time) string {
	exp := now.Add(IDTokenLifetime)
	header := b64JSON(map[string]string{"kid": "bkashsim-0011", "alg": "RS256"})
	payload := b64JSON(map[string]any{
		"sub":        simkit.RandString(alnum, 24),
		"token_use":  "id",
		"iss":        "bkashsim",
		"auth_time":  now.Unix(),
		"iat":        now.Unix(),
		"exp":        exp.Unix(),
		"jti":        simkit.RandString(alnum, 16),
		"custom:app": s.creds.AppKey,
	})
	tok := header + "." + payload + "." + randB64(64)
	s.idTokens[tok] = exp
	return tok
}

// pruneTokens forgets expired tokens; an expired token is refused whether it
// is remembered or not. s.mu must be held.
func (s *Simulator) pruneTokens(now time.Time) {
	for t, exp := range s.idTokens {
		if !now.Before(exp) {
			delete(s.idTokens, t)
		}
	}
	for t, exp := range s.refreshTokens {
		if !now.Before(exp) {
			delete(s.refreshTokens, t)
		}
	}
}

// authorize checks the headers of every non-token call (docs/gateways/bkash.md §3.3): a valid
// id_token in Authorization (raw, or "Bearer <token>"), else 401
// {"message":"Unauthorized"}; then X-APP-Key (any header case) equal to the
// app key, else HTTP 200 statusCode 2001.
func (s *Simulator) authorize(r *http.Request) (int, any, bool) {
	tok := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(tok) > len("Bearer ") && strings.EqualFold(tok[:len("Bearer ")], "Bearer ") {
		tok = strings.TrimSpace(tok[len("Bearer "):])
	}
	now := s.now()
	s.mu.Lock()
	exp, known := s.idTokens[tok]
	s.mu.Unlock()
	if tok == "" || !known || !now.Before(exp) {
		return http.StatusUnauthorized, messageBody{messageUnauthorized}, false
	}
	if r.Header.Get("X-APP-Key") != s.creds.AppKey {
		return http.StatusOK, status(codeInvalidAppKey), false
	}
	return 0, nil, true
}

// authorizeWith authorizes r (see authorize) and reads the field key, which
// body must have: for the API calls that name one payment or transaction.
// When ok is false, code and v are the answer (2025 for a body that is not a
// JSON object, 2065 for a missing key).
func (s *Simulator) authorizeWith(r *http.Request, body []byte, key string) (value string, code int, v any, ok bool) {
	if code, v, ok := s.authorize(r); !ok {
		return "", code, v, false
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		return "", http.StatusOK, status(codeInvalidBody), false
	}
	value, present, _ := f.Text(key)
	if !present {
		return "", http.StatusOK, status(codeMissingField), false
	}
	return value, 0, nil, true
}
