#!/usr/bin/env bash
# Runs Mage for this project: the pinned mage-ai venv (scripts/mage-venv.sh) and a project-local data dir.
#
#   scripts/mage.sh start [--port 6789]                    UI + scheduler (login admin@admin.com / admin at first)
#   scripts/mage.sh run <pipeline> [--runtime-vars JSON]   one headless run, e.g. qb_invoices_backfill
#   scripts/mage.sh secrets load [NAME...] [--stdin]        put credentials into Mage Secrets (prompt or stdin)
#   scripts/mage.sh secrets list                            which secrets are set (names only)
#   scripts/mage.sh secrets delete NAME...
#   scripts/mage.sh sandbox-secrets < sandbox.json          load the local QBO sandbox's values (demo, tests)
#   scripts/mage.sh python ...                              the venv's Python
#
# QBO_MAGE_PROJECT runs Mage on a copy of mage_project (tests, evidence) instead of the working tree's.
# MAGE_DATA_DIR (default .run/mage_data, git-ignored) holds Mage's database, block logs and outputs, and the key
# that encrypts Mage Secrets: lose it and every secret must be loaded again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$("$root/scripts/mage-venv.sh")"
export MAGE_DATA_DIR="$(mkdir -p "${MAGE_DATA_DIR:-$root/.run/mage_data}" && cd "${MAGE_DATA_DIR:-$root/.run/mage_data}" && pwd)"
chmod 700 "$MAGE_DATA_DIR"
# Mage writes an API-trigger token into triggers.yaml when a trigger is saved from the UI unless told not to.
export HIDE_API_TRIGGER_TOKEN="${HIDE_API_TRIGGER_TOKEN:-true}"
project="${QBO_MAGE_PROJECT:-$root/mage_project}"

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  start)
    exec "$venv/bin/mage" start "$project" "$@" ;;
  run)
    [ $# -ge 1 ] || { echo "usage: scripts/mage.sh run <pipeline> [--runtime-vars JSON]" >&2; exit 64; }
    pipeline="$1"; shift
    # `mage run` does not create Mage's tables; the secrets tool does (migrations), once per data dir.
    [ -f "$MAGE_DATA_DIR/mage_project/mage-ai.db" ] || "$venv/bin/python" "$root/scripts/mage-secrets.py" list >/dev/null
    exec "$venv/bin/mage" run "$project" "$pipeline" "$@" ;;
  secrets)
    exec "$venv/bin/python" "$root/scripts/mage-secrets.py" "$@" ;;
  sandbox-secrets)
    exec "$venv/bin/python" "$root/scripts/mage-sandbox-secrets.py" "$@" ;;
  python)
    exec "$venv/bin/python" "$@" ;;
  ""|-h|--help|help)
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *)
    exec "$venv/bin/mage" "$cmd" "$@" ;;
esac
