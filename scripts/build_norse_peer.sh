#!/bin/sh
# Build the Norse peer venv ($1, default .venv-norse) on Python 3.11 from
# tests/peers/requirements-norse.txt. Norse needs torch, which has no CPU build for Python
# 3.10 here, hence a venv of its own. Where it cannot be built (no Python 3.11, no CPU
# torch), say why and exit 0: tests/test_nir.py then reports the Norse test as skipped.
VENV="${1:-.venv-norse}"
REQ="tests/peers/requirements-norse.txt"
ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }
PY=""
if [ -n "$PYTHON311" ] && ok "$PYTHON311"; then PY="$PYTHON311"
elif command -v python3.11 >/dev/null 2>&1 && ok python3.11; then PY="$(command -v python3.11)"
elif command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.11\.[0-9]+$' | sort -t. -k3,3nr); do
    if ok "$root/versions/$v/bin/python3.11"; then PY="$root/versions/$v/bin/python3.11"; break; fi
  done
fi
if [ -z "$PY" ]; then
  echo "note: no Python 3.11: the Norse peer venv is not built (tests/test_nir.py skips its Norse test)" >&2
  exit 0
fi
rm -rf "$VENV"
if "$PY" -m venv "$VENV" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQ" \
   && "$VENV/bin/python" -c 'import norse, nir, torch; assert not torch.version.cuda, "a CUDA build of torch"'; then
  touch "$VENV/.installed"
  echo "built $VENV ($("$VENV/bin/python" -c 'import torch, norse; print("torch", torch.__version__, "norse", norse.__version__)' 2>/dev/null))"
else
  rm -rf "$VENV"
  echo "note: the Norse peer venv could not be built from $REQ (tests/test_nir.py skips its Norse test)" >&2
fi
exit 0
