#!/usr/bin/env bash
# Creates (once) and prints the path of a podman-compose pinned for scripts/compose-e2e.sh
# (requirements-podman-compose.txt), in a venv outside the repository made by scripts/pinned-venv.sh like Mage's
# (~/.cache/qbo-backfill/podman-compose-<hash>), so CI and other clones on the machine reuse it.
# Used only where no Docker Engine with Compose v2 answers.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
venv="$("$repo/scripts/pinned-venv.sh" "$here/requirements-podman-compose.txt" podman-compose podman-compose \
  "podman-compose" ${QBO_PODMAN_COMPOSE_VENV:+"$QBO_PODMAN_COMPOSE_VENV"})"
echo "$venv/bin/podman-compose"
