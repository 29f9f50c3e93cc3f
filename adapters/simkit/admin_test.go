package simkit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/simkit"
)

// admin mounts a FaultsHandler and Stats on one mux with a catch-all.
func admin(t *testing.T, configure func(*simkit.FaultsHandler)) (*http.ServeMux, *simkit.Faults, *simkit.Stats) {
	t.Helper()
	fs := &simkit.Faults{}
	stats := simkit.NewStats("create", "execute")
	h := &simkit.FaultsHandler{
		Faults:    fs,
		Endpoints: []string{"create", "execute"},
		Modes:     []simkit.FaultMode{simkit.FaultNone, simkit.FaultNoAnswer, simkit.FaultDrop, "special"},
		ErrorBody: func(msg string) any { return map[string]string{"error": msg} },
	}
	if configure != nil {
		configure(h)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	stats.Register(mux, nil)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		simkit.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no route"})
	})
	return mux, fs, stats
}

// serve sends one request to h and returns the status and body.
func serve(h http.Handler, method, path, body string) (int, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
	return rec.Code, rec.Body.String()
}

func TestFaultsHandlerRoutes(t *testing.T) {
	t.Parallel()
	mux, fs, _ := admin(t, nil)

	code, body := serve(mux, "POST", "/faults", `{"endpoint":"execute","mode":"drop","after":true,"delay_ms":5,"times":3}`)
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"endpoint":"execute","mode":"drop","after":true,"delay_ms":5,"times":3}`, body)
	assert.Equal(t, map[string]simkit.Fault{"execute": {Mode: simkit.FaultDrop, After: true, Delay: 5 * time.Millisecond, Times: 3}}, fs.List())

	serve(mux, "POST", "/faults", `{"endpoint":"create","mode":"special"}`)
	code, body = serve(mux, "GET", "/faults", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, `[{"endpoint":"create","mode":"special","after":false,"delay_ms":0,"times":0},`+
		`{"endpoint":"execute","mode":"drop","after":true,"delay_ms":5,"times":3}]`+"\n", body, "sorted by endpoint")

	code, body = serve(mux, "DELETE", "/faults", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, "[]\n", body)
	assert.Empty(t, fs.List())
	_, body = serve(mux, "GET", "/faults", "")
	assert.Equal(t, "[]\n", body)

	code, body = serve(mux, "PUT", "/faults", "")
	assert.Equal(t, 404, code, "other methods are left to the mux")
	assert.JSONEq(t, `{"error":"no route"}`, body)
}

func TestFaultsHandlerRefusals(t *testing.T) {
	t.Parallel()
	mux, fs, _ := admin(t, func(h *simkit.FaultsHandler) {
		h.Check = func(endpoint string, mode simkit.FaultMode) string {
			if mode == "special" && endpoint != "create" {
				return "special applies to create only"
			}
			return ""
		}
	})
	for body, want := range map[string]string{
		`not json`:                         "invalid JSON: invalid character 'o' in literal null (expecting 'u')",
		``:                                 "invalid JSON: EOF",
		`{"endpoint":"nope"}`:              `unknown endpoint "nope"; one of [create execute]`,
		`{"endpoint":"create","mode":"x"}`: `unknown mode "x"; one of "", no_answer, drop, special`,
		`{"endpoint":"execute","mode":"special"}`: "special applies to create only",
		`{"endpoint":"create","delay_ms":-1}`:     "delay_ms and times must not be negative",
		`{"endpoint":"create","times":-1}`:        "delay_ms and times must not be negative",
	} {
		code, got := serve(mux, "POST", "/faults", body)
		assert.Equal(t, 400, code, body)
		assert.JSONEq(t, `{"error":`+strconv.Quote(want)+`}`, got, body)
	}
	assert.Empty(t, fs.List())

	// Without ReadBody the body is a stream: its first value counts.
	code, _ := serve(mux, "POST", "/faults", `{"endpoint":"create","mode":"special"} trailing`)
	assert.Equal(t, 200, code)
	code, got := serve(mux, "POST", "/faults", strings.Repeat(" ", simkit.MaxBody+1))
	assert.Equal(t, 400, code)
	assert.JSONEq(t, `{"error":"invalid JSON: http: request body too large"}`, got)

	// The handler alone answers 405 to other methods.
	h := &simkit.FaultsHandler{Faults: fs, ErrorBody: func(msg string) any { return msg }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PATCH", "/faults", nil))
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, "GET, POST, DELETE", rec.Header().Get("Allow"))
}

func TestFaultsHandlerReadBody(t *testing.T) {
	t.Parallel()
	mux, fs, _ := admin(t, func(h *simkit.FaultsHandler) {
		h.ReadBody = func(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
			b, err := simkit.ReadAll(w, r)
			if err != nil {
				simkit.WriteJSON(w, http.StatusBadRequest, map[string]string{"gateway": "unreadable"})
				return nil, false
			}
			return b, true
		}
	})
	code, body := serve(mux, "POST", "/faults", strings.Repeat(" ", simkit.MaxBody+1))
	assert.Equal(t, 400, code)
	assert.JSONEq(t, `{"gateway":"unreadable"}`, body, "the gateway's own answer")
	code, body = serve(mux, "POST", "/faults", ``)
	assert.Equal(t, 400, code)
	assert.JSONEq(t, `{"error":"invalid JSON: unexpected end of JSON input"}`, body)
	code, _ = serve(mux, "POST", "/faults", `{"endpoint":"create","mode":"drop"} trailing`)
	assert.Equal(t, 400, code, "a read body must be one JSON value")
	code, _ = serve(mux, "POST", "/faults", `{"endpoint":"create","mode":"drop"}`)
	assert.Equal(t, 200, code)
	assert.Len(t, fs.List(), 1)
}

func TestStats(t *testing.T) {
	t.Parallel()
	s := simkit.NewStats("a", "b")
	assert.Equal(t, map[string]int{"a": 0, "b": 0}, s.Snapshot(), "every key, from the start")
	s.Inc("a")
	s.Inc("a")
	s.Inc("zzz")
	assert.Equal(t, map[string]int{"a": 2, "b": 0}, s.Snapshot(), "unknown keys are not reported")

	snap := s.Snapshot()
	snap["a"] = 99
	assert.Equal(t, 2, s.Snapshot()["a"], "a snapshot is a copy")

	s.Reset()
	assert.Equal(t, map[string]int{"a": 0, "b": 0}, s.Snapshot())

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				s.Inc("b")
				_ = s.Snapshot()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 800, s.Snapshot()["b"])
}

func TestStatsRoutes(t *testing.T) {
	t.Parallel()
	mux, _, stats := admin(t, nil)
	stats.Inc("execute")
	code, body := serve(mux, "GET", "/stats", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"create":0,"execute":1}`+"\n", body)
	code, body = serve(mux, "POST", "/stats/reset", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"create":0,"execute":0}`+"\n", body)

	// A simulator's own reset runs instead of Reset.
	s := simkit.NewStats("x")
	s.Inc("x")
	other := 5
	m := http.NewServeMux()
	s.Register(m, func() { s.Reset(); other = 0 })
	_, body = serve(m, "POST", "/stats/reset", "")
	assert.Equal(t, `{"x":0}`+"\n", body)
	assert.Zero(t, other)
	code, _ = serve(m, "GET", "/stats/reset", "")
	require.Equal(t, 405, code, "only POST resets")
}
