package merchantsim_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/app"
)

func TestVerifyAgreesWithPaycoreSigning(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_764_000_000, 0)
	body := []byte(`{"id":"evt_1","event":"payment.success","amount":250.00}`)
	sig := app.SignWebhook([]byte("whsec"), body, now)
	if err := merchantsim.Verify([]byte("whsec"), body, sig, now.Add(time.Minute)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := merchantsim.Verify([]byte("other"), body, sig, now); !errors.Is(err, merchantsim.ErrBadSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := merchantsim.Verify([]byte("whsec"), append(body, ' '), sig, now); !errors.Is(err, merchantsim.ErrBadSignature) {
		t.Fatalf("changed body: %v", err)
	}
	if err := merchantsim.Verify([]byte("whsec"), body, sig, now.Add(6*time.Minute)); !errors.Is(err, merchantsim.ErrTooOld) {
		t.Fatalf("old: %v", err)
	}
	if err := merchantsim.Verify([]byte("whsec"), body, "garbage", now); !errors.Is(err, merchantsim.ErrNoSignature) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestReceiverRecordsAndAnswers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	rc := merchantsim.New([]byte("whsec"), func() time.Time { return now })
	srv := httptest.NewServer(rc.Handler())
	defer srv.Close()
	post := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", strings.NewReader(`{"id":"evt_1"}`))
		req.Header.Set("X-Webhook-Signature", sig)
		req.Header.Set("X-Webhook-Id", "evt_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := app.SignWebhook([]byte("whsec"), []byte(`{"id":"evt_1"}`), now)
	if code := post(good); code != http.StatusOK {
		t.Fatalf("good: %d", code)
	}
	if code := post("t=1,v1=00"); code != http.StatusUnauthorized {
		t.Fatalf("bad: %d", code)
	}
	rc.SetAnswer(http.StatusInternalServerError)
	if code := post(good); code != http.StatusInternalServerError {
		t.Fatalf("answer 500: %d", code)
	}
	got := rc.Received()
	if len(got) != 3 || !got[0].Verified || got[1].Verified || got[2].Answered != 500 {
		t.Fatalf("received %+v", got)
	}
}
