package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTab starts headless Chromium at width × height.
func browserTab(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium installed (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true), chromedp.WindowSize(width, height))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel2)
	// Starts the browser (no timeout on this context), then fixes the
	// viewport: headless windows are never narrower than 500 px.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// Fonts first: a Bangla face still loading would show as boxes.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("screenshot %s: fonts: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func runB(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
}

func consoleLogin(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	runB(t, ctx, "login "+email,
		chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`#login`)),
		chromedp.WaitVisible(chromedp.CSS(`#whoami`)),
	)
}

// The console in headless Chromium: an admin logs in, watches a payment
// created through the API appear in the live feed and turn SUCCESS when
// paid through the simulator, without reloading; opens its timeline;
// disables bKash and enables it again on the gateways page; a
// merchant user logs in and cannot see another client's payment; the
// console fits a 390 px phone. Screenshots go to artifacts/.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := browserTab(t, 1280, 900)

	consoleLogin(t, ctx, ts.base, demoAdminEmail, demoAdminPassword)
	runB(t, ctx, "live feed", chromedp.WaitVisible(chromedp.CSS(`#feed-state.s-success`)))

	r := v1Demo(ts).post(t, "/api/v1/pay", v1PayBody(v1Order(), "1250.00", nil))
	v1Want(t, r, http.StatusCreated)
	txn := v1Data[v1Txn](t, r)
	row := `#row-` + txn.TransactionID
	runB(t, ctx, "payment appears", chromedp.WaitVisible(chromedp.CSS(row+`[data-status="PENDING"]`)))
	shot(t, ctx, "1-feed-pending")
	v1PayOnWallet(t, ts, txn.PaymentURL, txn.TransactionID)
	runB(t, ctx, "payment turns success", chromedp.WaitVisible(chromedp.CSS(row+`[data-status="SUCCESS"]`)))
	if navs := value(t, ctx, "no reload", chromedp.Evaluate[int](`performance.getEntriesByType("navigation").length`)); navs != 1 {
		t.Fatal("the page was reloaded")
	}
	shot(t, ctx, "2-feed-success")

	runB(t, ctx, "payment detail",
		chromedp.Click(chromedp.CSS(row+` a`)),
		chromedp.WaitVisible(chromedp.CSS(`#refund-form`)))
	shot(t, ctx, "3-payment-detail")
	runB(t, ctx, "refund",
		chromedp.SendKeys(chromedp.CSS(`#r-amount`), "100"),
		chromedp.SendKeys(chromedp.CSS(`#r-reason`), "customer asked"),
		chromedp.Click(chromedp.CSS(`#refund-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#refund-form .flash.ok`)))
	// The admin disables bKash with a reason, sees it disabled, and enables
	// it again; the SMS balance is shown.
	runB(t, ctx, "disable bkash", chromedp.Navigate(ts.base+"/console#/gateways"),
		chromedp.WaitVisible(chromedp.CSS(`#gw-BKASH[data-enabled="true"]`)),
		chromedp.SendKeys(chromedp.CSS(`#gw-reason-BKASH`), "bKash maintenance"),
		chromedp.Click(chromedp.CSS(`#gw-toggle-BKASH`)),
		chromedp.WaitVisible(chromedp.CSS(`#gw-BKASH[data-enabled="false"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gw-state-BKASH.s-disabled`)))
	value(t, ctx, "sms balance", chromedp.Poll[bool](`document.querySelector('#sms-balance').textContent.includes('BDT')`))
	if text := value(t, ctx, "bkash row", chromedp.Text(chromedp.CSS(`#gw-BKASH`))); !strings.Contains(text, "bKash maintenance") ||
		!strings.Contains(text, demoAdminEmail) {
		t.Fatalf("disabled bKash row: %q", text)
	}
	shot(t, ctx, "4-gateways-bkash-disabled")
	runB(t, ctx, "enable bkash", chromedp.Click(chromedp.CSS(`#gw-toggle-BKASH`)),
		chromedp.WaitVisible(chromedp.CSS(`#gw-BKASH[data-enabled="true"]`)))
	for _, page := range []string{"clients", "gateways", "audit"} {
		runB(t, ctx, page, chromedp.Navigate(ts.base+"/console#/"+page), chromedp.WaitVisible(chromedp.CSS(`main table`)))
		shot(t, ctx, "4-"+page)
	}
	runB(t, ctx, "bangla", chromedp.Click(chromedp.CSS(`#lang`)), chromedp.WaitVisible(chromedp.CSS(`#nav-feed`)))
	label := value(t, ctx, "bangla label", chromedp.Text(chromedp.CSS(`#nav-feed`)))
	if label != "লাইভ ফিড" {
		t.Fatalf("Bangla nav label %q", label)
	}
	value(t, ctx, "Bangla font", chromedp.Evaluate[bool](`Promise.all(['400', '700'].map((w) => document.fonts.load(w + ' 1em "Noto Sans Bengali"', 'অ')))
		.then(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(true)))))`, chromedp.EvalAwaitPromise))
	shot(t, ctx, "5-audit-bangla")
	runB(t, ctx, "english", chromedp.Click(chromedp.CSS(`#lang`)), chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)))

	// A payment of another client; the merchant user must not see it.
	other := v1NewClient(t, ts, "other", 0)
	r = other.post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil))
	v1Want(t, r, http.StatusCreated)
	otherTxn := v1Data[v1Txn](t, r)

	phone := browserTab(t, 390, 844)
	consoleLogin(t, phone, ts.base, demoMerchantEmail, demoMerchantPassword)
	runB(t, phone, "merchant dashboard", chromedp.WaitVisible(chromedp.CSS(`#stats`)))
	shot(t, phone, "6-merchant-dashboard-390")
	runB(t, phone, "merchant feed", chromedp.Navigate(ts.base+"/console#/feed"), chromedp.WaitVisible(chromedp.CSS(`#feed-state.s-success`)),
		chromedp.WaitVisible(chromedp.CSS(row)))
	scrollW := value(t, phone, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	clientW := value(t, phone, "client width", chromedp.Evaluate[int](`document.documentElement.clientWidth`))
	if clientW != 390 || scrollW > clientW {
		t.Errorf("horizontal scroll at 390 px: scrollWidth %d > clientWidth %d", scrollW, clientW)
	}
	shot(t, phone, "7-merchant-feed-390")
	otherRows := value(t, phone, "other's row", chromedp.Evaluate[int](`document.querySelectorAll('#row-`+otherTxn.TransactionID+`').length`))
	if otherRows != 0 {
		t.Fatal("the merchant's feed shows another client's payment")
	}
	runB(t, phone, "other's payment",
		chromedp.Navigate(ts.base+"/console#/payment/"+otherTxn.TransactionID),
		chromedp.WaitVisible(chromedp.CSS(`main .flash.err`)))
	text := value(t, phone, "other's payment text", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(text, "Not found") || strings.Contains(text, "300.00") {
		t.Fatalf("merchant opened another client's payment: %q", text)
	}
	shot(t, phone, "8-merchant-other-payment-390")
	runB(t, phone, "merchant keys", chromedp.Navigate(ts.base+"/console#/keys"), chromedp.WaitVisible(chromedp.CSS(`#regen`)),
		chromedp.Click(chromedp.CSS(`#regen`)), chromedp.WaitVisible(chromedp.CSS(`#secret-value`)))
	shot(t, phone, "9-merchant-keys-390")
	runB(t, phone, "merchant gateways", chromedp.Navigate(ts.base+"/console#/gateways"), chromedp.WaitVisible(chromedp.CSS(`#gw-BKASH`)))
	if n := value(t, phone, "merchant switches", chromedp.Evaluate[int](`document.querySelectorAll('[id^="gw-toggle-"], #sms-balance').length`)); n != 0 {
		t.Fatalf("a merchant is offered %d gateway switches or the SMS balance", n)
	}
	shot(t, phone, "9-merchant-gateways-390")
}

// Two tabs of one browser share the refresh cookie; refreshing in both at
// once (three refreshes each) must not look like a stolen token to the
// server's reuse detection, which would revoke the session: the console
// serializes refreshes across tabs (Web Locks) and a tab that waited takes
// the token the other just got. Afterwards both tabs still work, and so
// does a reload.
func TestConsoleRefreshAcrossTabs(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	tab1 := browserTab(t, 1280, 900)
	consoleLogin(t, tab1, ts.base, demoAdminEmail, demoAdminPassword)
	tab2, cancel := chromedp.NewContext(tab1)
	t.Cleanup(cancel)
	runB(t, tab2, "second tab", chromedp.Navigate(ts.base+"/console#/gateways"), chromedp.WaitVisible(chromedp.CSS(`#whoami`)))

	const burst = `import('/console/gql.js').then((m) => Promise.all([m.refresh(), m.refresh(), m.refresh()]))
		.then((users) => users.filter((u) => u && u.email).length)`
	got := make(chan int, 2)
	for _, tab := range []context.Context{tab1, tab2} {
		go func() {
			n, err := chromedp.Run(tab, chromedp.Evaluate[int](burst, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Error(err)
			}
			got <- n
		}()
	}
	for range 2 {
		if n := <-got; n != 3 {
			t.Errorf("a tab kept its session in %d of 3 concurrent refreshes", n)
		}
	}
	const use = `import('/console/gql.js').then((m) => m.gql('{ gatewayHealth { code } }')).then((d) => d.gatewayHealth.length)`
	for i, tab := range []context.Context{tab1, tab2} {
		if n := value(t, tab, "query after the refreshes", chromedp.Evaluate[int](use, chromedp.EvalAwaitPromise)); n == 0 {
			t.Errorf("tab %d: no gateways after the refreshes", i+1)
		}
	}
	runB(t, tab1, "reload keeps the session", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#whoami`)))
	shot(t, tab1, "10-after-concurrent-refresh")
}
