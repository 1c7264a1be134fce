# Two commands set Karama up on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install migrate lint format messages bench serve clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Karama needs Python 3.11 ($(PYTHON))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

## make demo: install, migrate the SQLite database under var/, load the demonstration data, serve on 127.0.0.1:8000
demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py serve_demo --host $(HOST) --port $(PORT)

## make test: ruff, migrations in step, the whole pytest suite (browser tests included)
test: install
	mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	scripts/ensure-chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make bench: national-scale benchmarks on PostgreSQL (DATABASE_URL, by default the karama_bench database, created
## and migrated if missing); generates 250,000 people once, serves with gunicorn, writes docs/performance.md
BENCH_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/karama_bench)
bench: install
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) -m bench run $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make messages: refresh the ar, fa, fr catalogues from the code and compile them
messages: install
	cd karama && ../$(PY) ../manage.py makemessages -l ar -l fa -l fr --no-obsolete --no-location --ignore "static/*"
	$(PY) scripts/po_headers.py karama
	cd karama && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf var/karama.sqlite3* var/media var/static var/screenshots
