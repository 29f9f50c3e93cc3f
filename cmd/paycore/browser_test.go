package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paycore/paycore/ports/portstest"
)

// The customer pages and the storefront example, in headless Chromium: one
// browser for the package (a tab per test), each page at a phone's size, a
// desktop's and the narrowest phone's (320 px), screenshots under
// .artifacts/browser/ at the repository root (PAYCORE_ARTIFACTS overrides;
// gitignored). Without Chromium the
// tests skip, except under CI=true, where they fail: CI installs it
// (.ci/run).

var viewports = []struct {
	name string
	w, h int64
}{{"phone", 390, 844}, {"desktop", 1280, 800}, {"narrow", 320, 640}}

var chrome struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

// chromiumPath finds the browser: $CHROME_PATH, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newTab opens a tab of the package's browser, started on first use, with
// a deadline; it is closed when the test ends.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found, and CI=true: CI must run the browser tests (.ci/run installs chromium)")
		}
		t.Skip("Chromium not found (apt-get install -y chromium, or set CHROME_PATH): browser tests skipped")
	}
	chrome.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
			chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("lang", "en-US"),
			chromedp.Flag("force-device-scale-factor", "1"))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		chrome.ctx, chrome.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
		chrome.err = chromedp.Do(ctx) // starts the browser
	})
	if chrome.err != nil {
		t.Fatalf("start Chromium (%s): %v", path, chrome.err)
	}
	tab, cancelTab := chromedp.NewContext(chrome.ctx)
	tab, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	return tab
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel()
	}
	os.Exit(code)
}

// artifacts is where screenshots go.
func artifacts(t *testing.T) string {
	dir := os.Getenv("PAYCORE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as <name>.png.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		failAt(t, tab, what, err)
	}
}

// value runs an action that returns a value.
func value[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(tab, a)
	if err != nil {
		failAt(t, tab, what, err)
	}
	return v
}

// failAt ends the test with where the tab is and what it shows.
func failAt(t *testing.T, tab context.Context, what string, err error) {
	t.Helper()
	loc, _ := chromedp.Run(tab, chromedp.Location())
	body, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, body)
}

// checkLayout fails the test if the page scrolls sideways.
func checkLayout(t *testing.T, tab context.Context, what string) {
	t.Helper()
	m := value(t, tab, what+": layout", chromedp.Evaluate[struct{ Scroll, Inner int }](
		`({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`))
	if m.Scroll > m.Inner {
		t.Errorf("%s: horizontal overflow: scrollWidth %d > innerWidth %d", what, m.Scroll, m.Inner)
	}
}

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(value(t, tab, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// payOnWallet fills a simulator's wallet page and presses pay or cancel.
func payOnWallet(t *testing.T, tab context.Context, wallet, action string) {
	t.Helper()
	do(t, tab, "wallet page",
		chromedp.WaitVisible(chromedp.CSS("#wallet")),
		chromedp.SetValue(chromedp.CSS("#wallet"), wallet),
		chromedp.SetValue(chromedp.CSS("#otp"), "123456"),
		chromedp.SetValue(chromedp.CSS("#pin"), "12121"),
		chromedp.Click(chromedp.CSS(`button[value="`+action+`"]`)),
	)
}

// banglaClient is a fresh client whose pages and SMS are in Bangla.
func banglaClient(t *testing.T, ts *testServer) *v1Client {
	t.Helper()
	c := v1NewClient(t, ts, "bangla", 0)
	if _, err := ts.db.Pool.Exec(context.Background(), "UPDATE clients SET language = 'bn', name = 'নকশী কাঁথা ঘর' WHERE id = $1", c.clientID); err != nil {
		t.Fatal(err)
	}
	return c
}

type created struct {
	TransactionID string `json:"transaction_id"`
	PaymentURL    string `json:"payment_url"`
}

func createPaymentFor(t *testing.T, c *v1Client, amount string, mod func(map[string]any)) created {
	t.Helper()
	r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), amount, mod))
	v1Want(t, r, http.StatusCreated)
	return v1Data[created](t, r)
}

