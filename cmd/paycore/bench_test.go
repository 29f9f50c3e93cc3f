package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/paycore/paycore/app"
)

// BenchmarkCreatePaymentUseCase measures the create-payment use case alone:
// validation and one transaction writing the payment, its SMS row and job
// and its event — one pipelined batch, one commit (docs/platform.md §2) —
// against real PostgreSQL (the pgbench ceiling for "payment + River job"
// in docs/platform.md §2 is ~1.7k tx/s at 2 clients).
func BenchmarkCreatePaymentUseCase(b *testing.B) {
	ts := startServer(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			_, err := ts.app.Payments.Create(ctx, demoClientID, app.CreatePaymentInput{
				OrderID: "B-" + nonce()[:16], Amount: "250.00", Currency: "BDT",
				CustomerPhone: "01770618575", ReturnURL: "https://shop.example.com/r",
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreatePaymentREST measures POST /api/v1/pay end to end over HTTP:
// signature, nonce insert, rate limit, the use case and the batched request
// log.
func BenchmarkCreatePaymentREST(b *testing.B) {
	ts := startServer(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			body, _ := json.Marshal(map[string]any{"order_id": "R-" + nonce()[:16], "amount": json.Number("250.00"),
				"currency": "BDT", "return_url": "https://shop.example.com/r"})
			req, err := ts.m.signedRequest(ctx, http.MethodPost, "/api/v1/pay", body)
			if err != nil {
				b.Error(err)
				return
			}
			resp, err := ts.m.http.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Error("status " + strconv.Itoa(resp.StatusCode) + ": " + buf.String())
				return
			}
		}
	})
}
