# COPS platform — `make run` starts everything with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
MANAGE := $(PY) manage.py
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
DEBIAN_PACKAGES := chromium libgdal32 libharfbuzz-subset0 fonts-dejavu-core gettext poppler-utils
# pytest-xdist processes for `make test` (each with its own test database and task queue).
TEST_PROCESSES ?= 2
PIP_COMPILE := .venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run dev test install system-packages services db demo lint messages lock clean-venv

run: install services db demo ## the site as it runs in production (gunicorn, DEBUG off), worker and beat
	@trap 'kill 0' INT TERM EXIT; \
	  .venv/bin/celery -A cops worker --loglevel=INFO --concurrency=2 & \
	  .venv/bin/celery -A cops beat --loglevel=INFO & \
	  DEBUG=false .venv/bin/gunicorn cops.wsgi:application --bind 127.0.0.1:$(PORT) --workers 3 \
	    --access-logfile - & \
	  wait

dev: install services db demo ## for development: runserver (autoreload, Django's debug pages), worker and beat
	@trap 'kill 0' INT TERM EXIT; \
	  .venv/bin/celery -A cops worker --loglevel=INFO --concurrency=2 & \
	  .venv/bin/celery -A cops beat --loglevel=INFO & \
	  DEBUG=true $(MANAGE) runserver 127.0.0.1:$(PORT) & \
	  wait

test: install services lint ## the whole test suite, on the real PostgreSQL, Redis and chromium
	@$(MANAGE) ensure_database
	$(MANAGE) makemigrations --check --dry-run
	.venv/bin/pytest -n $(TEST_PROCESSES) --dist worksteal --durations=15

install: system-packages .venv/.installed messages

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installation des paquets Debian :$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

# The locked versions (requirements-dev.lock: the application's and the tools'), each checked against its hash.
.venv/.installed: requirements-dev.lock
	@[ -x $(PY) ] || python3 -m venv .venv
	@$(PIP) install -q --require-hashes --no-deps -r requirements-dev.lock 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, celery, weasyprint, playwright" && touch $@

# Refresh the lock files from the ranges of pyproject.toml (then commit them).
lock: .venv/.installed
	$(PIP_COMPILE) --upgrade -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --upgrade --extra dev -o requirements-dev.lock pyproject.toml

messages:
	@$(MANAGE) build_catalogues

services:
	@$(PY) -m cops.servicecheck

db: services
	@$(MANAGE) ensure_database
	@$(MANAGE) migrate --no-input -v0
	@$(MANAGE) createcachetable
	@$(MANAGE) load_reference_data
	@$(MANAGE) reindex_directory --if-outdated
	@$(MANAGE) collectstatic --no-input -v0

demo:
	@$(MANAGE) seed_demo --if-empty
	@echo ""
	@echo "  COPS Occitanie : http://127.0.0.1:$(PORT)/  (Ctrl-C arrête le site, le worker et beat)"
	@echo "  Comptes de démonstration : admin@cops.demo, equipe@cops.demo, copil@cops.demo, partenaire@cops.demo"
	@echo "  Mot de passe : demo-cops-occitanie"
	@echo ""

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

clean-venv:
	rm -rf .venv
