# The two commands of the README: `make demo` and `make test`. Each builds .venv on first use
# and again only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test integrity bench lint snapshot-update clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "cashier-tui needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,serve]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cashier-tui --demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

integrity: $(STAMP)
	$(BIN)/python -m pytest -q -m integrity $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check cashier_tui screens printers tests benchmarks data

snapshot-update: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_snapshots.py --snapshot-update

clean:
	rm -rf $(VENV) build dist *.egg-info
