#!/usr/bin/env bash
# Creates (once) and prints the path of a podman-compose pinned for scripts/compose-e2e.sh, in a venv outside the
# repository (~/.cache/qbo-backfill/podman-compose-<version>), so CI and other clones on the machine reuse it.
# Used only where no Docker Engine with Compose v2 answers.
set -euo pipefail
version=1.6.0
py="${QBO_PYTHON:-python3}"
venv="${QBO_PODMAN_COMPOSE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/podman-compose-$version}"
ready() { [ -x "$venv/bin/podman-compose" ] && [ -f "$venv/.complete" ]; }
if ! ready; then
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  flock 9
  if ! ready; then
    echo "Installing podman-compose $version into $venv (first time only)..." >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet "podman-compose==$version" >&2
    touch "$venv/.complete"
  fi
fi
echo "$venv/bin/podman-compose"
