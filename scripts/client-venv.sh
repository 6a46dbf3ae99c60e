#!/usr/bin/env bash
# Creates (once) and prints the path of the Python venv holding the pinned third-party QBO clients
# (python-quickbooks, intuit-oauth, tap-quickbooks) that the sandbox tests run unchanged.
# Built like scripts/mage-venv.sh: outside the repository, keyed by the requirements file's hash and the Python
# version, flock'd so parallel test files wait for one install.
# Exit 3 (with a message on stderr) means the package index could not be reached and nothing is cached.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="$here/ts-blocks/test/clients/requirements-clients.txt"
py="${QBO_PYTHON:-python3}"
key="$( (cat "$req"; "$py" --version) | sha256sum | cut -c1-12)"
venv="${QBO_CLIENT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/client-venv-$key}"
ready() { [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; }
if ! ready; then
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if ! ready; then
    echo "Installing the Python QBO clients into $venv (first time only)..." >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet -r "$req" >&2; then
      rm -rf "$venv"
      if ! "$py" -m pip download --quiet --no-deps --dest "$(mktemp -d)" intuit-oauth==1.2.6 >/dev/null 2>&1; then
        echo "client-venv: the Python package index cannot be reached and $venv is not built yet" >&2
        exit 3
      fi
      echo "client-venv: pip install -r $req failed (see above)" >&2
      exit 1
    fi
    touch "$venv/.complete"
  fi
fi
echo "$venv"