// A Bangla merchant's shopper: the hosted page and the result page in
// Bangla with Bangla digits and lakh grouping, readable without a system
// Bangla font (the page's own Noto Sans Bengali), no sideways scrolling on
// a phone or a desktop; after paying, the sandbox's SMS inbox shows the
// Bangla receipt.
func TestBrowserBanglaPaymentAndSMSInbox(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	tab := newTab(t)
	c := banglaClient(t, ts)
	p := createPaymentFor(t, c, "12345.50", func(m map[string]any) { m["customer_phone"] = "01712345678" })
	for _, vp := range viewports {
		do(t, tab, "hosted page", chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(p.PaymentURL),
			chromedp.WaitVisible(chromedp.CSS("#amount")))
		lang := value(t, tab, "lang", chromedp.Evaluate[string](`document.documentElement.lang`))
		fontLoaded := value(t, tab, "font", chromedp.Evaluate[bool](
			`document.fonts.ready.then(() => [...document.fonts].some(f => f.family.includes("Noto Sans Bengali") && f.status === "loaded"))`,
			chromedp.EvalAwaitPromise))
		if lang != "bn" {
			t.Errorf("%s: hosted page lang %q, want bn", vp.name, lang)
		}
		if !fontLoaded {
			t.Errorf("%s: the page's Bangla font did not load", vp.name)
		}
		if got := text(t, tab, "#amount"); got != "৳১২,৩৪৫.৫০" {
			t.Errorf("%s: amount %q, want Bangla digits with lakh grouping", vp.name, got)
		}
		if got := text(t, tab, "#pay-bkash"); got != "বিকাশ দিয়ে পেমেন্ট করুন" {
			t.Errorf("%s: bKash button %q", vp.name, got)
		}
		if got := text(t, tab, "#test-banner"); !strings.Contains(got, "টেস্ট মোড") {
			t.Errorf("%s: test-mode banner %q", vp.name, got)
		}
		checkLayout(t, tab, vp.name+" hosted page")
		screenshot(t, tab, "hosted-bn-"+vp.name)
	}

	// Pay (at phone size).
	do(t, tab, "pay with bKash", chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.PaymentURL),
		chromedp.Click(chromedp.CSS("#pay-bkash")))
	payOnWallet(t, tab, "01770618575", "pay")
	do(t, tab, "result page", chromedp.WaitVisible(chromedp.CSS("#headline")))
	if got := text(t, tab, "#headline"); got != "পেমেন্ট সফল হয়েছে" {
		t.Errorf("result headline %q", got)
	}
	if got := text(t, tab, "#txn-id"); got != p.TransactionID {
		t.Errorf("transaction ID shown %q, want %s", got, p.TransactionID)
	}
	title := value(t, tab, "title", chromedp.Title())
	if strings.Count(title, "পেমেন্ট") > 1 {
		t.Errorf("title stutters: %q", title)
	}
	checkLayout(t, tab, "phone result page")
	screenshot(t, tab, "result-success-bn-phone")
	do(t, tab, "desktop result", chromedp.EmulateViewport(1280, 800), chromedp.Reload())
	checkLayout(t, tab, "desktop result page")
	screenshot(t, tab, "result-success-bn-desktop")

	// The receipt SMS, in Bangla, in the sandbox's inbox.
	portstest.WaitFor(t, "the Bangla SMS reaches the simulator", func() bool {
		for _, m := range ts.smsSim.MessagesTo("01712345678") {
			if hasBengali(m.Text) {
				return true
			}
		}
		return false
	})
	for _, vp := range viewports {
		do(t, tab, "sandbox inbox", chromedp.EmulateViewport(vp.w, vp.h),
			chromedp.Navigate(ts.base+"/sandbox?phone=01712345678"), chromedp.WaitVisible(chromedp.CSS("#sms-h")))
		texts := value(t, tab, "SMS texts", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".sms .text")].map(e => e.textContent)`))
		bangla := false
		for _, s := range texts {
			bangla = bangla || hasBengali(s)
		}
		if !bangla {
			t.Errorf("%s: the inbox shows no Bangla SMS: %q", vp.name, texts)
		}
		checkLayout(t, tab, vp.name+" sandbox index")
		screenshot(t, tab, "sandbox-index-"+vp.name)
	}
}

func hasBengali(s string) bool {
	for _, r := range s {
		if r >= 0x0980 && r <= 0x09FF {
			return true
		}
	}
	return false
}

// merchantSite records which of the merchant's pages the shopper's browser
// reached.
type merchantSite struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newMerchantSite(t *testing.T) *merchantSite {
	m := &merchantSite{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.hits = append(m.hits, r.URL.RequestURI())
		m.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>shop</title><h1 id="shop">` + r.URL.Path + `</h1>`))
	}))
	t.Cleanup(m.Close)
	return m
}

