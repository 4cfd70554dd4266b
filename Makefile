# The two commands: `make demo` runs the service on a demo estate; `make test` passes the tests.
GO      ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: demo test check build fuzz bench-ingest bench-alerts bench-kpi bench-vision bench-pages bench-load bench-checkout screenshots clean

## demo: find or start PostgreSQL (installing it first where missing), generate a 12-store x 120-day estate, serve on 127.0.0.1:8080 (DEMO_LISTEN=:8080 for every interface)
DEMO_LISTEN ?= 127.0.0.1:8080
demo:
	@scripts/demo-postgres
	$(GO) run ./cmd/shrinkscope demo --listen $(DEMO_LISTEN)

## test: make sure PostgreSQL runs (starting or installing it), Chromium and ffmpeg are installed, ONNX Runtime is at hand (scripts/onnxruntime), an MQTT broker answers (scripts/ensure-mosquitto) and a PgBouncer in transaction mode stands before PostgreSQL (scripts/ensure-pgbouncer), then vet and run every test with -race
test: check
	@scripts/ensure-chromium
	@url=$$(scripts/ensure-postgres) && echo "tests use $$url" && \
	  scripts/ensure-ffmpeg && ort=$$(scripts/onnxruntime) && echo "vision tests use ONNX Runtime $${ort:-(none: they skip)}" && \
	  mqtt=$$(scripts/ensure-mosquitto) && echo "Frigate bridge tests use MQTT broker $${mqtt:-(none: they skip)}" && \
	  replica=$$(scripts/ensure-replica) && export $$replica && echo "read-replica tests use $$replica" && \
	  pgb=$$(scripts/ensure-pgbouncer "$$url") && echo "pooling tests use PgBouncer $${pgb:-(none: they skip)}" && \
	  TEST_DATABASE_URL="$$url" ONNXRUNTIME_LIB="$$ort" TEST_MQTT_URL="$$mqtt" TEST_PGBOUNCER_URL="$$pgb" $(GO) test -race -count=1 -timeout 15m ./...

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## check: formatting, vet and staticcheck (pinned, fetched through the Go module proxy)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: each fuzz target for FUZZTIME (default 1m) against PostgreSQL: the ingest decoders, GeoJSON zones, webhook registrations and staffing what-ifs (no panic, no 5xx) and the vision config (no panic, every refusal names its field)
FUZZTIME ?= 1m
FUZZ_TARGETS = web:FuzzEventsDecoder web:FuzzEvents web:FuzzOutcomes web:FuzzFootfall web:FuzzSales web:FuzzStore web:FuzzZones \
  web:FuzzWebhooks web:FuzzStaffingSolve vision:FuzzConfig
fuzz:
	@url=$$(scripts/ensure-postgres) && for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; f=$${t#*:}; echo "== $$f in ./$$pkg ($(FUZZTIME))"; \
	  TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; \
	done

build:
	$(GO) build -o bin/shrinkscope ./cmd/shrinkscope

## bench-ingest: 1,000,000 events over HTTP against a raw COPY of the same rows (docs/BENCHMARKS.md)
bench-ingest:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/ingestbench -events 1000000 -runs 3

## bench-alerts: POST acknowledged to alert message at 50 SSE consoles and 200 events/s, and ingest with and without soc stores (docs/BENCHMARKS.md)
bench-alerts:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/alertbench -consoles 50 -rate 200 -seconds 30

## bench-kpi: KPI request latency on a large estate (2000 stores x 365 days: a long load, see docs/BENCHMARKS.md)
bench-kpi:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/kpibench -load

## bench-vision: the vision pipeline per frame against raw ONNX Runtime Run on a 640x640 detector, and zone lookups (docs/BENCHMARKS.md)
bench-vision:
	@ort=$$(scripts/onnxruntime) && ONNXRUNTIME_LIB="$$ort" $(GO) run ./cmd/visionbench -frames 25

## bench-load: ingest at 200 events/s while 50, then 200 connections read KPIs, on a real server and PostgreSQL; ingest and read p50/p99/max and reads shed (docs/BENCHMARKS.md)
bench-load:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/loadbench -readers 50,200 -duration 45s

## bench-checkout: lane lookups at 500 requests/s on 200 stores x 8 lanes against a bare net/http handler and /healthz, p50/p99 (docs/BENCHMARKS.md)
bench-checkout:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/checkoutbench -stores 200 -lanes 8 -rate 500 -seconds 2 -runs 3

## screenshots: a PNG of every page from the demo estate, at laptop and phone widths, into docs/screenshots
screenshots:
	@scripts/ensure-chromium
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/screenshots -out docs/screenshots

## bench-pages: server time of each page on the demo estate, p50 and p99 (docs/BENCHMARKS.md)
bench-pages:
	@url=$$(scripts/ensure-postgres) && TEST_DATABASE_URL="$$url" $(GO) run ./cmd/pagebench

clean:
	rm -rf bin
	@pg_ctl=$$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -1); \
	for d in $$(scripts/private-dir pgtest)/data $$(scripts/private-dir pgreplica)/replica $$(scripts/private-dir pgreplica)/primary; do \
	  if [ -f $$d/postmaster.pid ] && [ -n "$$pg_ctl" ]; then \
	    if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- $$pg_ctl stop -D $$d; else $$pg_ctl stop -D $$d; fi; fi; done
	@d=$$(scripts/private-dir pgbouncer); if [ -f $$d/pgbouncer.pid ]; then kill "$$(cat $$d/pgbouncer.pid)" 2>/dev/null || true; fi
	rm -rf $$(scripts/private-dir pgtest) $$(scripts/private-dir pgreplica) $$(scripts/private-dir pgbouncer)

# echarts refreshes the ECharts script embedded by reports/ from the pinned npm package.
ECHARTS_VERSION ?= 6.1.0
.PHONY: echarts
echarts:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack echarts@$(ECHARTS_VERSION) >/dev/null && tar xzf echarts-$(ECHARTS_VERSION).tgz && \
	cp package/dist/echarts.min.js $(CURDIR)/reports/assets/echarts.min.js && \
	cp package/LICENSE $(CURDIR)/reports/assets/ECHARTS-LICENSE && cp package/NOTICE $(CURDIR)/reports/assets/ECHARTS-NOTICE && rm -rf $$tmp
