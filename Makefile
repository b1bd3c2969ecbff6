# cnnlab: every target sets up .venv first, so on a fresh machine `make test` alone does all the set-up.
PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
PY          := $(BIN)/python
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=
# make notebooks MODE=full runs the notebooks with their own parameters instead of smoke mode.
MODE        ?= smoke
NOTEBOOK_HTML ?= build/notebooks
CELL_TIMEOUT  ?= 600
# make grade LAB=01_convolutions SUBMISSIONS=path/ grades real submissions (see README).
LAB         ?=
SUBMISSIONS ?=
# make data fetches the ImageNet weights and datasets the labs use (DATA=mnist picks fewer);
# without internet, FROM=DIR installs files carried in by hand (see data/README.md).
DATA        ?= course
FROM        ?=
# make test-compat: the oldest declared versions (requirements-oldest.txt) in their own venv on
# Python 3.10. A pyenv shim named python3.10 can be on PATH and still fail to run, so the first
# candidate that actually starts wins: python3.10, then pyenv's 3.10, else python3.10 as given.
PYTHON_OLDEST ?= $(firstword $(foreach p,python3.10 $(shell pyenv prefix 3.10 2>/dev/null)/bin/python3.10,$(if $(shell $(p) -c 'print(1)' 2>/dev/null),$(p))) python3.10)
VENV_OLDEST   ?= .venv-oldest
PY_OLDEST     := $(VENV_OLDEST)/bin/python
STAMP_OLDEST  := $(VENV_OLDEST)/.installed
NOTEBOOK_HTML_OLDEST ?= build/notebooks-oldest
# Quieter TensorFlow start-up in every target.
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install test test-compat lint format lab notebooks bench grade doctor data pretrain clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The fast tests and every notebook (smoke mode) against the oldest declared versions; the
# notebooks run even when a test fails, and the target fails if either did.
$(STAMP_OLDEST): requirements-oldest.txt pyproject.toml
	$(PYTHON_OLDEST) -m venv $(VENV_OLDEST)
	$(PY_OLDEST) -m pip install --quiet --upgrade pip
	$(PY_OLDEST) -m pip install --quiet -r requirements-oldest.txt
	$(PY_OLDEST) -m pip install --quiet --no-deps -e .
	touch $(STAMP_OLDEST)

test-compat: $(STAMP_OLDEST)
	$(PY_OLDEST) -c 'import sys, numpy, tensorflow as tf, keras; print(f"python {sys.version.split()[0]}, tensorflow {tf.__version__}, keras {keras.__version__}, numpy {numpy.__version__}")'
	status=0; \
	$(PY_OLDEST) -m pytest -m "not slow" $(PYTEST_ARGS) || status=1; \
	$(VENV_OLDEST)/bin/cnnlab notebooks --mode smoke --html $(NOTEBOOK_HTML_OLDEST) --cell-timeout $(CELL_TIMEOUT) notebooks labs || status=1; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Opens the course root (notebooks/ and labs/ in the file browser); as root (containers, WSL)
# Jupyter refuses to start without --allow-root, so it is added only then.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

notebooks: $(STAMP)
	$(BIN)/cnnlab notebooks --mode $(MODE) --html $(NOTEBOOK_HTML) --cell-timeout $(CELL_TIMEOUT) notebooks labs

bench: $(STAMP)
	$(PY) benchmarks/run.py

# make grade: the bundled sample submissions of every lab (build/grades/<lab>/), gradebook printed.
# make grade LAB=00_warmup SUBMISSIONS=path/: real submissions into build/grades/<LAB>/.
grade: $(STAMP)
	$(BIN)/cnnlab grade $(if $(strip $(LAB)),$(LAB) "$(SUBMISSIONS)" --out build/grades/$(LAB))

doctor: $(STAMP)
	$(BIN)/cnnlab doctor

data: $(STAMP)
	$(BIN)/cnnlab data fetch $(DATA) $(if $(FROM),--from "$(FROM)")

# Retrain our small pretrained backbone (cnnlab/resources/models/tiny.keras + tiny.md, package data), deterministically, offline.
pretrain: $(STAMP)
	$(PY) -m cnnlab.transfer.pretrain

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -not -path './$(VENV_OLDEST)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(VENV_OLDEST)
