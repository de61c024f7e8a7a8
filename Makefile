# pyfrontend: common tasks. On a fresh Debian machine, `make demo` and
# `make test` install what they need (root, apt) and start an engine if none answers.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Python tools run from this virtualenv (made by hack/venv.sh).
VENV ?= .work/venv
export PATH := $(abspath $(VENV))/bin:$(PATH)
PY := $(VENV)/bin/python

# Debian's docker 20.10 client, with BuildKit.
export DOCKER ?= /usr/bin/docker
export DOCKER_BUILDKIT := 1

DEMO_IMAGE ?= pyfrontend/hello
PYTEST_ARGS ?=
ENGINE ?=
ENGINES ?= legacy current current-containerd

# run_pytest(ARGS): pytest, where "no tests collected" (exit code 5) is a failure.
define run_pytest
	rc=0; $(PY) -m pytest $(1) $(PYTEST_ARGS) || rc=$$?; \
	if [[ $$rc == 5 ]]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc
endef

.PHONY: help deps engine images image image-arm64 publish demo test unit e2e lint proto-check bench bench-parse \
	bench-compile conformance

help:
	@echo "make demo         engine + images + frontend image, then build and run examples/hello"
	@echo "make test         proto-check, lint, unit and end-to-end tests (installs what it needs)"
	@echo "make engine       start (or reuse) the Docker engine: hack/engine.sh up"
	@echo "make images       offline stand-in base images: hack/base-images.sh"
	@echo "make image        the frontend image myorg/pyfrontend: hack/image.sh"
	@echo "make image-arm64  its linux/arm64 build, run under qemu-user: hack/image-arm64.sh"
	@echo "make publish REGISTRY=host[:port]/name   push it for linux/amd64 and linux/arm64"
	@echo "                  as one list tagged with the version; prints its digest: hack/publish.sh"
	@echo "make e2e [ENGINE=legacy|current|current-containerd]   end-to-end tests (default: every engine)"
	@echo "make e2e ENGINE=buildkitd PYF_CONF_DIR=...   the same on the conformance harness's buildkitd (README)"
	@echo "make conformance  BuildKit's Dockerfile suite, ours vs Docker's Go frontend (README)"
	@echo "make unit | e2e | lint | proto-check | bench | bench-parse | bench-compile"

deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml hack/venv.sh
	hack/venv.sh $(VENV)
	touch $@

engine:
	hack/engine.sh up

images: engine
	hack/base-images.sh

image: images
	hack/image.sh

image-arm64: images deps
	hack/image-arm64.sh

# hack/publish.sh prints the digest alone on its stdout (its progress goes to stderr).
ifneq ($(filter publish,$(MAKECMDGOALS)),)
ifeq ($(REGISTRY),)
$(error usage: make publish REGISTRY=host[:port]/name)
endif
endif
publish: images
	@hack/publish.sh "$(REGISTRY)"

demo: image
	$(DOCKER) build -t $(DEMO_IMAGE) examples/hello || { \
		echo "the frontend's own stderr goes to the engine's log (hack/engine.sh status)" >&2; \
		exit 1; }
	@echo "--- docker run --rm $(DEMO_IMAGE)"
	@$(DOCKER) run --rm $(DEMO_IMAGE)

test: proto-check lint unit e2e

unit: deps
	$(call run_pytest,-m "not e2e")

# The e2e session fixtures start the engine and build the images themselves.
# ENGINE=legacy|current|current-containerd runs one engine; default: all of them.
# ENGINE=buildkitd (not in the default) needs the conformance harness's binaries.
e2e: deps
	PYTHON=$(PY) hack/e2e.sh $(or $(ENGINE),$(ENGINES)) -- $(PYTEST_ARGS)

lint: deps
	ruff check .
	ruff format --check .
	mypy

proto-check: deps
	hack/gen-proto.sh --check

# The cached-rebuild bench on each engine (ENGINE=... for one): ours, Docker's Go frontend
# image (docker/dockerfile:<version>-ref, copied from Engine 20.10 when there) and the built-in.
bench: deps
	for engine in $(or $(ENGINE),$(ENGINES)); do \
		PYFRONTEND_ENGINE=$$engine hack/engine.sh up; \
		PYFRONTEND_ENGINE=$$engine hack/engine.sh exec -- \
			bash -c 'hack/base-images.sh && hack/image.sh >/dev/null && $(PY) hack/bench_e2e.py'; \
	done

# BuildKit's own Dockerfile suite against ours and Docker's Go frontend; needs
# CONFORMANCE_HARNESS and BUILDKIT_SRC (see the README). Not part of `make test`.
conformance: deps
	PYTHON=$(abspath $(PY)) hack/conformance.sh

bench-parse: deps
	$(PY) hack/bench_parse.py

bench-compile: deps
	$(PY) hack/bench_compile.py
