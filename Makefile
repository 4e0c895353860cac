# Two front doors: `make reports` (the yearly job on the bundled demo data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages: chromium renders the PDF (shaped, searchable Thai); poppler-utils gives
# pdftotext/pdftoppm, which the tests use to read the PDFs back.
SYSTEM_PACKAGES := chromium poppler-utils
YEAR ?= 2566
# Report language: reports/<year>/<lang>/ (`make reports REPORT_LANG=en`).
REPORT_LANG ?= th

.PHONY: reports test test-fast lint-imports test-lab bench system clean-reports strip-notebooks

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Installs the Debian packages when we can (root + apt-get); otherwise says what is missing.
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "NOTE: missing Debian packages:$$missing"; \
		echo "      install them with: sudo apt-get install$$missing"; \
		echo "      until then reports are HTML only (PDF needs chromium, or weasyprint as fallback)."; \
	fi

# The demo data is made here, once: `lpa reports` itself never makes data up. Every year
# of the data folder is built, so the trend notebook and `lpa show` need no build first.
reports: $(STAMP) system
	[ -d data/demo ] || $(BIN)/lpa demo --out data/demo
	$(BIN)/lpa build --all          # every year of the data folder: trends, lpa show, lpa lab
	$(BIN)/lpa reports --year $(YEAR) --province all --lang $(REPORT_LANG)

test: $(STAMP) system lint-imports
	$(BIN)/python -m pytest -q

# The quick loop while working: no notebooks, browsers or wheel builds (tests marked slow).
test-fast: $(STAMP) lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

# The layers of docs/architecture.md (contracts in pyproject.toml): no cycles, one-way flow.
lint-imports: $(STAMP)
	$(BIN)/lint-imports

# JupyterLab as analysts use it (`lpa lab`, the widgets) driven in a browser. Its own venv:
# the reports never need JupyterLab, which slows every GX import by ~0.9 s.
LAB_VENV := .venv-lab
$(LAB_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/pip install --quiet --upgrade pip
	$(LAB_VENV)/bin/pip install --quiet -e '.[dev,lab]'
	touch $@

test-lab: $(LAB_VENV)/.installed system
	$(LAB_VENV)/bin/python -m pytest -q tests/test_lab_live.py

bench: $(STAMP) system
	$(BIN)/python benchmarks/run_all.py

strip-notebooks: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

clean-reports:
	rm -rf reports/$(YEAR)/$(REPORT_LANG)
