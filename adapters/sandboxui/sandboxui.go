// Package sandboxui is the sandbox's front page (GET /sandbox, sandbox mode
// only): what a developer trying paycore wants to see through — the SMS
// the customer would have received (per phone number, Bangla intact, with
// segment counts), the webhooks the sandbox merchant received (headers,
// body, signature verified or not), each simulator's call counts and fault
// switches, and the demo client's credentials.
//
// It reads the simulators through their own HTTP admin routes
// (…/sms/messages, …/merchant/webhooks, …/<simulator>/stats and /faults),
// so it works the same whether they run inside paycore or in a
// `paycore sandbox` process of their own.
package sandboxui

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Simulator is one simulator the page shows.
type Simulator struct {
	Name   string // "bkash"
	Title  string // "bKash"
	Prefix string // where it is served: "/sandbox/bkash"
}

// Demo is the demo client the sandbox seeds (shown on the page: these are
// not secrets).
type Demo struct {
	ClientID, APIKey, APISecret, WebhookSecret string
}

// Config wires the page.
type Config struct {
	// Root is the URL the simulators are served under, without the
	// /sandbox/… prefixes: paycore's own base URL, or PAYCORE_SANDBOX_URL.
	Root string
	// Client fetches the simulators' admin routes under Root (nil:
	// a client with a 5 s timeout).
	Client *http.Client
	// Simulators are the gateway simulators, shown in this order.
	Simulators []Simulator
	// SMSPrefix and MerchantPrefix are where the SMS simulator and the
	// sandbox merchant are served ("/sandbox/sms", "/sandbox/merchant").
	SMSPrefix, MerchantPrefix string
	Demo                      Demo
	// Links are further pages worth a link (title → path), e.g. the
	// storefront example.
	Links []Link
}

// Link is a named path.
type Link struct{ Title, Href string }

// Handler serves GET /sandbox (and /sandbox/) and POST /sandbox/faults.
type Handler struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the page's handler; mount it at /sandbox and /sandbox/….
func New(cfg Config) *Handler {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /sandbox", h.index)
	h.mux.HandleFunc("GET /sandbox/{$}", h.index)
	h.mux.HandleFunc("POST /sandbox/faults", h.faults)
	h.mux.HandleFunc("POST /sandbox/clear", h.clear)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// message is one SMS as the SMS simulator lists it.
type message struct {
	Provider string    `json:"provider"`
	To       string    `json:"to"`
	Text     string    `json:"text"`
	Encoding string    `json:"encoding"`
	Segments int       `json:"segments"`
	Type     string    `json:"type"`
	Mismatch bool      `json:"type_mismatch"`
	Time     time.Time `json:"time"`
}

// Bangla reports whether the text has Bangla in it (for its lang
// attribute).
func (m message) Bangla() bool { return hasBangla(m.Text) }

func hasBangla(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Bengali, r) }) >= 0
}

// inbox is the messages to one number, newest first.
type inbox struct {
	To       string
	Messages []message
	Segments int
}

// webhook is one webhook as the sandbox merchant lists it.
type webhook struct {
	ID        string            `json:"id"`
	Event     string            `json:"event"`
	Verified  bool              `json:"verified"`
	Error     string            `json:"error"`
	Answered  int               `json:"answered"`
	Body      json.RawMessage   `json:"body"`
	Signature string            `json:"signature"`
	Headers   map[string]string `json:"headers"`
	At        time.Time         `json:"at"`
}

// PrettyBody is the body indented for reading.
func (w webhook) PrettyBody() string {
	var b bytes.Buffer
	if json.Indent(&b, w.Body, "", "  ") != nil {
		return string(w.Body)
	}
	return b.String()
}

