# Set-up and everyday commands. The virtual environment is created once and reused;
# it is refreshed when pyproject.toml or constraints.txt change.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run index test test-fast lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(PY) -m compileall -q src  # imports are much slower without bytecode on these machines
	touch $(STAMP)

index: install
	$(VENV)/bin/paperlens ingest

run: index
	$(PY) app.py

test: install
	$(PY) -m pytest

# Unit tests only: no real model, server or browser (under a minute).
test-fast: install
	$(PY) -m pytest -m "not integration" -q

lint: install
	$(VENV)/bin/ruff check src tests bench app.py
	$(VENV)/bin/mypy

bench: index
	$(PY) bench/retrieval.py

clean:
	rm -rf $(VENV) data/index