// A failed payment sends the shopper to failure_url, a cancelled one to
// cancel_url, each with transaction_id and status; the result pages say
// what happened and what to do next, in English for an English merchant,
// and fit a phone and a desktop.
func TestBrowserOutcomePages(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	tab := newTab(t)
	shop := newMerchantSite(t)
	c := v1Demo(ts)
	urls := func(m map[string]any) {
		m["return_url"], m["cancel_url"], m["failure_url"] = shop.URL+"/done", shop.URL+"/cart", shop.URL+"/failed"
	}

	for _, tc := range []struct {
		name, wallet, action, headline, landing string
	}{
		{"failed", "01823074817", "pay", "Payment failed", "/failed"},
		{"cancelled", "01770618575", "cancel", "Payment cancelled", "/cart"},
	} {
		p := createPaymentFor(t, c, "1250.00", urls)
		do(t, tab, tc.name+": hosted page", chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.PaymentURL),
			chromedp.WaitVisible(chromedp.CSS("#pay-bkash")))
		if got := text(t, tab, "#amount"); got != "৳1,250.00" {
			t.Errorf("amount %q", got)
		}
		if hint := text(t, tab, "#hint-bkash"); !strings.Contains(hint, "OTP") || !strings.Contains(hint, "PIN") {
			t.Errorf("bKash hint %q", hint)
		}
		if tc.name == "failed" {
			checkLayout(t, tab, "phone hosted page (en)")
			screenshot(t, tab, "hosted-en-phone")
			do(t, tab, "desktop hosted", chromedp.EmulateViewport(1280, 800), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#pay-bkash")))
			checkLayout(t, tab, "desktop hosted page (en)")
			screenshot(t, tab, "hosted-en-desktop")
			do(t, tab, "phone again", chromedp.EmulateViewport(390, 844))
		}
		do(t, tab, tc.name+": to bKash", chromedp.Click(chromedp.CSS("#pay-bkash")))
		payOnWallet(t, tab, tc.wallet, tc.action)
		do(t, tab, tc.name+": result", chromedp.WaitVisible(chromedp.CSS("#headline")))
		if got := text(t, tab, "#headline"); got != tc.headline {
			t.Errorf("%s: headline %q, want %q", tc.name, got, tc.headline)
		}
		if got := text(t, tab, "#message"); !strings.Contains(strings.ToLower(got), "no money was taken") {
			t.Errorf("%s: message %q", tc.name, got)
		}
		for _, vp := range viewports {
			do(t, tab, "viewport", chromedp.EmulateViewport(vp.w, vp.h), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#headline")))
			checkLayout(t, tab, tc.name+" result "+vp.name)
			screenshot(t, tab, "result-"+tc.name+"-en-"+vp.name)
		}
		do(t, tab, tc.name+": back to the shop", chromedp.Click(chromedp.CSS("#return")),
			chromedp.WaitVisible(chromedp.CSS("#shop")))
		loc := value(t, tab, "location", chromedp.Location())
		if !strings.HasPrefix(loc, shop.URL+tc.landing+"?") || !strings.Contains(loc, "transaction_id="+p.TransactionID) ||
			!strings.Contains(loc, "status=pending") {
			t.Errorf("%s: landed on %s, want %s%s?…transaction_id=%s", tc.name, loc, shop.URL, tc.landing, p.TransactionID)
		}
	}
}

// The storefront example: products in taka with lakh grouping, checkout
// through the shop's backend (signed createPayment), startPayment with the
// client token, bKash, and back in the SPA, paymentUpdated over
// graphql-transport-ws until the payment is SUCCESS.
func TestBrowserStorefront(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	tab := newTab(t)
	for _, vp := range viewports {
		do(t, tab, "shop", chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(ts.base+"/sandbox/shop"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="product"]`)))
		if got := text(t, tab, "#total"); got != "৳12,500.00" {
			t.Errorf("%s: total %q, want ৳12,500.00", vp.name, got)
		}
		checkLayout(t, tab, vp.name+" shop")
		screenshot(t, tab, "shop-"+vp.name)
	}
	do(t, tab, "checkout", chromedp.EmulateViewport(390, 844),
		chromedp.SetValue(chromedp.CSS("#qty"), "3"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById("qty").dispatchEvent(new Event("change"))`)(ctx, tg)
			return err
		}))
	if got := text(t, tab, "#total"); got != "৳37,500.00" {
		t.Errorf("total for 3: %q", got)
	}
	do(t, tab, "pay", chromedp.SetValue(chromedp.CSS("#phone"), "01812345678"), chromedp.Click(chromedp.CSS("#pay")))
	payOnWallet(t, tab, "01770618575", "pay")
	do(t, tab, "paycore result", chromedp.WaitVisible(chromedp.CSS("#headline")))
	if got := text(t, tab, "#headline"); got != "Payment successful" {
		t.Fatalf("result headline %q", got)
	}
	do(t, tab, "back to the shop", chromedp.Click(chromedp.CSS("#return")),
		chromedp.WaitVisible(chromedp.CSS("#status-text")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`document.getElementById("status-text").getAttribute("data-status") === "SUCCESS"`,
				chromedp.WithPollingTimeout(30*time.Second))(ctx, tg)
			return err
		}))
	loc := value(t, tab, "where", chromedp.Location())
	if !strings.Contains(loc, "/sandbox/shop/?") || !strings.Contains(loc, "outcome=return") {
		t.Errorf("shop return URL %s", loc)
	}
	if got := text(t, tab, "#details"); !strings.Contains(got, "৳37,500.00") || !strings.Contains(got, "txn_") {
		t.Errorf("details %q", got)
	}
	checkLayout(t, tab, "phone shop after payment")
	screenshot(t, tab, "shop-paid-phone")

	// The sandbox merchant got the payment's webhooks, signed.
	var hooks []struct {
		Event    string `json:"event"`
		Verified bool   `json:"verified"`
	}
	portstest.WaitFor(t, "payment.success webhook", func() bool {
		resp, err := http.Get(ts.base + "/sandbox/merchant/webhooks")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&hooks) != nil {
			return false
		}
		for _, h := range hooks {
			if h.Event == "payment.success" && h.Verified {
				return true
			}
		}
		return false
	})
}

// GET / leads to the sandbox's index in sandbox mode.
func TestSandboxHome(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(ts.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/sandbox" {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(ts.base + "/sandbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), "SMS inbox") || !strings.Contains(b.String(), demoAPISecret) {
		t.Fatalf("GET /sandbox: %d\n%s", resp.StatusCode, b.String())
	}
}
