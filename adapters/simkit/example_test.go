package simkit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/paycore/paycore/adapters/simkit"
)

// A simulator runs each API call through its Faults: the operation's answer
// is computed apart from being written, so that a fault can stop the
// operation, or let it happen and lose or replace the answer.
func ExampleFaults_Serve() {
	var faults simkit.Faults
	faults.Set("grant", simkit.Fault{Mode: simkit.Fault503, Times: 1})

	grant := func(w http.ResponseWriter, r *http.Request) {
		faults.Serve(w, r, "grant", func() simkit.Answer {
			token := "t1" // the operation: issue a token
			return func(w http.ResponseWriter) { simkit.WriteJSON(w, http.StatusOK, map[string]string{"id_token": token}) }
		}, func(w http.ResponseWriter, _ *http.Request, mode simkit.FaultMode) {
			// The gateway's own answer to Fault503 (and any mode of its own).
			simkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "maintenance"})
		})
	}
	for range 2 {
		rec := httptest.NewRecorder()
		grant(rec, httptest.NewRequest(http.MethodPost, "/token/grant", nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 503 {"message":"maintenance"}
	// 200 {"id_token":"t1"}
}
