# The commands of GUIDE §3. Everything runs from the project's own virtualenv in .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run demo test bench lint clean

install:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'

run:
	$(PY) -m services

demo:
	$(PY) -m services.demo

test:
	$(PY) -m pytest -q

bench:
	$(PY) -m bench

lint:
	$(VENV)/bin/ruff check .

clean:
	rm -rf data .pytest_cache .ruff_cache
