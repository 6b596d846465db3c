# Two commands: `make run` (the demo on http://127.0.0.1:8000) and `make test` (the whole suite).
# `make check` is the quick subset for the edit loop (SQLite, no slow or browser tests).
# Both set up everything they need on a fresh Debian machine with Python 3.11.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export STADTLOTSE_DATA_DIR ?= $(CURDIR)/var
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test check audit install install-test messages static clean

run: install messages static
	@mkdir -p var
	@test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	SECRET_KEY=$$(cat var/secret_key) $(PY) -m stadtlotse migrate --no-input -v0
	SECRET_KEY=$$(cat var/secret_key) $(PY) -m stadtlotse seed_demo
	SECRET_KEY=$$(cat var/secret_key) PORT=$(PORT) $(PY) -m stadtlotse serve

test: install-test messages
	@bin/apt-ensure /usr/bin/chromium chromium
	@bin/apt-ensure /usr/sbin/dovecot dovecot-imapd
	@bin/apt-ensure /usr/bin/curl curl
	bin/test

# Known vulnerabilities in the installed packages (pip-audit). Not part of `make test`: it needs
# advisories, from AUDIT_OSV_URL (default OSV's API, or a mirror) or AUDIT_DB (an OSV export copied
# here, for machines without internet); without either it stops at once with exit 2. docs/security.md.
audit: install-test
	$(PY) bin/audit

# The edit loop: the type check (seconds with its cache), then SQLite only, without the tests marked
# slow or browser (conftest.py). CI runs `make test`.
check: install-test messages
	env -u DATABASE_URL $(PY) -m mypy --no-error-summary
	env -u DATABASE_URL $(PY) -m pytest -q -m "not slow and not browser"

$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { bin/apt-ensure /nonexistent python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -e ".[test]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

messages: | $(PY)
	@bin/apt-ensure msgfmt gettext
	@cd stadtlotse && STADTLOTSE_ALLOW_INSECURE_KEY=true ../$(PY) -m stadtlotse compilemessages -v0

static: | $(PY)
	@STADTLOTSE_ALLOW_INSECURE_KEY=true $(PY) -m stadtlotse collectstatic --no-input -v0

clean:
	rm -rf $(VENV) var .mypy_cache
