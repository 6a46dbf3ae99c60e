#!/usr/bin/env bash
# Creates (once) and prints the path of the Python venv holding the pinned mage-ai.
# The venv lives outside the repository, keyed by the requirements file's hash, so a fresh clone on the
# same machine (CI, a second checkout) reuses it instead of reinstalling ~1 GB of packages.
# Concurrent callers (parallel test files, the demo) wait for one install instead of racing on the directory.
# stdout carries only the venv path (callers read it); the first install shows pip's progress on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="$here/mage_project/requirements-mage.txt"
py="${QBO_PYTHON:-python3}"
key="$( (cat "$req"; "$py" --version) | sha256sum | cut -c1-12)"
venv="${QBO_MAGE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/mage-venv-$key}"
ready() { [ -x "$venv/bin/mage" ] && [ -f "$venv/.complete" ]; }
if ! ready; then
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    echo "Waiting for another process installing mage-ai into $venv ..." >&2
    flock 9
  fi
  if ! ready; then
    echo "Installing mage-ai into $venv (first time only; a few minutes; pip's progress follows)..." >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip >&2
    "$venv/bin/pip" install -r "$req" >&2
    touch "$venv/.complete"
    echo "mage-ai is installed in $venv." >&2
  fi
fi
echo "$venv"
