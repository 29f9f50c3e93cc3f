package graph

import (
	"context"
	"errors"
	"time"
)

// RequestLogView is one logged merchant API request, as Config.RequestLogs
// returns it. It has exactly the fields of the request log store's rows
// (adapters/postgres.RequestLog), in the same order, so RequestLogsFrom
// converts them as they are.
type RequestLogView struct {
	ClientID     string // "" when the request failed authentication
	Method       string
	Endpoint     string
	StatusCode   int
	RequestBody  string // redacted and capped by the REST edge
	ResponseBody string // redacted and capped by the REST edge
	IP           string
	Latency      time.Duration
	At           time.Time
}

// requestLogRow is RequestLogView's underlying type, for RequestLogsFrom's
// constraint (~ needs an unnamed type).
type requestLogRow = struct {
	ClientID     string
	Method       string
	Endpoint     string
	StatusCode   int
	RequestBody  string
	ResponseBody string
	IP           string
	Latency      time.Duration
	At           time.Time
}

// A change to one of the two lists above and not the other fails here.
var _ = RequestLogView(requestLogRow{})

// RequestLogsFrom adapts a request log query whose rows have RequestLogView's
// fields (postgres.Recorder.RequestLogs) to Config.RequestLogs:
//
//	RequestLogs: graph.RequestLogsFrom(recorder.RequestLogs),
//
// If the rows' fields ever differ, this no longer compiles where it is
// wired.
func RequestLogsFrom[Row ~requestLogRow](read func(ctx context.Context, clientID string, since time.Time, limit int) ([]Row, error)) func(ctx context.Context, clientID string, since time.Time, limit int) ([]RequestLogView, error) {
	return func(ctx context.Context, clientID string, since time.Time, limit int) ([]RequestLogView, error) {
		rows, err := read(ctx, clientID, since, limit)
		if err != nil {
			return nil, err
		}
		out := make([]RequestLogView, len(rows))
		for i, r := range rows {
			out[i] = RequestLogView(r)
		}
		return out, nil
	}
}

// errRequestLogsUnavailable: the server was built without Config.RequestLogs.
// Clients see its message with code INTERNAL.
var errRequestLogsUnavailable = errors.New("request logs are not available on this server")

// defaultRequestLogs is requestLogs' default `first`.
const defaultRequestLogs = 50
