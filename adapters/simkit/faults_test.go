package simkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/simkit"
)

func TestFaultsSetListClear(t *testing.T) {
	t.Parallel()
	var fs simkit.Faults // the zero value is ready to use
	assert.Empty(t, fs.List())
	_, ok := fs.Take("a")
	assert.False(t, ok)

	fs.Set("a", simkit.Fault{Mode: simkit.FaultDrop, Times: 2})
	fs.Set("b", simkit.Fault{Delay: time.Second})
	fs.Set("c", simkit.Fault{Mode: simkit.FaultNone}) // nothing to do: not set
	assert.Equal(t, map[string]simkit.Fault{
		"a": {Mode: simkit.FaultDrop, Times: 2},
		"b": {Delay: time.Second},
	}, fs.List())

	fs.Set("a", simkit.Fault{Mode: simkit.Fault503}) // replaces
	assert.Equal(t, simkit.Fault{Mode: simkit.Fault503}, fs.List()["a"])
	fs.Set("b", simkit.Fault{}) // removes
	assert.NotContains(t, fs.List(), "b")

	fs.Clear()
	assert.Empty(t, fs.List())
}

func TestFaultsTakeCountsTimes(t *testing.T) {
	t.Parallel()
	var fs simkit.Faults
	fs.Set("once", simkit.Fault{Mode: simkit.FaultDrop, Times: 1})
	fs.Set("twice", simkit.Fault{Mode: simkit.FaultHTML, Times: 2})
	fs.Set("always", simkit.Fault{Mode: simkit.Fault503})

	f, ok := fs.Take("twice")
	require.True(t, ok)
	assert.Equal(t, 2, f.Times, "Take returns the fault as it was")
	assert.Equal(t, 1, fs.List()["twice"].Times, "List shows what remains")
	_, ok = fs.Take("twice")
	assert.True(t, ok)
	_, ok = fs.Take("twice")
	assert.False(t, ok, "used up")

	_, ok = fs.Take("once")
	assert.True(t, ok)
	assert.NotContains(t, fs.List(), "once")

	for range 5 {
		f, ok := fs.Take("always")
		require.True(t, ok)
		assert.Equal(t, simkit.Fault503, f.Mode)
	}
	assert.Equal(t, map[string]simkit.Fault{"always": {Mode: simkit.Fault503}}, fs.List())
}

// TestFaultsConcurrentTake: under -race, concurrent calls use up exactly
// Times and nothing more.
func TestFaultsConcurrentTake(t *testing.T) {
	t.Parallel()
	var fs simkit.Faults
	fs.Set("e", simkit.Fault{Mode: simkit.FaultDrop, Times: 50})
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				if _, ok := fs.Take("e"); ok {
					taken.Add(1)
				}
				_ = fs.List()
				fs.Set("other", simkit.Fault{Delay: time.Millisecond})
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(50), taken.Load())
	assert.NotContains(t, fs.List(), "e")
}

func TestHoldIsReleasedByClearAndClose(t *testing.T) {
	t.Parallel()
	var fs simkit.Faults

	// Clear lets go of every held request, and later ones are held again.
	for range 2 {
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { fs.Hold(context.Background()) })
		}
		waitHeld(t, &fs, 3)
		fs.Clear()
		wg.Wait()
		assert.Equal(t, 0, fs.Held())
	}

	// A done context ends the hold, and only that.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { fs.Hold(ctx); close(done) }()
	waitHeld(t, &fs, 1)
	select {
	case <-done:
		t.Fatal("Hold returned while its context was live")
	default:
	}
	cancel()
	<-done
	assert.Equal(t, 0, fs.Held())

	// Close lets go of held requests, and Hold returns at once afterwards.
	done = make(chan struct{})
	go func() { fs.Hold(context.Background()); close(done) }()
	waitHeld(t, &fs, 1)
	fs.Close()
	<-done
	fs.Hold(context.Background())
	fs.Close() // idempotent
	fs.Clear() // after Close: no double close
	fs.Hold(context.Background())
}

// call is one API call under a fault, through a real server so that Drop
// can hijack the connection.
type call struct {
	ran    atomic.Int64 // times op ran
	served atomic.Int64 // handler calls that returned
	fs     *simkit.Faults
	srv    *httptest.Server
	client *http.Client
}

func newCall(t *testing.T) *call {
	t.Helper()
	c := &call{fs: &simkit.Faults{}, client: &http.Client{Timeout: 5 * time.Second}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer c.served.Add(1)
		c.fs.Serve(w, r, "op", func() simkit.Answer {
			c.ran.Add(1)
			return func(w http.ResponseWriter) { simkit.WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"}) }
		}, func(w http.ResponseWriter, _ *http.Request, mode simkit.FaultMode) {
			simkit.WriteHTML(w, http.StatusServiceUnavailable, "<p>"+string(mode)+"</p>")
		})
	}))
	t.Cleanup(func() { c.fs.Close(); c.srv.Close() })
	return c
}

