package sms_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/paycore/paycore/ports"
)

// Test credentials; long enough to be scrubbed from error text.
const (
	testKey    = "tEsTaPiKeY0123456789"
	testSender = "8809601000999"
	testTo     = "8801712345678"
	bangla     = "পেমেন্ট গৃহীত হয়েছে"
)

// seen is one request as a fake provider received it.
type seen struct {
	Method, Path, RawQuery, ContentType string
	Query, Form                         url.Values
	User, Pass                          string
	HasAuth                             bool
}

// fake is a provider fake: it records requests and answers with the
// status and body set by answer.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []seen
	status  int
	body    string
	handler http.HandlerFunc // overrides status/body when set
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{t: t, status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	user, pass, ok := r.BasicAuth()
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Query: r.URL.Query(), Form: form, User: user, Pass: pass, HasAuth: ok,
	})
	status, body, h := f.status, f.body, f.handler
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	if strings.HasPrefix(strings.TrimSpace(body), "<") {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// answer sets the next answers' HTTP status and body.
func (f *fake) answer(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body, f.handler = status, body, nil
}

func (f *fake) handle(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
}

// last returns the last request; the test fails if there was none.
func (f *fake) last() seen {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		f.t.Fatal("no request reached the fake")
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// smsError asserts err is a *ports.SMSError with code and retryability.
func smsError(t *testing.T, err error, code string, retryable bool) {
	t.Helper()
	_ = smsErrorOf(t, err, code, retryable)
}

// smsErrorOf is smsError returning the *ports.SMSError, for further checks.
func smsErrorOf(t *testing.T, err error, code string, retryable bool) *ports.SMSError {
	t.Helper()
	var se *ports.SMSError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *ports.SMSError", err, err)
	}
	if se.Code != code || se.Retryable != retryable {
		t.Fatalf("SMSError = {Code:%q Retryable:%v Message:%q}; want Code %q Retryable %v", se.Code, se.Retryable, se.Message, code, retryable)
	}
	return se
}

// formEqual asserts the form holds exactly want (one value per key).
func formEqual(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("form has keys %v; want exactly %v", keys(got), want)
	}
	for k, v := range want {
		if vs := got[k]; len(vs) != 1 || vs[0] != v {
			t.Errorf("form %s = %q; want [%q]", k, vs, v)
		}
	}
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

// roundTripFunc lets a test see the URL a provider calls without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// capture returns an HTTP client that answers body to every request and
// records the request URL.
func capture(body string, got *string) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		u := *r.URL
		u.RawQuery = ""
		*got = r.Method + " " + u.String()
		return &http.Response{
			StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r,
		}, nil
	})}
}

var ctx = context.Background()
