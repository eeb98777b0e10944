# Thin wrapper over meson. `make demo` and `make test` work on a fresh
# Debian machine: both install what is missing first (scripts/install-deps).

BUILD     ?= build
ASAN      ?= build-asan
SCENARIO  ?= abrupt
DEMO_DB   ?= demo.db
RATE      ?= 400
BATCHES   ?= 60
SECONDS   ?= 60
MESON_TEST = meson test --print-errorlogs --num-processes 2

.PHONY: all deps build test test-fast test-asan demo bench reliability fuzz \
	golden scenarios-doc estimation-doc policy-doc clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) --fatal-meson-warnings

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN)/build.ninja:
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug --fatal-meson-warnings

# Every test, plain and then under AddressSanitizer + UBSan.
test: build $(ASAN)/build.ninja
	$(MESON_TEST) -C $(BUILD)
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MESON_TEST) -C $(ASAN) --timeout-multiplier 3

test-fast: build
	$(MESON_TEST) -C $(BUILD)

# Pipe a scenario into ingest (throttled so it fills up live) and open the
# console on the same store. Quit the console with q.
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB)-wait
	@echo "demo: mlmon-gen --scenario $(SCENARIO) --batches $(BATCHES) --rate $(RATE) | mlmon-ingest --db $(DEMO_DB)"
	@($(BUILD)/scenarios/mlmon-gen --scenario $(SCENARIO) \
		--batches $(BATCHES) --rate $(RATE) | \
		$(BUILD)/src/ingest/mlmon-ingest --db $(DEMO_DB) --quiet \
		2>$(DEMO_DB).log & echo $$! > $(DEMO_DB).pid)
	@$(BUILD)/src/tui/mlmon-top --db $(DEMO_DB); \
		kill $$(cat $(DEMO_DB).pid) 2>/dev/null; rm -f $(DEMO_DB).pid

bench: deps $(BUILD)/build.ninja
	@scripts/install-deps --dev
	meson setup $(BUILD) --fatal-meson-warnings --reconfigure -Dbuildtype=release >/dev/null
	ninja -C $(BUILD)
	bench/run-all

reliability: build
	tests/reliability/run-all

fuzz:
	@scripts/install-deps --dev
	tests/fuzz/run $(SECONDS)

# Regenerate the golden vectors from scipy / scikit-learn (needs --dev deps).
golden:
	@scripts/install-deps --dev
	for f in tests/golden/make-*.py; do /usr/bin/python3 $$f tests/golden || exit 1; done

scenarios-doc: build
	scripts/scenarios-table > docs/SCENARIOS.md.tmp
	mv docs/SCENARIOS.md.tmp docs/SCENARIOS.md

estimation-doc: build
	scripts/cbpe-table > docs/ESTIMATION.md.tmp
	mv docs/ESTIMATION.md.tmp docs/ESTIMATION.md

# The two policies side by side (long: ~45 min of CPU, one run at a time).
policy-doc: build
	scripts/policy-table > docs/POLICY.md.tmp
	mv docs/POLICY.md.tmp docs/POLICY.md

clean:
	rm -rf $(BUILD) $(ASAN)
