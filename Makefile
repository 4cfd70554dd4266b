# The two commands: `make demo` runs the service on a demo estate; `make test` passes the tests.
GO      ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: demo test check build bench-ingest bench-kpi bench-pages screenshots clean

## demo: find or start PostgreSQL (installing it first where missing), generate a 12-store x 120-day estate, serve on :8080
demo:
	@scripts/demo-postgres
	$(GO) run ./cmd/shrinkscope demo

## test: make sure PostgreSQL runs (starting or installing it) and Chromium is installed, then vet and run every test with -race
test: check
	@scripts/ensure-chromium
	@url=$$(scripts/ensure-postgres) && echo "tests use $$url" && \
	  TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 15m ./...

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## check: formatting, vet and staticcheck (pinned, fetched through the Go module proxy)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

build:
	$(GO) build -o bin/shrinkscope ./cmd/shrinkscope

## bench-ingest: 1,000,000 events over HTTP against a raw COPY of the same rows (docs/BENCHMARKS.md)
bench-ingest:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./internal/bench/ingestbench -events 1000000 -runs 3

## bench-kpi: KPI request latency on a large estate (2000 stores x 365 days: a long load, see docs/BENCHMARKS.md)
bench-kpi:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./internal/bench/kpibench -load

## screenshots: a PNG of every page from the demo estate, at laptop and phone widths, into docs/screenshots
screenshots:
	@scripts/ensure-chromium
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./internal/screenshots -out docs/screenshots

## bench-pages: server time of each page on the demo estate, p50 and p99 (docs/BENCHMARKS.md)
bench-pages:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./internal/bench/pagebench

clean:
	rm -rf bin
	@if [ -f .pgtest/data/postmaster.pid ]; then pg_ctl=$$(ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1); \
	  if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- $$pg_ctl stop -D .pgtest/data; else $$pg_ctl stop -D .pgtest/data; fi; fi
	rm -rf .pgtest