// do calls the server; err is the transport error.
func (c *call) do(client *http.Client) (int, string, error) {
	if client == nil {
		client = c.client
	}
	resp, err := client.Get(c.srv.URL)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestServeWithoutFaultRunsTheOperation(t *testing.T) {
	t.Parallel()
	c := newCall(t)
	code, body, err := c.do(nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"ok":"yes"}`, body)
	assert.Equal(t, int64(1), c.ran.Load())
}

// TestApplyBeforeAndAfter: without After a misbehaving mode stops the
// operation; with After the operation happens and only its answer is lost or
// replaced.
func TestApplyBeforeAndAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   simkit.Fault
		ran     int64
		code    int
		body    string
		dropped bool
	}{
		{"none with a delay", simkit.Fault{Delay: 10 * time.Millisecond}, 1, 200, `{"ok":"yes"}` + "\n", false},
		{"none after a delay", simkit.Fault{Delay: 10 * time.Millisecond, After: true}, 1, 200, `{"ok":"yes"}` + "\n", false},
		{"drop before", simkit.Fault{Mode: simkit.FaultDrop}, 0, 0, "", true},
		{"drop after", simkit.Fault{Mode: simkit.FaultDrop, After: true}, 1, 0, "", true},
		{"gateway mode before", simkit.Fault{Mode: simkit.Fault503}, 0, 503, "<p>503</p>", false},
		{"gateway mode after", simkit.Fault{Mode: simkit.FaultHTML, After: true}, 1, 503, "<p>html</p>", false},
		{"own mode", simkit.Fault{Mode: "internal"}, 0, 503, "<p>internal</p>", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCall(t)
			tc.fault.Times = 1
			c.fs.Set("op", tc.fault)
			code, body, err := c.do(nil)
			if tc.dropped {
				require.Error(t, err, "connection closed without a response")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.code, code)
				assert.Equal(t, tc.body, body)
			}
			assert.Equal(t, tc.ran, c.ran.Load(), "operation runs")
			assert.Empty(t, c.fs.List(), "Times: 1 used up")
		})
	}
}

// TestGivingUpDuringADelay: the connection is dropped, and a delay before
// the operation means the operation never runs.
func TestGivingUpDuringADelay(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{false, true} {
		c := newCall(t)
		c.fs.Set("op", simkit.Fault{Delay: 2 * time.Second, After: after})
		_, _, err := c.do(&http.Client{Timeout: 50 * time.Millisecond})
		require.Error(t, err)
		require.Eventually(t, func() bool { return c.served.Load() == 1 }, time.Second, 5*time.Millisecond,
			"the handler returns as soon as the client is gone")
		want := int64(0)
		if after {
			want = 1
		}
		assert.Equal(t, want, c.ran.Load(), "after=%v", after)
	}
}

func TestNoAnswerHoldsUntilClear(t *testing.T) {
	t.Parallel()
	c := newCall(t)
	c.fs.Set("op", simkit.Fault{Mode: simkit.FaultNoAnswer, After: true})
	errc := make(chan error, 1)
	go func() { _, _, err := c.do(nil); errc <- err }()
	waitHeld(t, c.fs, 1)
	select {
	case err := <-errc:
		t.Fatalf("answered while held: %v", err)
	default:
	}
	c.fs.Clear()
	err := <-errc
	require.Error(t, err, "released without a response")
	assert.Equal(t, int64(1), c.ran.Load(), "After: the operation ran")

	// After Close a no_answer fault no longer holds.
	c.fs.Set("op", simkit.Fault{Mode: simkit.FaultNoAnswer})
	c.fs.Close()
	_, _, err = c.do(nil)
	require.Error(t, err)
}

func TestDropWithoutHijackAbortsTheHandler(t *testing.T) {
	t.Parallel()
	defer func() {
		r := recover()
		err, _ := r.(error)
		assert.True(t, errors.Is(err, http.ErrAbortHandler), "panic %v", r)
	}()
	simkit.Drop(httptest.NewRecorder())
	t.Fatal("Drop returned")
}

func TestSleep(t *testing.T) {
	t.Parallel()
	assert.True(t, simkit.Sleep(context.Background(), 0))
	assert.True(t, simkit.Sleep(context.Background(), time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, simkit.Sleep(ctx, 0), "a done context: no time elapses")
	assert.False(t, simkit.Sleep(ctx, time.Hour))
}

// waitHeld waits (up to 5 s) until fs holds n requests.
func waitHeld(t *testing.T, fs *simkit.Faults, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return fs.Held() == n }, 5*time.Second, time.Millisecond, "%d held requests", n)
}
