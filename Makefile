# COPS platform — `make run` starts everything with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
MANAGE := $(PY) manage.py
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
DEBIAN_PACKAGES := chromium libgdal32 libharfbuzz-subset0 fonts-dejavu-core gettext poppler-utils

.PHONY: run test install system-packages services db lint messages clean-venv

run: install services db ## install, migrate, load reference and demo data, start web + worker + beat
	@$(MANAGE) seed_demo --if-empty
	@echo ""
	@echo "  COPS Occitanie : http://127.0.0.1:$(PORT)/  (Ctrl-C arrête le serveur web, le worker et beat)"
	@echo "  Comptes de démonstration : admin@cops.demo, equipe@cops.demo, copil@cops.demo, partenaire@cops.demo"
	@echo "  Mot de passe : demo-cops-occitanie"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  .venv/bin/celery -A cops worker --loglevel=INFO --concurrency=2 & \
	  .venv/bin/celery -A cops beat --loglevel=INFO & \
	  $(MANAGE) runserver 127.0.0.1:$(PORT) & \
	  wait

test: install services lint ## the whole test suite, on the real PostgreSQL, Redis and chromium
	@$(MANAGE) ensure_database
	$(MANAGE) makemigrations --check --dry-run
	.venv/bin/pytest

install: system-packages .venv/.installed messages

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installation des paquets Debian :$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

.venv/.installed: pyproject.toml
	@[ -x $(PY) ] || python3 -m venv .venv
	@$(PIP) install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PIP) install -q -e '.[dev]' 2>&1 | grep -vE "^WARNING: Location|BuildBackendWarning|editable|!!|\*\*\*|Please be careful|name as your package|with strategy|^\s*$$" || true
	@$(PY) -c "import django, celery, weasyprint, playwright" && touch $@

# French is the source language; its catalogue is generated (msgid copied by msgen) so that French
# plural rules apply (« 0 réponse », not « 0 réponses »). English is translated in locale/en.
messages:
	@$(MANAGE) makemessages -l fr --ignore=.venv --ignore=staticfiles --no-obsolete -v0
	@msgen --no-wrap -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po
	@$(MANAGE) compilemessages --ignore=.venv -v0

services:
	@$(PY) -m cops.servicecheck

db: services
	@$(MANAGE) ensure_database
	@$(MANAGE) migrate --no-input -v0
	@$(MANAGE) createcachetable
	@$(MANAGE) load_reference_data
	@$(MANAGE) collectstatic --no-input -v0

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

clean-venv:
	rm -rf .venv
