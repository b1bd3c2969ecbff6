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
# Quieter TensorFlow start-up in every target.
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install test lint format lab notebooks bench grade doctor data pretrain clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

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
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
