package simkit_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/simkit"
)

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	simkit.WriteJSON(rec, http.StatusCreated, map[string]string{"url": "https://x.test/?a=1&b=<2>", "bn": "৳"})
	assert.Equal(t, http.StatusCreated, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	body := `{"bn":"৳","url":"https://x.test/?a=1&b=<2>"}` + "\n"
	assert.Equal(t, body, rec.Body.String(), "no HTML escaping")
	assert.Equal(t, strconv.Itoa(len(body)), rec.Header().Get("Content-Length"))

	rec = httptest.NewRecorder()
	simkit.WriteJSON(rec, http.StatusOK, make(chan int))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, `{"message":"Internal Server Error"}`, rec.Body.String())
	assert.Equal(t, "35", rec.Header().Get("Content-Length"))

	rec = httptest.NewRecorder()
	simkit.WriteJSONFallback(rec, http.StatusOK, func() {}, `{"status":"error"}`)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, `{"status":"error"}`, rec.Body.String())
}

func TestStaticJSONHTMLAndSeeOther(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	simkit.StaticJSON(struct {
		Key string `json:"key"`
	}{"k1"}).ServeHTTP(rec, httptest.NewRequest("GET", "/credentials", nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, `{"key":"k1"}`+"\n", rec.Body.String())

	rec = httptest.NewRecorder()
	rec.Header().Set("Cache-Control", "no-cache")
	simkit.WriteHTML(rec, http.StatusBadGateway, "<html>502</html>")
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-cache", rec.Header().Get("Cache-Control"), "headers set before are kept")
	assert.Equal(t, "<html>502</html>", rec.Body.String())

	rec = httptest.NewRecorder()
	simkit.SeeOther(rec, "https://shop.test/cb?status=success")
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "https://shop.test/cb?status=success", rec.Header().Get("Location"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}

func TestReadAll(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	b, err := simkit.ReadAll(rec, httptest.NewRequest("POST", "/", strings.NewReader("abc")))
	require.NoError(t, err)
	assert.Equal(t, "abc", string(b))
	_, err = simkit.ReadAll(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", simkit.MaxBody+1))))
	assert.Error(t, err)
}

func TestMountURL(t *testing.T) {
	t.Parallel()
	var got []string
	inner := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = append(got, simkit.MountURL(r)) })
	mux := http.NewServeMux()
	mux.Handle("/sandbox/gw/", http.StripPrefix("/sandbox/gw", inner))

	req := httptest.NewRequest("POST", "http://pay.test:8080/sandbox/gw/api/create", nil)
	mux.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest("POST", "http://pay.test/sandbox/gw/api/create", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	mux.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest("POST", "http://pay.test/sandbox/gw/api/create", nil)
	req.Header.Set("X-Forwarded-Proto", "gopher")
	req.TLS = &tls.ConnectionState{}
	mux.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest("GET", "http://pay.test/sandbox/gw/check-out/a%2Fb%3D", nil)
	mux.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest("GET", "http://pay.test/sand%20box/checkout", nil)
	http.StripPrefix("/sand box", inner).ServeHTTP(httptest.NewRecorder(), req)
	inner.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://pay.test/api/create", nil))

	assert.Equal(t, []string{
		"http://pay.test:8080/sandbox/gw",
		"https://pay.test/sandbox/gw",
		"https://pay.test/sandbox/gw",
		"http://pay.test/sandbox/gw",
		"http://pay.test/sand%20box",
		"http://pay.test",
	}, got)
}

func TestFields(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{`} {
		_, ok := simkit.ParseFields([]byte(bad))
		assert.False(t, ok, bad)
	}
	f, ok := simkit.ParseFields([]byte(`{"s":"a&b","n":12.50,"z":null,"b":true,"o":{},"e":""}`))
	require.True(t, ok)

	assert.True(t, f.Has("s"))
	assert.True(t, f.Has("e"))
	assert.False(t, f.Has("z"), "null is absent")
	assert.False(t, f.Has("missing"))

	for key, want := range map[string][3]any{
		"s":       {"a&b", true, true},
		"n":       {"12.50", true, true},
		"e":       {"", true, true},
		"b":       {"", true, false},
		"o":       {"", true, false},
		"z":       {"", false, false},
		"missing": {"", false, false},
	} {
		v, present, valid := f.Text(key)
		assert.Equal(t, want, [3]any{v, present, valid}, key)
	}
	for key, want := range map[string][2]any{
		"s": {"a&b", true}, "e": {"", true}, "n": {"", false}, "b": {"", false}, "z": {"", false}, "missing": {"", false},
	} {
		v, ok := f.JSONString(key)
		assert.Equal(t, want, [2]any{v, ok}, key)
	}
}

func TestRandString(t *testing.T) {
	t.Parallel()
	assert.Empty(t, simkit.RandString("AB", 0))
	s := simkit.RandString("AB", 64)
	assert.Len(t, s, 64)
	assert.Empty(t, strings.Trim(s, "AB"))
	assert.NotEqual(t, s, simkit.RandString("AB", 64))
}

func TestAppendQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://s.test/cb":           "https://s.test/cb?a=1",
		"https://s.test/cb?o=2":       "https://s.test/cb?o=2&a=1",
		"https://s.test/cb?":          "https://s.test/cb?a=1",
		"https://s.test/cb?o=2&":      "https://s.test/cb?o=2&a=1",
		"https://s.test/cb?o=2#frag":  "https://s.test/cb?o=2&a=1#frag",
		"https://s.test/cb#frag?nope": "https://s.test/cb?a=1#frag?nope",
	} {
		assert.Equal(t, want, simkit.AppendQuery(in, "a=1"), in)
	}
}

func TestParseAndFormatPaisa(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		paisa int64
		ok    bool
	}{
		{"250.00", 25000, true},
		{"500", 50000, true},
		{"10.5", 1050, true},
		{"0.01", 1, true},
		{"0", 0, true},
		{"999999999999.99", 99999999999999, true},
		{"1000000000000", 0, false},
		{"1.005", 0, false},
		{"10.", 0, false},
		{".5", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1e3", 0, false},
		{"1,000", 0, false},
		{" 5", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := simkit.ParsePaisa(tt.in)
		if got != tt.paisa || ok != tt.ok {
			t.Errorf("ParsePaisa(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.paisa, tt.ok)
		}
	}
	for paisa, want := range map[int64]string{0: "0.00", 1: "0.01", 1050: "10.50", 25000: "250.00", 99999999999999: "999999999999.99"} {
		assert.Equal(t, want, simkit.FormatPaisa(paisa), paisa)
	}
	assert.True(t, simkit.AllDigits(""))
	assert.True(t, simkit.AllDigits("0123456789"))
	assert.False(t, simkit.AllDigits("12a"))
	assert.False(t, simkit.AllDigits("١٢")) // Arabic-Indic digits are not ASCII
}
