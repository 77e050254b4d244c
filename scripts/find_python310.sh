#!/bin/sh
# Print the path of a working Python 3.10 interpreter (lava-nc 0.10 supports 3.10 only):
# python3.10 from PATH if it runs, else the newest 3.10.x that pyenv has. Exit 1 with a
# clear message if neither exists.
ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
if [ -n "$PYTHON310" ] && ok "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
if command -v python3.10 >/dev/null 2>&1 && ok python3.10; then command -v python3.10; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -t. -k3,3nr); do
    p="$root/versions/$v/bin/python3.10"
    if [ -x "$p" ] && ok "$p"; then echo "$p"; exit 0; fi
  done
fi
for p in /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if [ -x "$p" ] && ok "$p"; then echo "$p"; exit 0; fi
done
echo "error: lava_eirate needs Python 3.10 (lava-nc 0.10 installs on no other version)." >&2
echo "       Put python3.10 on PATH, set PYTHON310=/path/to/python3.10, or 'pyenv install 3.10'." >&2
exit 1
