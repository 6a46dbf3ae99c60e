#!/usr/bin/env bash
# Creates (once) and prints the path of a Python venv holding a pinned requirements file.
# Usage: scripts/pinned-venv.sh REQUIREMENTS NAME PROGRAM LABEL [VENV]
#   The venv lives outside the repository (VENV, else ~/.cache/qbo-backfill/NAME-<hash>), keyed by the requirements
#   file's hash and the Python version, so a fresh clone on the same machine (CI, a second checkout) reuses it; it is
#   ready once bin/PROGRAM exists and the install completed. Concurrent callers (parallel test files, the demo) wait
#   for one install instead of racing on the directory (flock). LABEL names what is installed in the messages.
# stdout carries only the venv path (callers read it); the first install shows pip's progress on stderr.
# Exit 3, with a message on stderr: the install failed because the package index cannot be reached.
set -euo pipefail
req="$1" name="$2" program="$3" label="$4"
py="${QBO_PYTHON:-python3}"
key="$( (cat "$req"; "$py" --version) | sha256sum | cut -c1-12)"
venv="${5:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/$name-$key}"
ready() { [ -x "$venv/bin/$program" ] && [ -f "$venv/.complete" ]; }
# Whether the index answers for the first package the requirements name (a listing, nothing downloaded).
index_reachable() {
  local first
  first="$(grep -m1 -E '^[A-Za-z0-9]' "$req" | sed -E 's/[=<>!~ ;].*//')"
  "$py" -m pip index versions "$first" >/dev/null 2>&1
}
if ! ready; then
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    echo "Waiting for another process installing $label into $venv ..." >&2
    flock 9
  fi
  if ! ready; then
    echo "Installing $label into $venv (first time only; can take minutes; pip's progress follows)..." >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip >&2 || true
    if ! "$venv/bin/pip" install -r "$req" >&2; then
      rm -rf "$venv"
      if ! index_reachable; then
        echo "$name: the Python package index cannot be reached and $venv is not built yet" >&2
        exit 3
      fi
      echo "$name: pip install -r $req failed (see above)" >&2
      exit 1
    fi
    touch "$venv/.complete"
    echo "$label is installed in $venv." >&2
  fi
fi
echo "$venv"
