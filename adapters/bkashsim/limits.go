package bkashsim

import (
	"net/http"
	"time"
)

// badCredentials answers a token call with wrong credentials: HTTP 200
// statusCode 9999 with msg, as bKash answers (docs/gateways/bkash.md §4.4),
// or HTTP 403 {"message":"Forbidden"} with Config.ForbiddenOnBadCredentials.
func (s *Simulator) badCredentials(msg string) (int, any) {
	if s.cfg.ForbiddenOnBadCredentials {
		return http.StatusForbidden, messageBody{messageForbidden}
	}
	return http.StatusOK, statusBody{StatusCode: codeSystemError, StatusMessage: msg}
}

// tokenCallBlocked counts one token call with the right credentials against
// Config.TokenCallsPerHour and reports whether it is refused: the merchant
// is blocked for an hour from the call that went over the limit
// (docs/gateways/bkash.md §4.3). Calls refused while blocked do not extend
// the block. s.mu must be held.
func (s *Simulator) tokenCallBlocked(now time.Time) (int, any, bool) {
	limit := s.cfg.TokenCallsPerHour
	if limit <= 0 {
		return 0, nil, false
	}
	if now.Before(s.blockedUntil) {
		return http.StatusTooManyRequests, messageBody{messageTooManyTokens}, true
	}
	recent := s.tokenCalls[:0]
	for _, t := range s.tokenCalls {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	s.tokenCalls = append(recent, now)
	if len(s.tokenCalls) > limit {
		s.blockedUntil = now.Add(time.Hour)
		s.tokenCalls = s.tokenCalls[:0]
		return http.StatusTooManyRequests, messageBody{messageTooManyTokens}, true
	}
	return 0, nil, false
}

// TokenBlockedUntil returns when the merchant's token-call block ends (the
// zero time when it is not blocked now), on the simulator's clock.
func (s *Simulator) TokenBlockedUntil() time.Time {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.blockedUntil) {
		return s.blockedUntil
	}
	return time.Time{}
}
