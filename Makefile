# `make demo` and `make test` build .venv with Python 3.10 from this project's own files.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lava_eirate-installed
PYTEST_ARGS ?=

DOCS_OUT ?= docs/_build/html

.PHONY: venv test docs demo bench peers peer-norse clean

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/find_python310.sh
	@PY310="$$(sh scripts/find_python310.sh)" || exit 1; \
	if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		echo "removing $(VENV): it is not Python 3.10"; rm -rf "$(VENV)"; fi; \
	if [ ! -x "$(PY)" ]; then echo "creating $(VENV) with $$PY310"; "$$PY310" -m venv "$(VENV)"; fi
	"$(PY)" -m pip install --disable-pip-version-check -q -e ".[test,plot,docs,scale,nir]"
	@touch "$(STAMP)"

test: docs peer-norse
	"$(PY)" -m pytest $(PYTEST_ARGS)

# Norse (for tests/test_nir.py: a graph written and simulated by Norse itself) needs torch,
# which has a CPU build here only for Python 3.11: a venv of its own (skipped with a note
# where it cannot be built)
NORSE_VENV ?= .venv-norse
peer-norse: $(NORSE_VENV)/.installed

$(NORSE_VENV)/.installed: tests/peers/requirements-norse.txt scripts/build_norse_peer.sh
	@sh scripts/build_norse_peer.sh "$(NORSE_VENV)"

# The API reference from the docstrings; any Sphinx warning fails the build.
docs: $(STAMP)
	"$(PY)" -m sphinx -b html -W --keep-going -q docs "$(DOCS_OUT)"
	@echo "API reference: $(DOCS_OUT)/index.html"

demo: $(STAMP)
	"$(VENV)/bin/lava-eirate" demo

bench: $(STAMP)
	"$(PY)" benchmarks/bench_core.py

# NEST and Brian2 beside lava_eirate on the Brunel network (benchmarks/bench_peers.py)
peers: $(STAMP)
	"$(PY)" -m pip install --disable-pip-version-check -q -e ".[peers]"
	PYTHONPATH=benchmarks "$(PY)" benchmarks/bench_peers.py

clean:
	rm -rf "$(VENV)" "$(NORSE_VENV)" .pytest_cache .hypothesis build *.egg-info docs/_build
