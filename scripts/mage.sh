#!/usr/bin/env bash
# Runs Mage for this project: the pinned mage-ai venv (scripts/mage-venv.sh) and a project-local data dir.
#
#   scripts/mage.sh start [--port 6789] [--host ADDR]      UI + scheduler on 127.0.0.1 (see QBO_MAGE_HOST below)
#   scripts/mage.sh run <pipeline> [--runtime-vars JSON]   one headless run, e.g. qb_invoices_backfill
#   scripts/mage.sh rerun <pipeline> [--trigger NAME]      run a pipeline's one-time trigger again, with its own
#                                                          variables, through the running Mage (start it first)
#   scripts/mage.sh secrets load [NAME...] [--stdin]        put credentials into Mage Secrets (prompt or stdin)
#   scripts/mage.sh secrets list                            which secrets are set (names only)
#   scripts/mage.sh secrets delete NAME...
#   scripts/mage.sh sandbox-secrets < sandbox.json          load the local QBO sandbox's values (demo, tests)
#   scripts/mage.sh python ...                              the venv's Python
#
# QBO_MAGE_HOST (default 127.0.0.1) is the address `start` listens on; 0.0.0.0 opens it to the network: set
# DEFAULT_OWNER_PASSWORD first (Mage's first login is admin@admin.com / admin otherwise).
# QBO_MAGE_PROJECT runs Mage on a copy of mage_project (tests, evidence) instead of the working tree's.
# MAGE_DATA_DIR (default .run/mage_data, git-ignored) holds Mage's database, block logs and outputs, and the key
# that encrypts Mage Secrets: lose it and every secret must be loaded again. Everything Mage and the blocks
# create here is private to the user (umask 077).
# QBO_EVIDENCE_DIR (default .run/evidencias) receives the run reports of local runs; the committed evidencias/
# is written by scripts/evidence.ts only.
set -euo pipefail
case "${1:-}" in ""|-h|--help|help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;; esac
umask 077
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$("$root/scripts/mage-venv.sh")"
export MAGE_DATA_DIR="$(mkdir -p "${MAGE_DATA_DIR:-$root/.run/mage_data}" && cd "${MAGE_DATA_DIR:-$root/.run/mage_data}" && pwd)"
chmod 700 "$MAGE_DATA_DIR"
# Mage's DB and the secrets key made by an older version of this script may still be group/world-readable.
find "$MAGE_DATA_DIR" -maxdepth 2 \( -name 'mage-ai.db*' -o -name secrets \) -exec chmod -R go= {} +
export QBO_EVIDENCE_DIR="${QBO_EVIDENCE_DIR:-$root/.run/evidencias}"
# Mage writes an API-trigger token into triggers.yaml when a trigger is saved from the UI unless told not to.
export HIDE_API_TRIGGER_TOKEN="${HIDE_API_TRIGGER_TOKEN:-true}"
project="${QBO_MAGE_PROJECT:-$root/mage_project}"

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  start)
    # mage-ai's own default ("localhost") makes its web server listen on every interface.
    case " $* " in
      *" --host "*|*" --host="*) ;;
      *) set -- --host "${QBO_MAGE_HOST:-127.0.0.1}" "$@" ;;
    esac
    exec "$venv/bin/mage" start "$project" "$@" ;;
  run)
    [ $# -ge 1 ] || { echo "usage: scripts/mage.sh run <pipeline> [--runtime-vars JSON]" >&2; exit 64; }
    pipeline="$1"; shift
    # `mage run` does not create Mage's tables; the secrets tool does (migrations), once per data dir.
    [ -f "$MAGE_DATA_DIR/mage_project/mage-ai.db" ] || "$venv/bin/python" "$root/scripts/mage-secrets.py" list >/dev/null
    exec "$venv/bin/mage" run "$project" "$pipeline" "$@" ;;
  rerun)
    exec "$venv/bin/python" "$root/scripts/mage-rerun.py" "$@" ;;
  secrets)
    exec "$venv/bin/python" "$root/scripts/mage-secrets.py" "$@" ;;
  sandbox-secrets)
    exec "$venv/bin/python" "$root/scripts/mage-sandbox-secrets.py" "$@" ;;
  python)
    exec "$venv/bin/python" "$@" ;;
  *)
    exec "$venv/bin/mage" "$cmd" "$@" ;;
esac
