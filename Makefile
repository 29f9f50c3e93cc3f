# paycore — run `make help` for the targets.
GO        ?= go
PKGS      ?= ./...
ADDR      ?= 127.0.0.1:8080
# A count, not a duration: with a duration Go 1.26's fuzz coordinator can fail a
# target with "context deadline exceeded" and no failing input (go.dev/issue/75804).
FUZZTIME  ?= 5000x

# Every fuzz target, as package:FuzzName; `make fuzz` fails if a Fuzz
# function in the tree is missing here. Seeds: <package>/testdata/fuzz/<FuzzName>.
FUZZ_TARGETS := \
	./domain:FuzzParseAmount \
	./domain:FuzzNormalizeMobile \
	./app:FuzzAuthenticate \
	./webhook:FuzzVerify \
	./adapters/redirectgw:FuzzCheckReturn \
	./adapters/rest:FuzzParseDate \
	./adapters/bkash:FuzzConfirmDecode \
	./adapters/nagad:FuzzConfirmVerify

.DEFAULT_GOAL := help

help: ## list targets
	@grep -hE '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-18s %s\n", $$1, $$2}'

run: ## migrate and serve on http://127.0.0.1:8080 in sandbox mode (demo client demo_key/demo_secret)
	@url=$$(scripts/db.sh run) && \
	DATABASE_URL="$$url" PAYCORE_ADDR="$${PAYCORE_ADDR:-$(ADDR)}" PAYCORE_SANDBOX="$${PAYCORE_SANDBOX:-1}" \
	$(GO) run ./cmd/paycore serve

demo: ## play merchant and customer against a running `make run` (GATEWAY=bkash)
	$(GO) run ./cmd/paycore demo --gateway $${GATEWAY:-bkash}

test: ## every test, with -race, against real PostgreSQL
	@url=$$(scripts/db.sh test) && \
	TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 8m $(PKGS)

fuzz: ## run each fuzz target for FUZZTIME (default 5000x, a count; the seeds also run in make test)
	@listed="$$(for t in $(FUZZ_TARGETS); do echo "$${t##*:}"; done | sort)"; \
	found="$$(git grep -h -o -E '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed 's/^func //' | sort)"; \
	if [ "$$listed" != "$$found" ]; then echo "FUZZ_TARGETS lists" $$listed "but the tests have" $$found >&2; exit 1; fi
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; echo "go test -run '^$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $$pkg"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

faults: ## the fault suite: kill -9 at each step of each gateway's flow, gateway faults, PostgreSQL restarted under load; prints the table
	@url=$$(scripts/db.sh test) && \
	TEST_DATABASE_URL="$$url" $(GO) test -tags faults -count=1 -timeout 15m -parallel $${FAULTS_PARALLEL:-6} \
	  -run 'TestFaultSuite|TestPostgresRestart' -v ./faults

migrate: ## apply migrations to DATABASE_URL (or the make-run database)
	@url=$$(scripts/db.sh run) && DATABASE_URL="$$url" $(GO) run ./cmd/paycore migrate

generate: ## regenerate gqlgen code
	$(GO) tool gqlgen generate

verify-generate: ## fail if `make generate` changes committed files
	@$(GO) tool gqlgen generate && git diff --exit-code -- graph gqlgen.yml || \
	  (echo "generated code is stale: run make generate and commit" >&2; exit 1)

lint: ## gofmt, go vet, golangci-lint (depguard enforces the layer rule), go mod tidy check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	@bin=$$(GO=$(GO) scripts/golangci-lint.sh path) && echo "golangci-lint run $(PKGS)" && "$$bin" run $(PKGS)
	@$(GO) mod tidy -diff || (echo "go.mod/go.sum are not tidy: run go mod tidy and commit" >&2; exit 1)

lint-install: ## install the golangci-lint version CI uses into $(go env GOPATH)/bin (skipped if there)
	@GO=$(GO) scripts/golangci-lint.sh install

lint-selftest: ## prove lint rejects forbidden imports (planted in a temporary copy of the tree)
	@GO=$(GO) scripts/lint-selftest.sh

bench: ## the benchmark kit: fresh database + node, REST/bKash/webhook/fan-out load beside pgbench, reads at 1M payments; Markdown table + .data/bench.json (BENCH_ARGS)
	@url=$$(scripts/db.sh test) && mkdir -p .data && $(GO) build -o .data/paycore-bench ./cmd/paycore && \
	TEST_DATABASE_URL="$$url" .data/paycore-bench bench $(BENCH_ARGS)

bench-go: ## Go benchmarks (-benchmem) of hot functions against real PostgreSQL
	@url=$$(scripts/db.sh test) && \
	TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -bench . -benchmem $(PKGS)

db/stop: ## stop the private cluster under .data/ (if one was started)
	@bin=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r | head -1); \
	if [ -f .data/pg/postmaster.pid ]; then \
	  if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- $$bin/pg_ctl -D .data/pg -m fast -w stop; else $$bin/pg_ctl -D .data/pg -m fast -w stop; fi; fi

.PHONY: help run demo test fuzz faults migrate generate verify-generate lint lint-install lint-selftest bench bench-go db/stop
