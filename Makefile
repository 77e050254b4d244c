# `make demo` and `make test` build .venv with Python 3.10 from this project's own files.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lava_eirate-installed
PYTEST_ARGS ?=

DOCS_OUT ?= docs/_build/html

.PHONY: venv test docs demo bench peers clean

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/find_python310.sh
	@PY310="$$(sh scripts/find_python310.sh)" || exit 1; \
	if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		echo "removing $(VENV): it is not Python 3.10"; rm -rf "$(VENV)"; fi; \
	if [ ! -x "$(PY)" ]; then echo "creating $(VENV) with $$PY310"; "$$PY310" -m venv "$(VENV)"; fi
	"$(PY)" -m pip install --disable-pip-version-check -q -e ".[test,plot,docs,scale,nir]"
	@touch "$(STAMP)"

test: docs
	"$(PY)" -m pytest $(PYTEST_ARGS)

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
	rm -rf "$(VENV)" .pytest_cache .hypothesis build *.egg-info docs/_build
