package merchantsim_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/merchantsim"
	"github.com/paycore/paycore/webhook"
)

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
	good := webhook.Sign([]byte("whsec"), []byte(`{"id":"evt_1"}`), now)
	if code := post(good); code != http.StatusOK {
		t.Fatalf("good: %d", code)
	}
	if code := post("t=1,v1=00"); code != http.StatusUnauthorized {
		t.Fatalf("bad: %d", code)
	}
	// Genuine but 10 minutes old by the receiver's clock: a replay.
	if code := post(webhook.Sign([]byte("whsec"), []byte(`{"id":"evt_1"}`), now.Add(-10*time.Minute))); code != http.StatusUnauthorized {
		t.Fatalf("stale: %d", code)
	}
	rc.SetAnswer(http.StatusInternalServerError)
	if code := post(good); code != http.StatusInternalServerError {
		t.Fatalf("answer 500: %d", code)
	}
	got := rc.Received()
	if len(got) != 4 || !got[0].Verified || got[1].Verified || got[2].Verified || got[3].Answered != 500 {
		t.Fatalf("received %+v", got)
	}
	if got[1].Error != webhook.ErrNoMatchingSignature.Error() || got[2].Error != webhook.ErrTimestampOutsideTolerance.Error() {
		t.Fatalf("errors recorded: %q, %q", got[1].Error, got[2].Error)
	}
}