// HeaderList is the headers sorted by name.
func (w webhook) HeaderList() [][2]string {
	out := make([][2]string, 0, len(w.Headers))
	for k, v := range w.Headers {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	return out
}

type fault struct {
	Endpoint string `json:"endpoint"`
	Mode     string `json:"mode"`
	After    bool   `json:"after"`
	DelayMS  int64  `json:"delay_ms"`
	Times    int    `json:"times"`
}

type simView struct {
	Simulator
	Stats  [][2]string // endpoint, calls
	Faults []fault
	Err    string
}

type indexData struct {
	Demo       Demo
	Links      []Link
	Inboxes    []inbox
	Phone      string // the inbox filter
	SMSErr     string
	Webhooks   []webhook
	HookErr    string
	Sims       []simView
	Flash      string
	Modes      []string
	Root       string
	SMSPrefix  string
	HookPrefix string
}

// faultModes are the modes offered by the fault switch; a simulator that
// lacks one refuses it, and the page says so.
var faultModes = []string{"no_answer", "drop", "503", "html", "down"}

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := indexData{Demo: h.cfg.Demo, Links: h.cfg.Links, Phone: strings.TrimSpace(r.URL.Query().Get("phone")),
		Flash: r.URL.Query().Get("msg"), Modes: faultModes, Root: h.cfg.Root,
		SMSPrefix: h.cfg.SMSPrefix, HookPrefix: h.cfg.MerchantPrefix}
	var msgs []message
	if err := h.get(ctx, h.cfg.SMSPrefix+"/messages", &msgs); err != nil {
		d.SMSErr = err.Error()
	}
	d.Inboxes = inboxes(msgs, d.Phone)
	if err := h.get(ctx, h.cfg.MerchantPrefix+"/webhooks", &d.Webhooks); err != nil {
		d.HookErr = err.Error()
	}
	slices.Reverse(d.Webhooks) // newest first
	for _, s := range h.cfg.Simulators {
		v := simView{Simulator: s}
		var stats map[string]int
		if err := h.get(ctx, s.Prefix+"/stats", &stats); err != nil {
			v.Err = err.Error()
		}
		for k, n := range stats {
			v.Stats = append(v.Stats, [2]string{k, strconv.Itoa(n)})
		}
		slices.SortFunc(v.Stats, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
		if err := h.get(ctx, s.Prefix+"/faults", &v.Faults); err != nil && v.Err == "" {
			v.Err = err.Error()
		}
		d.Sims = append(d.Sims, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	if err := indexPage.Execute(w, d); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
	}
}

// inboxes groups messages by number, newest number first; phone (any form
// of a Bangladeshi number) keeps that number only.
func inboxes(msgs []message, phone string) []inbox {
	want := digits(phone)
	by := map[string]*inbox{}
	var order []string
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if want != "" && !strings.HasSuffix(digits(m.To), strings.TrimPrefix(want, "0")) {
			continue
		}
		b := by[m.To]
		if b == nil {
			b = &inbox{To: m.To}
			by[m.To] = b
			order = append(order, m.To)
		}
		b.Messages = append(b.Messages, m)
		b.Segments += m.Segments
	}
	out := make([]inbox, 0, len(order))
	for _, to := range order {
		out = append(out, *by[to])
	}
	return out
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// faults serves POST /sandbox/faults: form sim, endpoint, mode, times,
// delay_ms, after, action=set|clear → the simulator's /faults; then back to
// the page with what the simulator said.
func (h *Handler) faults(w http.ResponseWriter, r *http.Request) {
	sim, ok := h.simulator(r.FormValue("sim"))
	if !ok {
		http.Error(w, "unknown simulator", http.StatusBadRequest)
		return
	}
	var msg string
	if r.FormValue("action") == "clear" {
		msg = h.send(r.Context(), http.MethodDelete, sim.Prefix+"/faults", nil)
		if msg == "" {
			msg = sim.Title + ": faults cleared"
		}
	} else {
		times, _ := strconv.Atoi(r.FormValue("times"))
		delay, _ := strconv.ParseInt(r.FormValue("delay_ms"), 10, 64)
		f := fault{Endpoint: r.FormValue("endpoint"), Mode: r.FormValue("mode"), Times: times, DelayMS: delay,
			After: r.FormValue("after") != ""}
		if f.Mode == "delay" {
			f.Mode = ""
		}
		msg = h.send(r.Context(), http.MethodPost, sim.Prefix+"/faults", f)
		if msg == "" {
			msg = fmt.Sprintf("%s: %s now fails (%s)", sim.Title, f.Endpoint, cmp.Or(f.Mode, "delay only"))
		}
	}
	http.Redirect(w, r, "/sandbox?msg="+url.QueryEscape(msg)+"#sim-"+sim.Name, http.StatusSeeOther)
}

// clear serves POST /sandbox/clear: what=sms|webhooks empties that list.
func (h *Handler) clear(w http.ResponseWriter, r *http.Request) {
	var msg string
	switch r.FormValue("what") {
	case "sms":
		msg = cmp.Or(h.send(r.Context(), http.MethodDelete, h.cfg.SMSPrefix+"/messages", nil), "SMS inbox emptied")
	case "webhooks":
		msg = cmp.Or(h.send(r.Context(), http.MethodDelete, h.cfg.MerchantPrefix+"/webhooks", nil), "Webhook list emptied")
	default:
		http.Error(w, "what must be sms or webhooks", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/sandbox?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (h *Handler) simulator(name string) (Simulator, bool) {
	for _, s := range h.cfg.Simulators {
		if s.Name == name {
			return s, true
		}
	}
	return Simulator{}, false
}

// get reads JSON from path under Root.
func (h *Handler) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.cfg.Root+path, nil)
	if err != nil {
		return err
	}
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(into)
}

// send calls method path under Root with body as JSON and returns "" on a
// 2xx, else what went wrong (the simulator's own message when it gave one).
func (h *Handler) send(ctx context.Context, method, path string, body any) string {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err.Error()
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.cfg.Root+path, rd)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return ""
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return fmt.Sprintf("%s %s: HTTP %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
}

//go:embed index.html
var indexHTML string

var indexPage = template.Must(template.New("index").Funcs(template.FuncMap{
	"since": func(t time.Time) string { return t.UTC().Format("15:04:05 MST") },
}).Parse(indexHTML))

// HandlerClient is an *http.Client that serves every request with h in
// process, for simulators mounted in the same process as the page.
func HandlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}, Timeout: 5 * time.Second}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
