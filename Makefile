# 中原云 migration suite. `make run` starts everything on embedded defaults; `make test` passes the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROTOS := $(shell find protos -name '*.proto' | sort)
PB_STAMP := services/pb/.generated

.PHONY: run test bench lint protos venv clean

run: $(PB_STAMP)
	$(BIN)/python -m tools.devstack run

test: $(PB_STAMP)
	$(BIN)/python -m tools.devstack test -- $(PYTEST_ARGS)

bench: $(PB_STAMP)
	$(BIN)/python -m tools.bench

lint: $(PB_STAMP)
	$(BIN)/ruff check services tools tests
	$(BIN)/ruff format --check services tools tests
	$(BIN)/mypy services tools

protos: $(PB_STAMP)

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Generated code is generated: protoc, then protoletariat turns the absolute imports into package-relative ones.
$(PB_STAMP): $(VENV)/.installed $(PROTOS)
	rm -rf services/pb && mkdir -p services/pb
	$(BIN)/python -m grpc_tools.protoc -I protos --python_out=services/pb --grpc_python_out=services/pb \
		--pyi_out=services/pb $(PROTOS)
	$(BIN)/protol --create-package --in-place --python-out services/pb \
		protoc --protoc-path="$(BIN)/python -m grpc_tools.protoc" --proto-path=protos $(PROTOS)
	touch $@

clean:
	rm -rf $(VENV) services/pb var
