# Thin wrappers around tools/bootstrap.py, which installs whatever is missing first.
# Extra arguments: make run ARGS="--data-dir /tmp/demo"   make test ARGS="-k countdown"

PYTHON ?= python3
VENV_PYTHON := .venv/bin/python
ARGS ?=

.PHONY: test run lint setup bench bench-session bench-review bench-due bench-backup bench-fhir bench-photos bench-sync bench-countdown bench-memory bundle

## every check: ruff check ., mypy, lint-imports, pytest (the README's test command; .ci/run runs it too)
test:
	$(PYTHON) tools/bootstrap.py test $(ARGS)

## the app
run:
	$(PYTHON) tools/bootstrap.py run $(ARGS)

## ruff, mypy and lint-imports only
lint:
	$(PYTHON) tools/bootstrap.py lint

## install only: system packages, .venv, pip install -e .[test]
setup:
	$(PYTHON) tools/bootstrap.py setup

## the benchmarks (results in bench/results/); an installed app caches bytecode, so they do too
bench: bench-session bench-review bench-due bench-backup bench-fhir bench-photos bench-sync bench-countdown bench-memory

bench-session: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/run.py $(ARGS)

bench-backup: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_backup.py $(ARGS)

bench-review: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_review.py $(ARGS)

bench-due: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_due.py $(ARGS)

## FHIR export of 2,000 and 10,000 demo sessions: time, CPU, peak memory, validation of the bundle
bench-fhir: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_fhir.py $(ARGS)

## one 12-megapixel photo imported: time and peak memory
bench-photos: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_photos.py

bench-sync: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_sync.py $(ARGS)

## a running countdown's CPU time and wake-ups (visible, minimised) against a minimal window, under Xvfb
bench-countdown: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_countdown.py $(ARGS)

## History, Course and Dashboard memory open and after closing at 10,000/50,000/150,000 sessions; a 60-session day
bench-memory: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV_PYTHON) bench/bench_memory.py $(ARGS)

bundle: setup
	$(VENV_PYTHON) packaging/build.py $(ARGS)
