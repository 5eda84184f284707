#!/usr/bin/env bash
# Installs the moto AWS emulator (PyPI, pinned) into a virtualenv in the cache
# outside the repo, and prints the path of its moto_server. Reused when present.
set -euo pipefail
version="${MOTO_VERSION:-5.2.5}"
cache="${DR_FAILOVER_CACHE:-$HOME/.cache/dr-failover}"
venv="$cache/moto-venv/$version"
# pg8000 (pure Python): the emulator runs the data-check task's queries (moto-server.py).
extras=("pg8000==1.31.6")
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import pg8000" 2>/dev/null; then
  echo "$venv/bin/moto_server"; exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" "${extras[@]}" >&2
echo "$venv/bin/moto_server"
