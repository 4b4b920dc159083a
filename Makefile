# emolib: the two commands of the README are `make book` and `make test`.
# Everything else here is a building block of those two, or a convenience for researchers.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed
PROFILE ?= tiny
SEED ?= 0
DATA ?= data/sample
WORKERS ?= 2
EXTRA ?= dev
LAB_PORT ?= 8888
LAB_TOKEN ?=
FOLDS ?= 4
FOLD_GRID ?= modality=audio,video,mixed
FOLD_SET ?=
SCHEDULER ?=
TLS_CA_FILE ?=
TLS_CERT ?=
TLS_KEY ?=
TEST_REPORT ?= outputs/tests/junit.xml
FORCE ?=
FORCED := $(filter-out 0 no false,$(FORCE))
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.py))
TORCH_VERSION ?= 2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
BACKEND ?= jax
BACKEND_TESTS := tests/test_backends.py tests/test_lstm_models.py tests/test_lstm_training.py \
	tests/test_lstm_batching.py tests/test_precision.py tests/test_precision_layers.py tests/test_prefetch.py \
	tests/test_studyb_models.py tests/test_studyb_saliency.py tests/test_light_imports.py \
	tests/test_features_logmel.py tests/test_features_on_device.py tests/test_benchmarks_gpu.py
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help install sample notebooks book folds validate test test-fast jax torch test-backends notebooks-backend lab \
	lint clean distclean sync-notebooks

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRA)]'
	$(BIN)/python -m emolib kernel
	touch $@

install: $(STAMP) ## create .venv and install emolib with its dependencies

sample: $(STAMP) ## generate the synthetic cinema (PROFILE=tiny|full, SEED=0); skipped when up to date
	$(BIN)/python -m emolib sample --profile $(PROFILE) --seed $(SEED) --out $(DATA) --workers $(WORKERS)

notebooks: sample ## execute the notebooks whose inputs changed into book/notebooks/ (FORCE=1: every one)
	$(BIN)/python -m emolib notebooks --data $(DATA) --profile $(PROFILE) --seed $(SEED) --out book/notebooks \
		--workers $(WORKERS) $(if $(FORCED),--force)

# Jupyter Book rebuilds only the pages whose sources changed; a failed build forgets what it read, so that
# the next one reads every page again instead of passing over the pages that failed.
book: notebooks ## set up, generate the sample, execute what changed (FORCE=1: everything), build the HTML book
	$(BIN)/jupyter-book build book --config _config.yml --toc $(CURDIR)/book/_toc.yml --path-output book \
		--warningiserror --nitpick --keep-going $(if $(FORCED),--all) || { rm -rf book/_build/.doctrees; exit 1; }
	@echo "The book is at book/_build/html/index.html"

folds: sample ## notebook 04 for every fold x FOLD_GRID (papermill, WORKERS at once), then notebook 07 again
	$(BIN)/python -m emolib folds --data $(DATA) --profile $(PROFILE) --seed $(SEED) --n-folds $(FOLDS) \
		--grid $(FOLD_GRID) $(if $(FOLD_SET),--set $(FOLD_SET)) --workers $(WORKERS) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(TLS_CA_FILE),--tls-ca-file $(TLS_CA_FILE)) \
		$(if $(TLS_CERT),--tls-cert $(TLS_CERT)) $(if $(TLS_KEY),--tls-key $(TLS_KEY)) \
		--out outputs/folds --outputs outputs --book book/notebooks

validate: $(STAMP) ## check every data file of DATA and list every problem at once
	$(BIN)/python -m emolib validate --data $(DATA)

test: $(STAMP) ## set up if needed and run the whole test suite (report: outputs/tests/junit.xml)
	$(BIN)/python -m pytest --junitxml=$(TEST_REPORT)

test-fast: $(STAMP) ## the tests not marked slow: no notebook, no book (for contributors, between changes)
	$(BIN)/python -m pytest -m "not slow"

jax: $(STAMP) ## the model tests on the JAX backend (installs jax, CPU, into .venv; not part of CI)
	$(BIN)/python -m pip install --quiet jax
	KERAS_BACKEND=jax $(BIN)/python -m pytest $(BACKEND_TESTS)

torch: $(STAMP) ## the model tests on the PyTorch backend (installs the CPU torch wheel into .venv; not part of CI)
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)' $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
	KERAS_BACKEND=torch $(BIN)/python -m pytest $(BACKEND_TESTS)

test-backends: torch jax ## the model tests on PyTorch and on JAX (about 1 GB of wheels; see the README)

notebooks-backend: $(STAMP) ## every notebook on the micro sample with KERAS_BACKEND=BACKEND (jax or torch, installed into .venv) into outputs-BACKEND/
	$(BIN)/python -m pip install --quiet $(if $(filter torch,$(BACKEND)),'torch==$(TORCH_VERSION)' $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)),$(BACKEND))
	$(BIN)/python -m emolib sample --profile micro --seed $(SEED) --out outputs-$(BACKEND)/sample-micro --workers $(WORKERS)
	KERAS_BACKEND=$(BACKEND) $(BIN)/python -m emolib notebooks --data outputs-$(BACKEND)/sample-micro --profile micro \
		--seed $(SEED) --out outputs-$(BACKEND)/notebooks --outputs outputs-$(BACKEND)/runs

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRA),lab]'
	touch $@

lab: $(LAB_STAMP) ## JupyterLab on 127.0.0.1:LAB_PORT with a token, emolib kernel, .py sources open as notebooks
	$(BIN)/python -m emolib lab --port $(LAB_PORT) $(if $(LAB_TOKEN),--token $(LAB_TOKEN))

lint: $(STAMP) ## the pre-commit hooks on every tracked file: ruff, notebook pairing and outputs, guards
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files

sync-notebooks: $(STAMP) ## re-pair notebooks/*.ipynb with their py:percent sources
	$(BIN)/jupytext --sync $(NOTEBOOKS)

clean: ## remove generated data, run outputs (the backend checks' too) and the built book
	rm -rf book/_build book/notebooks outputs outputs-jax outputs-torch $(DATA)

distclean: clean ## also remove the virtual environment
	rm -rf $(VENV)
